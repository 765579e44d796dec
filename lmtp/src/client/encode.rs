//! Turns a message into DATA content: CRLF line endings, dot-stuffing and
//! the terminating `.\r\n`. No I/O.

/// The bytes to send after `354`, ending with `.\r\n`.
///
/// Bare LF becomes CRLF (a CR not followed by LF is left alone); a line
/// starting with `.` gets another `.`; a last line without line ending gets
/// CRLF.
pub(crate) fn data_content(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32 + 5);
    let mut line_start = true;
    let mut previous = 0u8;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        line_start = byte == b'\n';
        previous = byte;
    }
    match out.last() {
        None | Some(b'\n') => {}
        Some(b'\r') => out.push(b'\n'),
        Some(_) => out.extend_from_slice(b"\r\n"),
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Whether the message needs `BODY=8BITMIME`.
pub(crate) fn has_8bit(message: &[u8]) -> bool {
    message.iter().any(|&b| b >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_stuffs() {
        assert_eq!(data_content(b""), b".\r\n");
        assert_eq!(data_content(b"a\nb"), b"a\r\nb\r\n.\r\n");
        assert_eq!(data_content(b"a\r\nb\r\n"), b"a\r\nb\r\n.\r\n");
        assert_eq!(data_content(b".x\n..\n.\nend\n"), b"..x\r\n...\r\n..\r\nend\r\n.\r\n");
        assert_eq!(data_content(b"a\r\n.\r\n"), b"a\r\n..\r\n.\r\n");
        assert_eq!(data_content(b"a\rb\r"), b"a\rb\r\n.\r\n");
        assert_eq!(data_content(b"x.\n"), b"x.\r\n.\r\n");
    }
}
