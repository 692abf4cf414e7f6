//! Messages as the application sees them.

use super::CloseCode;

/// The largest control frame payload (RFC 6455 section 5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The payload of a Ping or Pong (at most 125 bytes), owned inline so it outlives
/// the reader's buffer: `Message::Ping(data) => ws.send_pong(data)` needs no copy and
/// holds no borrow of the stream.
#[derive(Clone, Copy)]
pub struct ControlPayload {
    len: u8,
    bytes: [u8; MAX_CONTROL_PAYLOAD],
}

impl ControlPayload {
    /// An empty payload.
    pub const EMPTY: Self = Self { len: 0, bytes: [0; MAX_CONTROL_PAYLOAD] };

    /// Copy `data`; `None` when it is longer than 125 bytes.
    pub fn new(data: &[u8]) -> Option<Self> {
        if data.len() > MAX_CONTROL_PAYLOAD {
            return None;
        }
        let mut p = Self::EMPTY;
        p.bytes[..data.len()].copy_from_slice(data);
        p.len = data.len() as u8;
        Some(p)
    }

    /// The payload bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    #[inline]
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len as usize]
    }
}

impl core::ops::Deref for ControlPayload {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for ControlPayload {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for ControlPayload {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for ControlPayload {}

impl core::fmt::Debug for ControlPayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => write!(f, "{s:?}"),
            Err(_) => write!(f, "{:?}", self.as_bytes()),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ControlPayload {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=[u8]}", self.as_bytes())
    }
}

/// A received Close frame: its code (1005 [`CloseCode::NoStatus`] when the frame was
/// empty) and its UTF-8 reason (at most 123 bytes), validated by the reader.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CloseFrame {
    code: CloseCode,
    reason: ControlPayload,
}

impl CloseFrame {
    /// What an empty Close frame means: code 1005, no reason.
    pub const NO_STATUS: Self = Self { code: CloseCode::NoStatus, reason: ControlPayload::EMPTY };

    /// A close frame with `code` and `reason`; `None` when the reason is longer than
    /// 123 bytes (the code takes two of the 125).
    pub fn new(code: CloseCode, reason: &str) -> Option<Self> {
        if reason.len() > MAX_CONTROL_PAYLOAD - 2 {
            return None;
        }
        Some(Self { code, reason: ControlPayload::new(reason.as_bytes())? })
    }

    /// The close code; [`CloseCode::NoStatus`] if the peer sent none.
    #[inline]
    pub fn code(&self) -> CloseCode {
        self.code
    }

    /// The close reason (possibly empty).
    #[inline]
    pub fn reason(&self) -> &str {
        // The reader validated it as UTF-8 and `new` took a `&str`; a failure here
        // would be a bug, so it degrades to an empty reason rather than panicking.
        core::str::from_utf8(self.reason.as_bytes()).unwrap_or("")
    }
}

impl core::fmt::Debug for CloseFrame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CloseFrame").field("code", &self.code).field("reason", &self.reason()).finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for CloseFrame {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "CloseFrame({}, {=str})", self.code, self.reason())
    }
}

/// A complete WebSocket message.
///
/// `Text` and `Binary` borrow the reader's buffer (no copy when the message arrived in
/// one frame, and fragments are reassembled in place otherwise): copy them
/// (`to_owned()`) if they must outlive the next read. Control messages own their
/// payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Message<'a> {
    /// A text message, validated UTF-8.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
    /// A ping; answer it with a pong carrying the same payload.
    Ping(ControlPayload),
    /// A pong.
    Pong(ControlPayload),
    /// The peer's close frame.
    Close(CloseFrame),
}
