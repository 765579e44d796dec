//! The SMTP transport (lettre), for a relay on the local network. Performs
//! network I/O. Every failure is treated as temporary.

use super::Sender;
use crate::error::{InfraError, InfraResult};
use crate::store::OutboxMessage;
use lettre::address::Envelope;
use lettre::{Address, SmtpTransport, Transport};

/// Sends through an SMTP relay without TLS (a relay on localhost or the LAN).
pub struct Smtp {
    transport: SmtpTransport,
}

impl Smtp {
    /// A transport to `host:port`.
    pub fn new(host: &str, port: u16) -> Smtp {
        Smtp { transport: SmtpTransport::builder_dangerous(host).port(port).build() }
    }
}

impl Sender for Smtp {
    fn send(&mut self, msg: &OutboxMessage) -> InfraResult<()> {
        let from = if msg.from.is_empty() { None } else { msg.from.parse::<Address>().ok() };
        let to: Vec<Address> = msg.to.iter().filter_map(|t| t.parse().ok()).collect();
        let env =
            Envelope::new(from, to).map_err(|e| InfraError::Transport(format!("envelope: {e}")))?;
        self.transport
            .send_raw(&env, &msg.bytes)
            .map(|_| ())
            .map_err(|e| InfraError::Transport(format!("smtp: {e}")))
    }
}
