//! Waiting for a child process under a deadline, and killing it, together
//! with whatever it started, when the time is up. Performs I/O (process
//! management).
//!
//! The child must have been spawned as the leader of its own process group
//! (`CommandExt::process_group(0)`): the group is what is killed, so that a
//! sendmail wrapper's own children go too. The child is reaped only after
//! the kill, so its pid, which is the group's id, cannot have been reused
//! by then.

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::{Pid, PidfdFlags, Signal, kill_process_group, pidfd_open};
use std::io;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Without pidfds (Linux before 5.3) the child is polled; the pause
/// between looks starts here and doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(1);
/// The longest pause between looks at the child.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// Waits for `child` for at most `limit`. Returns its exit status, or
/// `None` when the time ran out: then its process group has been killed
/// (SIGKILL) and the child reaped.
pub fn wait_or_kill(child: &mut Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    let exited = match pidfd_open(Pid::from_child(child), PidfdFlags::empty()) {
        Ok(pidfd) => wait_pidfd(&pidfd, deadline)?,
        Err(_) => wait_polling(child, deadline)?,
    };
    if exited {
        return child.wait().map(Some);
    }
    // Not reaped yet: the group id is still this child's.
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    // The child itself in any case, should it have left the group.
    let _ = child.kill();
    child.wait()?;
    Ok(None)
}

/// Whether the process behind `pidfd` ended before `deadline` (a pidfd is
/// readable once its process has exited).
fn wait_pidfd(pidfd: &impl rustix::fd::AsFd, deadline: Instant) -> io::Result<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let timeout = Timespec::try_from(left).unwrap_or(Timespec { tv_sec: 1, tv_nsec: 0 });
        let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(Errno::INTR) => {}
            Ok(_) => return Ok(true),
            Err(e) => return Err(e.into()),
        }
    }
}

/// The same by looking at the child now and then.
fn wait_polling(child: &mut Child, deadline: Instant) -> io::Result<bool> {
    let mut pause = FIRST_PAUSE;
    loop {
        if child.try_wait()?.is_some() {
            return Ok(true);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        std::thread::sleep(pause.min(left));
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    fn sh(script: &str) -> Child {
        Command::new("/bin/sh").arg("-c").arg(script).process_group(0).spawn().unwrap()
    }

    /// Whether `pid` is a live process (a zombie waiting for its new
    /// parent to reap it counts as dead).
    fn alive(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
    }

    #[test]
    fn a_quick_child_is_waited_for() {
        let mut c = sh("exit 3");
        let t = Instant::now();
        let status = wait_or_kill(&mut c, Duration::from_secs(10)).unwrap();
        assert_eq!(status.and_then(|s| s.code()), Some(3));
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_hanging_child_and_what_it_started_are_killed_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild");
        // The shell starts a grandchild and waits for it.
        let mut c = sh(&format!("sleep 30 & echo $! > '{}'; wait", pidfile.display()));
        let t = Instant::now();
        let status = wait_or_kill(&mut c, Duration::from_millis(300)).unwrap();
        let took = t.elapsed();
        assert!(status.is_none(), "{status:?}");
        assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(5), "{took:?}");
        let grandchild = std::fs::read_to_string(&pidfile).unwrap();
        let grandchild = grandchild.trim();
        let t = Instant::now();
        while alive(grandchild) && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!alive(grandchild), "the grandchild {grandchild} survived");
    }

    #[test]
    fn polling_gives_the_same_answers() {
        let mut c = sh("exit 0");
        assert!(wait_polling(&mut c, Instant::now() + Duration::from_secs(10)).unwrap());
        let mut c = sh("sleep 30");
        let t = Instant::now();
        assert!(!wait_polling(&mut c, t + Duration::from_millis(100)).unwrap());
        assert!(t.elapsed() >= Duration::from_millis(100));
        c.kill().unwrap();
        c.wait().unwrap();
    }
}
