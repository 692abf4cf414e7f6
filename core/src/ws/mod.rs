//! WebSocket (RFC 6455), sans-IO.
//!
//! - [`FrameReader`]: bytes in, [`Message`]s out, for either [`Role`]. Incremental
//!   (input may arrive a byte at a time), zero-copy for data, every MUST of section 5
//!   enforced, UTF-8 of text checked as the bytes arrive.
//! - [`FrameWriter`]: messages in, frames out, masking (client role) with keys from a
//!   caller-provided [`rand_core::RngCore`], fragmentation at a chosen frame size.
//! - [`handshake`]: the opening handshake for both roles.
//! - [`CloseCode`]: every registered close code and the rules for which may be sent.
//! - [`session`]: the connection's rules above the codec (what must be answered,
//!   what may still be sent), shared by the tokio and embassy adapters.
//!
//! Every error maps to the close code the RFC wants through
//! [`ProtocolError::close_code`].

mod close;
pub mod deflate;
mod error;
mod frame;
pub mod handshake;
mod message;
mod reader;
pub mod session;
mod writer;

pub use close::CloseCode;
pub use error::ProtocolError;
pub use frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
pub use message::{CloseFrame, ControlPayload, Message, MAX_CONTROL_PAYLOAD};
pub use reader::{FrameReader, Limits, Progress, MIN_CAPACITY};
pub use writer::{EncodeError, Fragments, FrameWriter, OutFrame};

pub use crate::simd::apply_mask;

/// Which end of the connection this codec speaks for. Clients mask what they send
/// and require unmasked frames from the server; servers the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// The side that opened the connection.
    Client,
    /// The side that accepted it.
    Server,
}
