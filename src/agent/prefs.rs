//! Where a user's preferences come from: the store (managed with
//! `imip_admin prefs`), or imip-agent's one-file-per-setting directory
//! (`-p DIR`: `DIR/<user-uri>/<name>`) for drop-in use. The directory source
//! reads files.

use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::store::StoreTx;
use std::path::PathBuf;

/// A source of per-user preference values.
pub trait PrefSource {
    /// The user's own values (not yet merged with defaults).
    fn user_values(&self, tx: &dyn StoreTx, user: &str) -> InfraResult<Vec<(String, String)>>;
}

/// Preferences in the store.
#[derive(Debug, Default)]
pub struct StorePrefs;

impl PrefSource for StorePrefs {
    fn user_values(&self, tx: &dyn StoreTx, user: &str) -> InfraResult<Vec<(String, String)>> {
        tx.prefs(user)
    }
}

/// imip-agent's preferences directory.
#[derive(Debug)]
pub struct DirPrefs {
    /// The directory.
    pub dir: PathBuf,
}

impl PrefSource for DirPrefs {
    fn user_values(&self, _tx: &dyn StoreTx, user: &str) -> InfraResult<Vec<(String, String)>> {
        // imip-agent checks path components so identifiers cannot escape the directory.
        if user.contains('/') || user.starts_with('.') {
            return Ok(Vec::new());
        }
        let dir = self.dir.join(user);
        let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || !e.path().is_file() {
                continue;
            }
            if let Ok(v) = std::fs::read_to_string(e.path()) {
                out.push((name, v.trim().to_string()));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Resolves a user's preferences.
pub fn load(env: &super::Env<'_>, tx: &dyn StoreTx, user: &str) -> InfraResult<Prefs> {
    let values = env.prefs.user_values(tx, user)?;
    Ok(Prefs::resolve(&env.config.defaults, &values, env.system_zone.as_deref()))
}
