//! What can go wrong reading or writing frames, and the close code each error calls for.

use super::CloseCode;

/// A violation of RFC 6455 (or of a configured limit) by the peer's frames.
///
/// The connection must be failed: send a Close with [`close_code`](Self::close_code)
/// and shut the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ProtocolError {
    /// A reserved bit (RSV1-3) was set without a negotiated extension (RSV1: a
    /// compressed message, but permessage-deflate was not negotiated).
    ReservedBits,
    /// An opcode reserved by RFC 6455 (3-7, 0xB-0xF).
    ReservedOpcode(u8),
    /// A client sent an unmasked frame (clients MUST mask).
    UnmaskedFrame,
    /// A server sent a masked frame (servers MUST NOT mask).
    MaskedFrame,
    /// A 64-bit payload length with its most significant bit set.
    InvalidLength,
    /// A control frame with a payload over 125 bytes.
    ControlFrameTooLong,
    /// A control frame without FIN (control frames can't be fragmented).
    FragmentedControlFrame,
    /// A continuation frame with no fragmented message in progress.
    UnexpectedContinuation,
    /// A new Text or Binary frame while a fragmented message was still open.
    ExpectedContinuation,
    /// A Close frame with a one-byte payload (a code needs two).
    InvalidCloseLength,
    /// A Close frame with a code that may not be sent (1005, 1006, 1015, reserved ranges).
    InvalidCloseCode(u16),
    /// Text, or a close reason, that is not valid UTF-8.
    InvalidUtf8,
    /// A frame whose payload exceeds the configured `max_frame_size`.
    FrameTooLarge {
        /// The payload length the frame header announced.
        len: u64,
        /// The configured limit.
        max: usize,
    },
    /// A message whose payload exceeds `max_message_size`, or the capacity of a
    /// fixed buffer that cannot grow.
    MessageTooLarge {
        /// The size the message reached (at least).
        len: u64,
        /// The limit it exceeded.
        max: usize,
    },
    /// A frame arrived after the peer's Close frame.
    FrameAfterClose,
    /// RSV1 (permessage-deflate's "compressed" bit) on a control frame.
    CompressedControlFrame,
    /// RSV1 on a continuation frame (only a message's first frame carries it).
    CompressedContinuation,
    /// A compressed message whose DEFLATE data is corrupt.
    InvalidCompressedData,
}

impl ProtocolError {
    /// The close code RFC 6455 calls for: 1007 for bad UTF-8 (and corrupt compressed
    /// data), 1009 for size limits (of a decompressed message too), 1002 for
    /// everything else.
    pub const fn close_code(&self) -> CloseCode {
        match self {
            Self::InvalidUtf8 | Self::InvalidCompressedData => CloseCode::InvalidPayload,
            Self::FrameTooLarge { .. } | Self::MessageTooLarge { .. } => CloseCode::MessageTooBig,
            _ => CloseCode::Protocol,
        }
    }
}

impl core::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::ReservedBits => {
                f.write_str("reserved bits set without a negotiated extension (RSV1: compression not negotiated)")
            }
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Self::UnmaskedFrame => f.write_str("client frame not masked"),
            Self::MaskedFrame => f.write_str("server frame masked"),
            Self::InvalidLength => f.write_str("64-bit payload length with the high bit set"),
            Self::ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::UnexpectedContinuation => f.write_str("continuation frame with no message in progress"),
            Self::ExpectedContinuation => f.write_str("new data frame inside a fragmented message"),
            Self::InvalidCloseLength => f.write_str("close frame payload of one byte"),
            Self::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8 in a text message or close reason"),
            Self::FrameTooLarge { len, max } => write!(f, "frame payload of {len} bytes exceeds max_frame_size {max}"),
            Self::MessageTooLarge { len, max } => write!(f, "message of {len}+ bytes exceeds the limit of {max}"),
            Self::FrameAfterClose => f.write_str("frame received after the peer's close frame"),
            Self::CompressedControlFrame => f.write_str("RSV1 (compressed) set on a control frame"),
            Self::CompressedContinuation => f.write_str("RSV1 (compressed) set on a continuation frame"),
            Self::InvalidCompressedData => f.write_str("compressed message is not valid DEFLATE data"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProtocolError {}
