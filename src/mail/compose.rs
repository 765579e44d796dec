//! Composing outgoing messages (filled in below).
