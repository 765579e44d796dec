//! Delivering the user's own copy: over LMTP to the mailbox server (`-l`)
//! or over SMTP to `LOCAL_PREFIX+user@domain` at the local MTA (`-L`),
//! through the `lmtp` crate's client. One delivery, connecting included,
//! must be over within the timeout (`[delivery] timeout_seconds`); after it
//! the delivery fails as temporary. Performs network I/O.

use super::{SendError, SendResult, Sender};
use crate::error::InfraError;
use crate::store::OutboxMessage;
use lmtp::{Client, ClientConfig, Protocol, RecipientResult, Target};
use std::time::{Duration, Instant};

/// Delivers over LMTP or SMTP.
#[derive(Debug, Clone)]
pub struct MailboxDelivery {
    target: Target,
    config: ClientConfig,
    /// For `-L`: recipients are rewritten to `prefix+local@domain`.
    local_prefix: Option<String>,
    /// How long one delivery may take.
    timeout: Duration,
}

impl MailboxDelivery {
    /// LMTP to a Unix socket path or host:port; one delivery may take
    /// `timeout`.
    pub fn lmtp(target: &str, timeout: Duration) -> MailboxDelivery {
        MailboxDelivery {
            target: Target::parse(target),
            config: ClientConfig { protocol: Protocol::Lmtp, helo_name: hostname(), timeout },
            local_prefix: None,
            timeout,
        }
    }

    /// SMTP to the local MTA, rewriting recipients with the local prefix.
    pub fn local_smtp(host: &str, port: u16, prefix: &str, timeout: Duration) -> MailboxDelivery {
        MailboxDelivery {
            target: Target::Tcp(format!("{host}:{port}")),
            config: ClientConfig { protocol: Protocol::Smtp, helo_name: hostname(), timeout },
            local_prefix: Some(prefix.to_string()),
            timeout,
        }
    }
}

/// `local+user@domain` for `user@domain`.
pub fn local_address(prefix: &str, addr: &str) -> String {
    match addr.rsplit_once('@') {
        Some((l, d)) => format!("{prefix}+{l}@{d}"),
        None => format!("{prefix}+{addr}"),
    }
}

/// This host's fully qualified name, for LHLO/EHLO (RFC 5321 §4.1.1.1:
/// the client's FQDN), found once: Debian's `/etc/mailname` (what the MTA
/// calls itself), else `/etc/hostname` when it is qualified, else the
/// first qualified name `/etc/hosts` gives that host, else the short name
/// (and `localhost` when there is none).
pub(crate) fn hostname() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        fqdn(&read("/etc/mailname"), &read("/etc/hostname"), &read("/etc/hosts"))
    })
    .clone()
}

/// The FQDN from the contents of `/etc/mailname`, `/etc/hostname` and
/// `/etc/hosts`. Pure.
fn fqdn(mailname: &str, hostname: &str, hosts: &str) -> String {
    let first_line = |s: &str| s.lines().next().unwrap_or("").trim().to_string();
    let mail = first_line(mailname);
    if mail.contains('.') {
        return mail;
    }
    let short = first_line(hostname);
    if short.contains('.') || short.is_empty() {
        return if short.is_empty() { "localhost".into() } else { short };
    }
    for line in hosts.lines() {
        let names: Vec<&str> =
            line.split('#').next().unwrap_or("").split_whitespace().skip(1).collect();
        let is_ours = names.iter().any(|n| *n == short || n.split('.').next() == Some(&short));
        if is_ours
            && let Some(q) = names.iter().find(|n| n.contains('.') && n.starts_with(short.as_str()))
        {
            return (*q).to_string();
        }
    }
    short
}

#[cfg(test)]
mod hostname_tests {
    use super::fqdn;

    #[test]
    fn the_qualified_name_is_found() {
        assert_eq!(fqdn("mail.example.com\n", "vm\n", ""), "mail.example.com");
        assert_eq!(fqdn("", "vm.example.org\n", ""), "vm.example.org");
        assert_eq!(
            fqdn("", "vm\n", "127.0.0.1 localhost\n127.0.1.1 vm.example.net vm # me\n"),
            "vm.example.net"
        );
        assert_eq!(fqdn("", "vm\n", "127.0.0.1 localhost\n"), "vm");
        assert_eq!(fqdn("", "", ""), "localhost");
    }
}

impl Sender for MailboxDelivery {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        let to: Vec<String> = match &self.local_prefix {
            Some(p) => msg.to.iter().map(|t| local_address(p, t)).collect(),
            None => msg.to.clone(),
        };
        let fail = |e| InfraError::Transport(format!("delivery to {}: {e}", self.target));
        let deadline = Some(Instant::now() + self.timeout);
        let mut client =
            Client::connect_until(&self.target, &self.config, deadline).map_err(fail)?;
        let results = client.send(&msg.from, &to, &msg.bytes);
        // Courtesy only, and within the same deadline: the outcome is settled.
        client.quit();
        let results = results.map_err(fail)?;
        for (r, t) in results.iter().zip(&to) {
            match r {
                RecipientResult::Accepted => {}
                RecipientResult::TempFail(e) => {
                    return Err(
                        InfraError::Transport(format!("delivery to {t} refused: {e}")).into()
                    );
                }
                // The mailbox server says "never" (user unknown): the caller
                // lets the MTA bounce the message instead of retrying it for
                // days (exit 67 in pipe mode, the 5xx passed on over LMTP).
                RecipientResult::PermFail(e) => {
                    return Err(SendError::Permanent(format!("delivery to {t}: {e}")));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_prefix() {
        assert_eq!(
            local_address("local", "vincent.vole@example.com"),
            "local+vincent.vole@example.com"
        );
    }
}
