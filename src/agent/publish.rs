//! Free/busy publishing (imip-agent 7.2): when a user shares and publishes
//! free/busy, `PUBLISH_DIR/<user-uri>/freebusy` holds a METHOD:PUBLISH
//! VFREEBUSY of their opaque busy periods, rewritten whenever their own
//! free/busy changes, for a web server to serve. Writes files (atomically:
//! a temporary file of this writer's own, synced, then renamed).

use super::{Env, prefs};
use crate::address::CalAddress;
use crate::error::{InfraError, InfraResult};
use crate::freebusy::{FbSet, publish_object};
use crate::ical::{Method, build_calendar};
use crate::store::Store;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where a user's published free/busy lives.
pub fn path_for(dir: &Path, user: &CalAddress) -> Option<PathBuf> {
    // imip-agent checks path components so that identifiers cannot escape.
    let name = user.as_str();
    if name.contains('/') || name.starts_with('.') || name.is_empty() {
        return None;
    }
    Some(dir.join(name).join("freebusy"))
}

/// Rewrites the user's published free/busy when their preferences ask for
/// it; returns whether a file was written.
pub fn publish(env: &Env<'_>, store: &mut dyn Store, user: &CalAddress) -> InfraResult<bool> {
    let dir = PathBuf::from(&env.config.paths.publish_dir);
    let (text, wanted) = {
        let tx = store.read()?;
        let p = prefs::load(env, tx.as_ref(), user.as_str())?;
        if !p.publishing() {
            return Ok(false);
        }
        let periods = tx.busy_all(&FbSet::Own(user.to_string()))?;
        let obj = publish_object(user, None, user.as_str(), env.clock.now(), &periods);
        (build_calendar(&Method::Publish, &[&obj]), true)
    };
    let Some(path) = path_for(&dir, user).filter(|_| wanted) else { return Ok(false) };
    let parent = path.parent().unwrap_or(&dir).to_path_buf();
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&parent)?;
        // A temporary file of our own (concurrent deliveries publish the
        // same user at once), removed if anything fails. Mode 0666 less the
        // umask, as a plain file gets: a web server reads it.
        let mut f = tempfile::Builder::new()
            .prefix(".freebusy.")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(&parent)?;
        f.write_all(text.as_bytes())?;
        f.as_file().sync_all()?;
        f.persist(&path).map(|_| ()).map_err(|e| e.error)
    };
    write()
        .map_err(|e| InfraError::io(format!("publishing free/busy to {}", path.display()), e))?;
    Ok(true)
}
