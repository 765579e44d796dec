//! One mail transaction as a client: greeting, LHLO/EHLO, MAIL, RCPT, DATA,
//! the replies after DATA, QUIT. Performs I/O.

use std::time::Instant;

use smtp_proto::{EXT_8BIT_MIME, EXT_SIZE, EhloResponse};

use super::connection::{Connection, Reply};
use super::encode::{data_content, has_8bit};
use super::{ClientConfig, ClientError, Target};
use crate::Protocol;

/// What became of one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientResult {
    /// The server accepted responsibility for the message.
    Accepted,
    /// Refused for now; try again later. The server's reply, code included.
    TempFail(String),
    /// Refused for good. The server's reply, code included (or a local reason).
    PermFail(String),
}

/// Hands `message` to the server at `target` for `recipients`, on a
/// connection of its own (see [`Client`] to keep one open).
///
/// Returns one result per recipient, in order, when the transaction ran to
/// its end: recipients refused at RCPT carry that refusal, and for LMTP the
/// others carry their reply after DATA. If no recipient is accepted the
/// transaction is reset and DATA never sent. Returns an error when the
/// message as a whole was not delivered (connection trouble, refusal of the
/// greeting, hello, MAIL, DATA, or, for SMTP, of the message).
///
/// For LMTP, a connection failure while reading the per-recipient replies
/// after DATA turns each still unanswered recipient into a
/// [`RecipientResult::TempFail`], since others may already be delivered.
pub fn deliver(
    target: &Target,
    config: &ClientConfig,
    mail_from: &str,
    recipients: &[String],
    message: &[u8],
) -> Result<Vec<RecipientResult>, ClientError> {
    check_input(config, mail_from)?;
    let mut client = Client::connect(target, config)?;
    let outcome = client.send(mail_from, recipients, message);
    // Courtesy only: the outcome is already settled. A broken connection
    // refuses at once rather than waiting for another timeout.
    client.quit();
    outcome
}

/// A connection kept open for several transactions, as an MTA's connection
/// cache does: the greeting and LHLO/EHLO once, then MAIL, RCPT and DATA per
/// message. After an error the connection is unusable; connect again.
pub struct Client {
    connection: Connection,
    config: ClientConfig,
    capabilities: EhloResponse<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, reads the greeting and says LHLO/EHLO. Each read and write
    /// (and the connection itself) waits at most `config.timeout`.
    pub fn connect(target: &Target, config: &ClientConfig) -> Result<Client, ClientError> {
        Client::connect_until(target, config, None)
    }

    /// The same, all of it before `deadline` (if given), which then also
    /// bounds the transactions that follow until [`Client::set_deadline`]
    /// changes it. A passed deadline is [`ClientError::Timeout`] and leaves
    /// the connection unusable.
    pub fn connect_until(
        target: &Target,
        config: &ClientConfig,
        deadline: Option<Instant>,
    ) -> Result<Client, ClientError> {
        check_input(config, "")?;
        let mut connection = Connection::open(target, config.timeout, deadline)?;
        let greeting = connection.read_reply()?;
        expect("greeting", &greeting, 220)?;
        let capabilities = hello(&mut connection, config)?;
        Ok(Client { connection, config: config.clone(), capabilities })
    }

    /// One transaction; results and errors as for [`deliver`].
    pub fn send(
        &mut self,
        mail_from: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<Vec<RecipientResult>, ClientError> {
        check_input(&self.config, mail_from)?;
        let mut results: Vec<Option<RecipientResult>> = recipients
            .iter()
            .map(|r| {
                (!is_sendable(r, false))
                    .then(|| RecipientResult::PermFail(format!("invalid recipient address {r:?}")))
            })
            .collect();
        transact(
            &mut self.connection,
            &self.config,
            &self.capabilities,
            mail_from,
            recipients,
            message,
            &mut results,
        )?;
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| RecipientResult::TempFail("no reply for this recipient".into()))
            })
            .collect())
    }

    /// Sets (or clears) the time by which the coming transactions must end,
    /// e.g. before reusing a kept connection.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.connection.set_deadline(deadline);
    }

    /// Says QUIT and closes.
    pub fn quit(mut self) {
        let _ = self.connection.command("QUIT");
    }
}

fn check_input(config: &ClientConfig, mail_from: &str) -> Result<(), ClientError> {
    if !is_sendable(mail_from, true) {
        return Err(ClientError::InvalidInput(format!("sender address {mail_from:?}")));
    }
    if !is_sendable(&config.helo_name, false) {
        return Err(ClientError::InvalidInput(format!("hello name {:?}", config.helo_name)));
    }
    Ok(())
}

fn transact(
    connection: &mut Connection,
    config: &ClientConfig,
    capabilities: &EhloResponse<String>,
    mail_from: &str,
    recipients: &[String],
    message: &[u8],
    results: &mut [Option<RecipientResult>],
) -> Result<(), ClientError> {
    let content = data_content(message);
    let mut mail = format!("MAIL FROM:<{mail_from}>");
    if capabilities.has_capability(EXT_SIZE) {
        // Content length minus the terminator approximates what the server counts.
        mail.push_str(&format!(" SIZE={}", content.len().saturating_sub(3)));
    }
    if capabilities.has_capability(EXT_8BIT_MIME) && has_8bit(message) {
        mail.push_str(" BODY=8BITMIME");
    }
    expect("MAIL", &connection.command(&mail)?, 250)?;

    let mut accepted = Vec::new();
    for (index, recipient) in recipients.iter().enumerate() {
        if results[index].is_some() {
            continue;
        }
        let reply = connection.command(&format!("RCPT TO:<{recipient}>"))?;
        match reply.code {
            200..=299 => accepted.push(index),
            400..=599 => results[index] = Some(refusal(&reply)),
            _ => return Err(unexpected("RCPT", &reply)),
        }
    }
    if accepted.is_empty() {
        // Every recipient is settled; a failing RSET changes nothing.
        let _ = connection.command("RSET");
        return Ok(());
    }

    expect("DATA", &connection.command("DATA")?, 354)?;
    connection.send(&content)?;

    match config.protocol {
        Protocol::Lmtp => {
            for (position, &index) in accepted.iter().enumerate() {
                let reply = match connection.read_reply() {
                    Ok(reply) => reply,
                    Err(error) => {
                        for &later in &accepted[position..] {
                            results[later] = Some(RecipientResult::TempFail(error.to_string()));
                        }
                        return Ok(());
                    }
                };
                results[index] = Some(match reply.code {
                    200..=299 => RecipientResult::Accepted,
                    400..=599 => refusal(&reply),
                    _ => RecipientResult::TempFail(format!("unexpected reply {}", reply.text())),
                });
            }
        }
        Protocol::Smtp => {
            let reply = connection.read_reply()?;
            expect("end of data", &reply, 250)?;
            for index in accepted {
                results[index] = Some(RecipientResult::Accepted);
            }
        }
    }
    Ok(())
}

/// LHLO, or EHLO with HELO as fallback. Returns the advertised extensions.
fn hello(
    connection: &mut Connection,
    config: &ClientConfig,
) -> Result<EhloResponse<String>, ClientError> {
    let name = &config.helo_name;
    let (command, reply) = match config.protocol {
        Protocol::Lmtp => ("LHLO", connection.command(&format!("LHLO {name}"))?),
        Protocol::Smtp => {
            let reply = connection.command(&format!("EHLO {name}"))?;
            if (500..=599).contains(&reply.code) {
                let reply = connection.command(&format!("HELO {name}"))?;
                expect("HELO", &reply, 250)?;
                return Ok(EhloResponse::default());
            }
            ("EHLO", reply)
        }
    };
    expect(command, &reply, 250)?;
    // A capability list we cannot parse just means we use no extensions.
    Ok(EhloResponse::parse(&mut reply.raw.iter()).unwrap_or_default())
}

/// Succeeds on a reply in the same hundred as `wanted` (2xx for 250).
fn expect(command: &'static str, reply: &Reply, wanted: u16) -> Result<(), ClientError> {
    match reply.code {
        code if code / 100 == wanted / 100 => Ok(()),
        code @ 400..=599 => Err(ClientError::Rejected { command, code, reply: reply.text() }),
        _ => Err(unexpected(command, reply)),
    }
}

fn unexpected(command: &'static str, reply: &Reply) -> ClientError {
    ClientError::UnexpectedReply { command, reply: reply.text() }
}

fn refusal(reply: &Reply) -> RecipientResult {
    if reply.code >= 500 {
        RecipientResult::PermFail(reply.text())
    } else {
        RecipientResult::TempFail(reply.text())
    }
}

/// Whether `value` can go inside `<...>` or after LHLO without changing the
/// command: no spaces, controls or angle brackets. Only a path may be empty.
fn is_sendable(value: &str, may_be_empty: bool) -> bool {
    if value.is_empty() {
        return may_be_empty;
    }
    let plain =
        |s: &str| !s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>');
    // RFC 5321 §4.1.2: a quoted local part may hold spaces
    // (`"john doe"@example.com`); never line breaks or other controls.
    if let Some(rest) = value.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return rest[i + 1..].starts_with('@') && plain(&rest[i + 1..]),
                c if c.is_control() => return false,
                _ => {}
            }
        }
        return false;
    }
    plain(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendable() {
        assert!(is_sendable("", true));
        assert!(!is_sendable("", false));
        assert!(is_sendable("a@b.example", false));
        assert!(!is_sendable("a@b>\r\nRCPT TO:<c@d", false));
        assert!(!is_sendable("a b@c", false));
        assert!(is_sendable("\"john doe\"@example.com", false));
        assert!(!is_sendable("\"john\r\ndoe\"@example.com", false));
        assert!(!is_sendable("\"john doe\"@exa mple.com", false));
        assert!(!is_sendable("\"unterminated@example.com", false));
    }
}
