//! Character sets of a connection (reference §3.1, §13.3).
//!
//! Performs no I/O. Classic connections are ISO-8859-1; a connection
//! switches to UTF-8 only when both sides advertise `x_charset(utf8)` in the
//! handshake.

use std::borrow::Cow;

use thiserror::Error;

/// How text is encoded on one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Charset {
    /// ISO-8859-1, the classic default.
    #[default]
    Latin1,
    /// UTF-8, negotiated with `x_charset(utf8)`.
    Utf8,
}

/// A frame was not valid in the connection's character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("frame is not valid UTF-8")]
pub struct BadEncoding;

impl Charset {
    /// Decodes a received frame.
    pub fn decode(self, bytes: &[u8]) -> Result<String, BadEncoding> {
        match self {
            Charset::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Charset::Utf8 => String::from_utf8(bytes.to_vec()).map_err(|_| BadEncoding),
        }
    }

    /// Decodes a received frame, borrowing it when it is already valid
    /// text (UTF-8, or ASCII on a Latin-1 connection).
    pub fn decode_str(self, bytes: &[u8]) -> Result<Cow<'_, str>, BadEncoding> {
        match self {
            Charset::Latin1 if !bytes.is_ascii() => {
                Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()))
            }
            _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| BadEncoding),
        }
    }

    /// Encodes printed text, appending to `out`. On Latin-1 connections a
    /// character above U+00FF is written as the ISO escape `\xHEX\`; the
    /// printer only emits such characters inside quotes, where the escape is
    /// valid.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) {
        match self {
            Charset::Utf8 => out.extend_from_slice(text.as_bytes()),
            Charset::Latin1 => {
                if text.is_ascii() {
                    out.extend_from_slice(text.as_bytes());
                    return;
                }
                for c in text.chars() {
                    match u8::try_from(u32::from(c)) {
                        Ok(b) => out.push(b),
                        Err(_) => {
                            out.extend_from_slice(format!("\\x{:X}\\", u32::from(c)).as_bytes())
                        }
                    }
                }
            }
        }
    }
}
