//! The sendmail transport: runs a sendmail-compatible command (Postfix's,
//! Exim's) with `-i -f <sender> -- <recipients>`. Performs I/O (a file and
//! a child process). Any failure is temporary: the message stays ours to
//! retry.
//!
//! The whole message is written to a file before sendmail starts, and
//! sendmail's standard input is that file, opened read-only: sendmail reads
//! a complete message whatever becomes of this process meanwhile (a pipe
//! would have left it an empty or truncated one when the agent was killed
//! between starting sendmail and writing). The file's name is removed
//! before sendmail starts (the open descriptor keeps it readable), so
//! nothing is left behind in the spool directory even after a kill.
//!
//! Sendmail runs in a process group of its own and gets `timeout` to
//! finish; then the group is killed and the send fails as temporary (exit
//! 75, 451), well before the MTA's own limit on the agent would bounce the
//! message.

use super::child::wait_or_kill;
use super::{SendResult, Sender};
use crate::error::InfraError;
use crate::store::OutboxMessage;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// At most this much of sendmail's standard error is quoted in the log.
const MAX_STDERR: u64 = 4096;

/// Sends through a sendmail command.
#[derive(Debug, Clone)]
pub struct Sendmail {
    /// The command (e.g. /usr/sbin/sendmail).
    command: String,
    /// How long one run may take.
    timeout: Duration,
    /// Where the message file is written.
    spool_dir: PathBuf,
}

impl Sendmail {
    /// Runs `command`, killing it after `timeout`; the message is written to
    /// `spool_dir` (empty: the system's temporary directory).
    pub fn new(command: &str, timeout: Duration, spool_dir: &str) -> Sendmail {
        let spool_dir =
            if spool_dir.is_empty() { std::env::temp_dir() } else { PathBuf::from(spool_dir) };
        Sendmail { command: command.to_string(), timeout, spool_dir }
    }
}

/// The message as a read-only file whose name is already gone, and an
/// anonymous file for sendmail's standard error, both in `dir`.
fn spool(dir: &Path, bytes: &[u8]) -> std::io::Result<(File, File)> {
    let mut named = tempfile::Builder::new().prefix("imip-agent-sendmail.").tempfile_in(dir)?;
    named.write_all(bytes)?;
    named.flush()?;
    let input = File::open(named.path())?;
    // Removes the name; `input` still reads the contents.
    named.close()?;
    Ok((input, tempfile::tempfile_in(dir)?))
}

/// The start of what sendmail wrote to standard error.
fn stderr_text(mut errors: File) -> String {
    let mut text = Vec::new();
    let _ = errors.rewind().and_then(|()| errors.take(MAX_STDERR).read_to_end(&mut text));
    String::from_utf8_lossy(&text).trim().to_string()
}

impl Sender for Sendmail {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        let (input, errors) = spool(&self.spool_dir, &msg.bytes).map_err(|e| {
            InfraError::io(
                format!("writing the message for sendmail to {}", self.spool_dir.display()),
                e,
            )
        })?;
        let stderr =
            errors.try_clone().map_err(|e| InfraError::io("duplicating a descriptor", e))?;
        let mut cmd = Command::new(&self.command);
        cmd.arg("-i");
        if !msg.from.is_empty() {
            cmd.arg("-f").arg(&msg.from);
        }
        cmd.arg("--")
            .args(&msg.to)
            .stdin(input)
            .stdout(Stdio::null())
            .stderr(stderr)
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| InfraError::Transport(format!("running {}: {e}", self.command)))?;
        // Our copies of the descriptors are not needed any more.
        drop(cmd);
        let status = wait_or_kill(&mut child, self.timeout)
            .map_err(|e| InfraError::Transport(format!("waiting for {}: {e}", self.command)))?;
        match status {
            Some(s) if s.success() => Ok(()),
            Some(s) => Err(InfraError::Transport(format!(
                "{} exited with {s}: {}",
                self.command,
                stderr_text(errors)
            ))
            .into()),
            None => Err(InfraError::Transport(format!(
                "{} did not finish within {} s and was killed: {}",
                self.command,
                self.timeout.as_secs_f64(),
                stderr_text(errors)
            ))
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Instant;

    fn message() -> OutboxMessage {
        OutboxMessage {
            kind: "send".into(),
            from: "calendar@example.com".into(),
            to: vec!["paul@example.com".into(), "vincent@example.com".into()],
            label: "l".into(),
            bytes: b"Subject: x\r\n\r\nhello\r\n".to_vec(),
        }
    }

    fn script(dir: &Path, body: &str) -> String {
        let path = dir.join("sendmail.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn the_message_arrives_as_a_read_only_file_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        std::fs::create_dir(&spool).unwrap();
        let out = dir.path().join("out");
        // The open flags of standard input (octal; the low two bits are the
        // access mode, 0 = read-only) and whether it is a regular file.
        let cmd = script(
            dir.path(),
            &format!(
                "echo \"$@\" > '{o}.args'\n[ -f /dev/stdin ] && echo regular > '{o}.kind'\n\
                 grep flags /proc/$$/fdinfo/0 > '{o}.flags'\nls -A '{s}' > '{o}.spool'\ncat > '{o}'",
                o = out.display(),
                s = spool.display()
            ),
        );
        let mut s = Sendmail::new(&cmd, Duration::from_secs(10), spool.to_str().unwrap());
        s.send(&message()).unwrap();
        let read = |ext: &str| std::fs::read_to_string(format!("{}{ext}", out.display())).unwrap();
        assert_eq!(read(""), "Subject: x\r\n\r\nhello\r\n");
        assert_eq!(
            read(".args"),
            "-i -f calendar@example.com -- paul@example.com vincent@example.com\n"
        );
        assert_eq!(read(".kind"), "regular\n");
        let flags = read(".flags");
        let flags = u32::from_str_radix(flags.split_whitespace().nth(1).unwrap(), 8).unwrap();
        assert_eq!(flags & 0o3, 0, "standard input is not read-only: {flags:o}");
        // While sendmail ran the spool had no name in it already; after, neither.
        assert_eq!(read(".spool"), "");
        assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    }

    #[test]
    fn a_failure_quotes_standard_error() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = script(dir.path(), "echo 'no such user' >&2\nexit 67");
        let mut s = Sendmail::new(&cmd, Duration::from_secs(10), "");
        let e = s.send(&message()).unwrap_err().to_string();
        assert!(e.contains("exit status: 67") && e.contains("no such user"), "{e}");
    }

    use crate::transport::SendError;

    #[test]
    fn a_hanging_sendmail_is_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = script(dir.path(), "echo stuck >&2\nsleep 30");
        let mut s = Sendmail::new(&cmd, Duration::from_millis(300), "");
        let t = Instant::now();
        let e = s.send(&message()).unwrap_err();
        assert!(matches!(e, SendError::Temporary(InfraError::Transport(_))), "{e}");
        let e = e.to_string();
        assert!(e.contains("did not finish within 0.3 s and was killed: stuck"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_spool_directory_that_cannot_be_written_is_a_temporary_failure() {
        let mut s = Sendmail::new("/bin/true", Duration::from_secs(10), "/nonexistent/spool");
        let e = s.send(&message()).unwrap_err();
        assert!(matches!(e, SendError::Temporary(InfraError::Io { .. })), "{e}");
    }
}
