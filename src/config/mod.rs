//! Configuration: the TOML file with every setting of imip-agent's
//! `config.txt` that applies, and the search order for it. Reading the file
//! is the only I/O here.
//!
//! Search order (docs/configuration.md): `--config FILE`; the environment
//! variable `IMIP_AGENT_CONFIG`; `./imip-agent.toml`;
//! `/etc/imip-agent/config.toml`. When none exists the built-in defaults
//! apply (the same values as imip-agent 0.3's `config.txt`).

pub mod prefs;

use crate::budget::BudgetLimits;
use crate::error::{InfraError, InfraResult};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Public address of the agents (From of generated mail, SENT-BY value).
    pub message_sender: String,
    /// Prefix for local delivery addresses with `-L` (`local+user@domain`).
    pub local_prefix: String,
    /// Prefix of BCC copies to the outgoing agent (`people-outgoing+user@domain`).
    pub outgoing_prefix: String,
    /// Folding length for generated iCalendar (0 = the standard 75 octets).
    pub line_length: usize,
    /// Accept COUNTER objects in parts labelled REQUEST (Kontact).
    pub counter_as_request: bool,
    /// Where schedules are kept.
    pub store: StoreConfig,
    /// Directories.
    pub paths: PathsConfig,
    /// Links to a web calendar manager in notifications.
    pub manager: ManagerConfig,
    /// How replies to other parties are sent.
    pub outgoing: OutgoingConfig,
    /// How the user's own copy is delivered (imip_person).
    pub delivery: DeliveryConfig,
    /// Organisation-wide preference defaults (`NAME = "value"`).
    pub defaults: BTreeMap<String, String>,
    /// Bounds on hostile input.
    pub limits: LimitsConfig,
    /// Acting only on authenticated senders (issue 6).
    pub authentication: AuthConfig,
    /// The LMTP/SMTP listener (`--lmtp-listen`, `--smtp-listen`).
    pub listener: ListenerConfig,
    /// Where log lines go (docs/configuration.md, "Logging").
    pub log: LogConfig,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `stderr` (the MTA's log for pipe mode; the supervisor's for
    /// daemons), `syslog` (through /dev/log) or `journald`.
    pub output: String,
    /// The least level logged: error, warn, info, debug (RUST_LOG overrides).
    pub level: String,
    /// The syslog facility (`mail`, `daemon`, `local0`…).
    pub facility: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { output: "stderr".into(), level: "info".into(), facility: "mail".into() }
    }
}

impl LogConfig {
    /// The logging settings for a program (`daemon`: timestamps on
    /// standard error; otherwise pipe mode's captured lines).
    pub fn settings(&self, daemon: bool) -> imip_ops::log::Settings {
        imip_ops::log::Settings {
            output: imip_ops::log::Output::parse(&self.output)
                .unwrap_or(imip_ops::log::Output::Stderr),
            level: self.level.clone(),
            facility: imip_ops::log::facility(&self.facility).unwrap_or(2),
            timestamps: daemon,
            capture: !daemon,
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite` (the default) or `postgresql` (reserved).
    #[serde(rename = "type")]
    pub kind: String,
    /// SQLite database file (or a connection string for PostgreSQL).
    pub path: String,
    /// `full`: every commit reaches the disk before success is reported;
    /// `normal`: faster, but a power loss may lose the last commits.
    pub durability: String,
    /// Seconds to wait for another writer before giving up (exit 75).
    pub busy_timeout_seconds: u64,
}

/// `[paths]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathsConfig {
    /// Published free/busy (`-P`).
    pub publish_dir: String,
    /// imip-agent's one-file-per-setting preferences layout (`-p`); empty:
    /// preferences live in the store.
    pub preferences_dir: String,
    /// Quota journal location (`-j`); empty: the main store.
    pub journal: String,
    /// Permissions of published free/busy files, whatever the umask of the
    /// process (a pipe from Postfix runs with 077); directories get the
    /// same plus search (x) where reading is allowed.
    pub publish_mode: u32,
}

/// `[manager]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManagerConfig {
    /// Include manager links in notifications.
    pub interface: bool,
    /// Base URL of the manager; links are `<url>/<UID>[/<RECURRENCE-ID>]`.
    pub url: String,
}

/// `[outgoing]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutgoingConfig {
    /// `sendmail`, `smtp`, `outbox` (write files to a directory) or `stdout`.
    pub transport: String,
    /// The sendmail-compatible command.
    pub sendmail_command: String,
    /// SMTP relay host.
    pub smtp_host: String,
    /// SMTP relay port.
    pub smtp_port: u16,
    /// Directory for the `outbox` transport.
    pub outbox_dir: String,
    /// Seconds one message may take to hand over (sendmail run, SMTP
    /// exchange) before it is abandoned as a temporary failure; the
    /// sendmail command is killed.
    pub timeout_seconds: u64,
    /// Where a message is written for sendmail to read; empty: the system's
    /// temporary directory.
    pub spool_dir: String,
}

/// `[delivery]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// How a person's copy is delivered when no flag says (`-l`, `-L`,
    /// `-d`, `--outbox`): "" (no way: `imip_person` refuses to run, exit
    /// 78), `lmtp` (to `lmtp`) or `smtp` (to the local MTA as `-L` does).
    pub method: String,
    /// LMTP target for `-l` when given without a value in the file: a Unix
    /// socket path or host:port.
    pub lmtp: String,
    /// SMTP host for `-L`.
    pub local_smtp_host: String,
    /// SMTP port for `-L`.
    pub local_smtp_port: u16,
    /// Seconds one delivery (LMTP or SMTP exchange) may take before it is
    /// abandoned as a temporary failure.
    pub timeout_seconds: u64,
}

/// `[limits]`
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest message examined (bytes); larger ones are delivered untouched.
    pub max_message_size: usize,
    /// Deepest MIME nesting searched.
    pub max_mime_depth: usize,
    /// Most MIME parts examined.
    pub max_mime_parts: usize,
    /// Most occurrences of one event recorded.
    pub max_occurrences: usize,
    /// Most recurrence-rule instances generated per expansion.
    pub max_rule_iterations: usize,
    /// Most calendar components (every BEGIN) per message; a message with
    /// more is not acted on (docs/limits.md).
    pub max_components: usize,
    /// Most calendar lines plus list values (each date of an EXDATE list…)
    /// per message.
    pub max_calendar_values: usize,
    /// Most modified occurrences (RECURRENCE-ID objects) of one event per
    /// message.
    pub max_overrides_per_event: usize,
    /// Most occurrences expanded per message, over all its events.
    pub max_occurrences_per_message: usize,
    /// Most candidate times one step of a recurrence rule may generate.
    pub max_rule_candidates: u64,
}

impl LimitsConfig {
    /// The work budget of one message.
    pub fn budget(&self) -> BudgetLimits {
        BudgetLimits {
            components: self.max_components,
            values: self.max_calendar_values,
            overrides_per_master: self.max_overrides_per_event,
            occurrences: self.max_occurrences_per_message,
            rule_candidates: self.max_rule_candidates,
        }
    }
}

/// `[authentication]` (issue 6: act on iTIP only when the mail system vouches for the sender)
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Require authentication before acting.
    pub require: bool,
    /// The authserv-id(s) of our own MTA whose Authentication-Results are trusted.
    pub trusted_authserv_ids: Vec<String>,
    /// Treat messages without Received headers from other hosts (local submission) as authenticated.
    pub trust_local_submission: bool,
}

/// `[listener]` (docs/listener.md)
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListenerConfig {
    /// Connections served at once; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// Seconds a client may stay silent before its connection is closed.
    pub idle_timeout_seconds: u64,
    /// Seconds a command line may take once its first byte arrived.
    pub command_timeout_seconds: u64,
    /// Seconds the message data may take, from the 354 to the final dot.
    pub data_timeout_seconds: u64,
    /// Least average rate of message data in bytes per second, counted
    /// after the first `command_timeout_seconds` of the data; 0: none.
    pub min_data_rate: u64,
    /// Connections served at once for one peer address (TCP; an IPv6 /64
    /// counts as one address); beyond, a new connection is told 421.
    pub max_connections_per_peer: usize,
    /// Seconds to wait on SIGTERM for connections to finish their messages.
    pub shutdown_grace_seconds: u64,
    /// Most messages committed in one transaction (group commit).
    pub max_batch: usize,
    /// Permissions of a Unix socket the listener creates itself (not one
    /// handed over by systemd, whose socket unit sets them).
    pub socket_mode: u32,
    /// Name in the greeting; empty: the host's fully qualified name.
    pub hostname: String,
    /// Where to serve `/metrics` (Prometheus text format) and `/health`
    /// over HTTP (host:port); empty: not served.
    pub metrics_listen: String,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig {
            max_connections: 64,
            idle_timeout_seconds: 300,
            command_timeout_seconds: 30,
            data_timeout_seconds: 600,
            min_data_rate: 1024,
            max_connections_per_peer: 32,
            shutdown_grace_seconds: 30,
            max_batch: 256,
            socket_mode: 0o660,
            hostname: String::new(),
            metrics_listen: String::new(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            message_sender: "calendar@example.com".into(),
            local_prefix: "local".into(),
            outgoing_prefix: "people-outgoing".into(),
            line_length: 0,
            counter_as_request: true,
            store: StoreConfig::default(),
            paths: PathsConfig::default(),
            manager: ManagerConfig::default(),
            outgoing: OutgoingConfig::default(),
            delivery: DeliveryConfig::default(),
            defaults: BTreeMap::new(),
            limits: LimitsConfig::default(),
            authentication: AuthConfig::default(),
            listener: ListenerConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: "sqlite".into(),
            path: "/var/lib/imip-agent/store.db".into(),
            durability: "full".into(),
            busy_timeout_seconds: 20,
        }
    }
}

impl Default for PathsConfig {
    fn default() -> Self {
        PathsConfig {
            publish_dir: "/var/www/imip-agent/static".into(),
            preferences_dir: String::new(),
            journal: String::new(),
            publish_mode: 0o644,
        }
    }
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig { interface: true, url: String::new() }
    }
}

impl Default for OutgoingConfig {
    fn default() -> Self {
        OutgoingConfig {
            transport: "sendmail".into(),
            sendmail_command: "/usr/sbin/sendmail".into(),
            smtp_host: "localhost".into(),
            smtp_port: 25,
            outbox_dir: String::new(),
            timeout_seconds: 60,
            spool_dir: String::new(),
        }
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            method: String::new(),
            lmtp: String::new(),
            local_smtp_host: "localhost".into(),
            local_smtp_port: 25,
            timeout_seconds: 60,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let budget = BudgetLimits::default();
        LimitsConfig {
            max_message_size: 25 << 20,
            max_mime_depth: 16,
            max_mime_parts: 500,
            max_occurrences: 10_000,
            max_rule_iterations: 200_000,
            max_components: budget.components,
            max_calendar_values: budget.values,
            max_overrides_per_event: budget.overrides_per_master,
            max_occurrences_per_message: budget.occurrences,
            max_rule_candidates: budget.rule_candidates,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            require: false,
            trusted_authserv_ids: Vec::new(),
            trust_local_submission: true,
        }
    }
}

/// Where a configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file.
    File(PathBuf),
    /// The built-in defaults.
    Defaults,
}

/// The files tried, in order, when no `--config` is given.
pub fn search_paths() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(p) = std::env::var("IMIP_AGENT_CONFIG")
        && !p.is_empty()
    {
        v.push(PathBuf::from(p));
    }
    v.push(PathBuf::from("imip-agent.toml"));
    v.push(PathBuf::from("/etc/imip-agent/config.toml"));
    v
}

impl Config {
    /// Parses TOML text and validates it.
    pub fn from_toml(text: &str) -> InfraResult<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| InfraError::Config(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads a configuration file.
    pub fn from_file(path: &Path) -> InfraResult<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InfraError::io(format!("reading {}", path.display()), e))?;
        Config::from_toml(&text).map_err(|e| InfraError::Config(format!("{}: {e}", path.display())))
    }

    /// Loads the configuration: `explicit` if given (it must exist), else
    /// the first existing file of [`search_paths`], else the defaults.
    pub fn load(explicit: Option<&Path>) -> InfraResult<(Config, ConfigSource)> {
        if let Some(p) = explicit {
            return Ok((Config::from_file(p)?, ConfigSource::File(p.to_path_buf())));
        }
        for p in search_paths() {
            if p.is_file() {
                return Ok((Config::from_file(&p)?, ConfigSource::File(p)));
            }
        }
        Ok((Config::default(), ConfigSource::Defaults))
    }

    fn validate(&self) -> InfraResult<()> {
        if !matches!(self.store.kind.as_str(), "sqlite" | "postgresql") {
            return Err(InfraError::Config(format!(
                "store.type {:?}: expected \"sqlite\"",
                self.store.kind
            )));
        }
        if !matches!(self.store.durability.as_str(), "full" | "normal") {
            return Err(InfraError::Config(format!(
                "store.durability {:?}: expected \"full\" or \"normal\"",
                self.store.durability
            )));
        }
        if !matches!(self.outgoing.transport.as_str(), "sendmail" | "smtp" | "outbox" | "stdout") {
            return Err(InfraError::Config(format!(
                "outgoing.transport {:?}: expected sendmail, smtp, outbox or stdout",
                self.outgoing.transport
            )));
        }
        if self.outgoing.transport == "outbox" && self.outgoing.outbox_dir.is_empty() {
            return Err(InfraError::Config(
                "outgoing.transport = \"outbox\" needs outgoing.outbox_dir".into(),
            ));
        }
        match self.delivery.method.as_str() {
            "" | "smtp" => {}
            "lmtp" if !self.delivery.lmtp.is_empty() => {}
            "lmtp" => {
                return Err(InfraError::Config(
                    "delivery.method = \"lmtp\" needs delivery.lmtp (a socket path or host:port)"
                        .into(),
                ));
            }
            other => {
                return Err(InfraError::Config(format!(
                    "delivery.method {other:?}: expected \"lmtp\", \"smtp\" or empty"
                )));
            }
        }
        if self.outgoing.timeout_seconds == 0 || self.delivery.timeout_seconds == 0 {
            return Err(InfraError::Config(
                "outgoing.timeout_seconds and delivery.timeout_seconds must be at least 1".into(),
            ));
        }
        if crate::address::CalAddress::from_email(&self.message_sender).is_none() {
            return Err(InfraError::Config(format!(
                "message_sender {:?} is not an e-mail address",
                self.message_sender
            )));
        }
        let l = &self.listener;
        if [l.max_connections, l.max_batch, l.max_connections_per_peer].contains(&0)
            || l.command_timeout_seconds == 0
            || l.data_timeout_seconds == 0
        {
            return Err(InfraError::Config(
                "listener.max_connections, max_connections_per_peer, max_batch, command_timeout_seconds and data_timeout_seconds must be at least 1".into(),
            ));
        }
        let l = &self.limits;
        if l.max_components == 0
            || l.max_calendar_values == 0
            || l.max_overrides_per_event == 0
            || l.max_occurrences_per_message == 0
            || l.max_rule_candidates == 0
        {
            return Err(InfraError::Config(
                "limits: max_components, max_calendar_values, max_overrides_per_event, max_occurrences_per_message and max_rule_candidates must be at least 1".into(),
            ));
        }
        if self.authentication.require
            && self.authentication.trusted_authserv_ids.is_empty()
            && !self.authentication.trust_local_submission
        {
            return Err(InfraError::Config(
                "authentication.require with no trusted_authserv_ids and trust_local_submission = false would never act on anything".into(),
            ));
        }
        imip_ops::log::Output::parse(&self.log.output).map_err(InfraError::Config)?;
        imip_ops::log::facility(&self.log.facility).map_err(InfraError::Config)?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(InfraError::Config(format!(
                "log.level {:?}: expected error, warn, info, debug or trace",
                self.log.level
            )));
        }
        if self.paths.publish_mode > 0o777 || self.paths.publish_mode & 0o600 != 0o600 {
            return Err(InfraError::Config(format!(
                "paths.publish_mode {:o}: expected permissions such as 0o644 (the owner must read and write)",
                self.paths.publish_mode
            )));
        }
        if !self.listener.metrics_listen.is_empty()
            && self.listener.metrics_listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(InfraError::Config(format!(
                "listener.metrics_listen {:?}: expected host:port such as 127.0.0.1:9425",
                self.listener.metrics_listen
            )));
        }
        for (name, value) in &self.defaults {
            prefs::validate(name, value)
                .map_err(|e| InfraError::Config(format!("defaults.{name}: {e}")))?;
        }
        Ok(())
    }

    /// The folding length for generated calendars.
    pub fn fold_length(&self) -> Option<usize> {
        (self.line_length > 0).then_some(self.line_length)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_match_imip_agent() {
        let c = Config::default();
        assert_eq!(c.message_sender, "calendar@example.com");
        assert_eq!(c.local_prefix, "local");
        assert_eq!(c.outgoing_prefix, "people-outgoing");
        assert!(c.counter_as_request);
    }

    #[test]
    fn rejects_unknown_and_invalid_settings() {
        assert!(Config::from_toml("nonsense = 1").is_err());
        assert!(Config::from_toml("[store]\ndurability = \"maybe\"").is_err());
        assert!(Config::from_toml("[defaults]\nincoming = \"sideways\"").is_err());
        assert!(Config::from_toml("[defaults]\nincoming = \"summary-only\"").is_ok());
        assert!(Config::from_toml("[limits]\nmax_components = 0").is_err());
        let c = Config::from_toml("[limits]\nmax_rule_candidates = 5\nmax_components = 7").unwrap();
        assert_eq!(c.limits.budget().rule_candidates, 5);
        assert_eq!(c.limits.budget().components, 7);
        assert!(Config::from_toml("[outgoing]\ntimeout_seconds = 0").is_err());
        assert!(Config::from_toml("[delivery]\ntimeout_seconds = 0").is_err());
        let c = Config::from_toml("[outgoing]\ntimeout_seconds = 5\nspool_dir = \"/x\"").unwrap();
        assert_eq!((c.outgoing.timeout_seconds, c.outgoing.spool_dir.as_str()), (5, "/x"));
        assert_eq!(c.delivery.timeout_seconds, 60);
    }

    #[test]
    fn log_publish_and_metrics_settings_are_checked() {
        assert!(Config::from_toml("[log]\noutput = \"file\"").is_err());
        assert!(Config::from_toml("[log]\nfacility = \"email\"").is_err());
        assert!(Config::from_toml("[paths]\npublish_mode = 0o1777").is_err());
        assert!(Config::from_toml("[paths]\npublish_mode = 0o044").is_err());
        assert!(Config::from_toml("[listener]\nmetrics_listen = \"localhost\"").is_err());
        let c = Config::from_toml(
            "[log]\noutput = \"syslog\"\nfacility = \"local3\"\n[paths]\npublish_mode = 0o640",
        )
        .unwrap();
        let s = c.log.settings(true);
        assert_eq!((s.output, s.facility, s.timestamps), (imip_ops::log::Output::Syslog, 19, true));
        assert_eq!(c.paths.publish_mode, 0o640);
        assert_eq!(Config::default().paths.publish_mode, 0o644);
    }

    #[test]
    fn listener_bounds_must_be_positive() {
        for bad in [
            "max_connections = 0",
            "max_connections_per_peer = 0",
            "command_timeout_seconds = 0",
            "data_timeout_seconds = 0",
        ] {
            assert!(Config::from_toml(&format!("[listener]\n{bad}")).is_err(), "{bad}");
        }
        let c = Config::from_toml("[listener]\ncommand_timeout_seconds = 2\nmin_data_rate = 0")
            .unwrap();
        assert_eq!((c.listener.command_timeout_seconds, c.listener.min_data_rate), (2, 0));
    }

    #[test]
    fn example_configuration_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/config.example.toml");
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.store.kind, "sqlite");
        assert!(!c.defaults.is_empty());
    }
}
