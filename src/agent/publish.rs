//! Free/busy publishing (imip-agent 7.2): when a user shares and publishes
//! free/busy, `PUBLISH_DIR/<user-uri>/freebusy` holds a METHOD:PUBLISH
//! VFREEBUSY of their opaque busy periods, rewritten whenever their own
//! free/busy changes, for a web server to serve. Writes files (atomically:
//! a temporary file of this writer's own, synced, then renamed) with
//! `[paths] publish_mode` (directories: the same plus search), set
//! explicitly so that the umask of the process (077 in a Postfix pipe)
//! does not hide them from the web server.

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
    let mode = env.config.paths.publish_mode & 0o777;
    let write = || -> std::io::Result<()> {
        make_dir(&dir, dir_mode(mode), false)?;
        make_dir(&parent, dir_mode(mode), true)?;
        // A temporary file of our own (concurrent deliveries publish the
        // same user at once), removed if anything fails; its mode set with
        // fchmod, which the umask does not touch.
        let mut f = tempfile::Builder::new().prefix(".freebusy.").tempfile_in(&parent)?;
        f.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.write_all(text.as_bytes())?;
        f.as_file().sync_all()?;
        f.persist(&path).map(|_| ()).map_err(|e| e.error)
    };
    write()
        .map_err(|e| InfraError::io(format!("publishing free/busy to {}", path.display()), e))?;
    Ok(true)
}

/// A directory's mode for a file mode: search (x) wherever reading is
/// allowed (0o644 gives 0o755, 0o640 gives 0o750).
pub fn dir_mode(file_mode: u32) -> u32 {
    let m = file_mode & 0o777;
    m | ((m & 0o444) >> 2)
}

/// Creates a directory (and its parents) with `mode` whatever the umask;
/// an existing one keeps its mode unless `fix` (the user's own directory,
/// which an older version may have made 0700), and then only when we may
/// change it (it is ours).
fn make_dir(dir: &Path, mode: u32, fix: bool) -> std::io::Result<()> {
    if dir.is_dir() {
        if fix
            && let Ok(m) = std::fs::metadata(dir)
            && m.permissions().mode() & 0o777 != mode
        {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode));
        }
        return Ok(());
    }
    if let Some(p) = dir.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        make_dir(p, mode, false)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)),
        // Another delivery made it meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn directory_modes() {
        assert_eq!(dir_mode(0o644), 0o755);
        assert_eq!(dir_mode(0o640), 0o750);
        assert_eq!(dir_mode(0o600), 0o700);
    }
}
