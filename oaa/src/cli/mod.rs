//! The `imip_facilitator` and `imip_ask` command lines, as library functions
//! so the binaries stay one line long.
//!
//! Performs I/O (sockets, stdout, stderr, environment, files).

mod ask;
mod facilitator;
mod json;

pub use ask::{ask_main, ask_with_args};
pub use facilitator::{facilitator_main, facilitator_with_args};
pub use json::term_to_json;

/// Exit code for a temporary failure (sysexits `EX_TEMPFAIL`).
pub const EXIT_TEMPFAIL: u8 = 75;
/// Exit code for bad usage or input (sysexits `EX_USAGE`).
pub const EXIT_USAGE: u8 = 64;
/// Exit code for a configuration error (sysexits `EX_CONFIG`).
pub const EXIT_CONFIG: u8 = 78;

/// Logs to stderr (colours only on a terminal); `RUST_LOG` overrides
/// `default`.
pub(crate) fn init_logging(program: &str, default: &str) {
    let settings = imip_ops::log::Settings {
        level: default.to_string(),
        ..imip_ops::log::Settings::default()
    };
    imip_ops::log::init(program, &settings);
}

/// Reads a secret from `--secret`, else `--secret-file`, else the
/// environment variable.
pub(crate) fn load_secret(
    direct: Option<String>,
    file: Option<std::path::PathBuf>,
    env: &str,
) -> Result<Option<String>, String> {
    if let Some(s) = direct {
        return Ok(Some(s));
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
        let s = text.trim().to_string();
        if s.is_empty() {
            return Err(format!("secret file {} is empty", path.display()));
        }
        return Ok(Some(s));
    }
    Ok(std::env::var(env).ok().filter(|s| !s.is_empty()))
}
