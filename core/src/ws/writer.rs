//! The frame writer: messages in, frames out (RFC 6455 sections 5.1-5.4).
//!
//! ```
//! use nexus_net::rand_core::{RngCore, impls, Error};
//! use nexus_net::ws::{FrameWriter, OpCode, Role};
//!
//! # struct Counter(u32);
//! # impl RngCore for Counter {
//! #     fn next_u32(&mut self) -> u32 { self.0 = self.0.wrapping_add(0x9e37_79b9); self.0 }
//! #     fn next_u64(&mut self) -> u64 { impls::next_u64_via_u32(self) }
//! #     fn fill_bytes(&mut self, d: &mut [u8]) { impls::fill_bytes_via_next(self, d) }
//! #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Error> { self.fill_bytes(d); Ok(()) }
//! # }
//! let mut writer = FrameWriter::new(Role::Server, Counter(1));
//! let mut out = [0u8; 64];
//! let n = writer.encode_message(OpCode::Text, b"Hello", &mut out).unwrap();
//! assert_eq!(&out[..n], b"\x81\x05Hello");
//! ```
//!
//! Clients mask every frame with a fresh key from the caller's RNG (the RFC wants it
//! unpredictable: use a CSPRNG or a hardware RNG). Messages larger than the chosen
//! fragment size go out as several frames. A message that does not fit the output
//! buffer is streamed with [`FrameWriter::fragments`]: the adapter writes each
//! frame's header and then its payload in pieces, never needing a buffer as large as
//! the message.

use rand_core::RngCore;

use super::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use super::message::MAX_CONTROL_PAYLOAD;
use super::{CloseCode, Role};
use crate::simd::copy_masked;

/// Why a frame could not be encoded. Nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` bytes would do.
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
    },
    /// A control payload over 125 bytes.
    ControlTooLong,
    /// A close code that may not be sent (1005, 1006, 1015, reserved ranges).
    InvalidCloseCode(u16),
    /// A close reason over 123 bytes.
    CloseReasonTooLong,
    /// `encode_message` takes Text or Binary; control frames have their own methods.
    NotADataOpcode,
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => write!(f, "output buffer too small: {needed} bytes needed"),
            Self::ControlTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            Self::CloseReasonTooLong => f.write_str("close reason over 123 bytes"),
            Self::NotADataOpcode => f.write_str("a message must be Text or Binary"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

/// One outgoing frame: its encoded header, and the payload slice it covers, still
/// unmasked. Write the header, then the payload through [`OutFrame::write_payload`]
/// (which masks for clients), in as many pieces as the output buffer requires.
#[derive(Debug, Clone, Copy)]
pub struct OutFrame<'p> {
    header: [u8; MAX_HEADER_LEN],
    header_len: u8,
    mask: Option<[u8; 4]>,
    payload: &'p [u8],
}

impl<'p> OutFrame<'p> {
    /// The encoded header (2 to 14 bytes).
    #[inline]
    pub fn header(&self) -> &[u8] {
        &self.header[..self.header_len as usize]
    }

    /// The payload, unmasked.
    #[inline]
    pub fn payload(&self) -> &'p [u8] {
        self.payload
    }

    /// The mask key (client role), or `None` (server role: the payload goes on the
    /// wire as is, and may be written straight from the caller's slice).
    #[inline]
    pub fn mask(&self) -> Option<[u8; 4]> {
        self.mask
    }

    /// Header plus payload length.
    #[inline]
    pub fn wire_len(&self) -> usize {
        self.header_len as usize + self.payload.len()
    }

    /// Copy payload bytes `from..from + dst.len()` into `dst`, masked as the wire
    /// wants them. `from + dst.len()` must not exceed the payload length.
    // Without `std` (firmware): one out-of-line copy of the masking copy for its
    // callers (`write_into` for control frames, an adapter's staging of data frames).
    #[cfg_attr(feature = "std", inline)]
    #[cfg_attr(not(feature = "std"), inline(never))]
    pub fn write_payload(&self, from: usize, dst: &mut [u8]) {
        let src = &self.payload[from..from + dst.len()];
        match self.mask {
            Some(key) => copy_masked(dst, src, key, from),
            None => dst.copy_from_slice(src),
        }
    }

    /// Write the whole frame into `out`; returns the bytes written.
    pub fn write_into(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.wire_len();
        let out = out.get_mut(..len).ok_or(EncodeError::BufferTooSmall { needed: len })?;
        let (head, body) = out.split_at_mut(self.header_len as usize);
        head.copy_from_slice(self.header());
        self.write_payload(0, body);
        Ok(len)
    }
}

/// Encodes frames for one [`Role`]. Owns the RNG that draws mask keys (client role).
pub struct FrameWriter<R> {
    role: Role,
    rng: R,
    fragment_size: usize,
    rsv1: bool,
}

impl<R: RngCore> FrameWriter<R> {
    /// A writer for `role`. `rng` draws the mask keys of a client; a server never
    /// touches it. Messages go out in one frame until
    /// [`with_fragment_size`](Self::with_fragment_size) says otherwise.
    pub fn new(role: Role, rng: R) -> Self {
        Self { role, rng, fragment_size: usize::MAX, rsv1: false }
    }

    /// Split messages into frames of at most `size` payload bytes (minimum 1).
    pub fn with_fragment_size(mut self, size: usize) -> Self {
        self.fragment_size = size.max(1);
        self
    }

    /// The role this writer encodes for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The largest frame payload a message is split into.
    pub fn fragment_size(&self) -> usize {
        self.fragment_size
    }

    /// Set RSV1 on the first frame of the next data messages (a negotiated extension
    /// such as permessage-deflate uses it).
    #[doc(hidden)]
    pub fn set_rsv1(&mut self, on: bool) {
        self.rsv1 = on;
    }

    /// The bytes [`encode_message`](Self::encode_message) writes for a payload of
    /// `payload_len` bytes, fragment headers included.
    pub fn encoded_len(&self, payload_len: usize) -> usize {
        let mask = if self.role == Role::Client { 4 } else { 0 };
        let header = |len: usize| {
            mask + if len <= 125 {
                2
            } else if len <= 0xffff {
                4
            } else {
                10
            }
        };
        if payload_len <= self.fragment_size {
            return header(payload_len) + payload_len;
        }
        let full = payload_len / self.fragment_size;
        let rest = payload_len % self.fragment_size;
        let rest_len = if rest > 0 { header(rest) + rest } else { 0 };
        full * (header(self.fragment_size) + self.fragment_size) + rest_len
    }

    /// Encode a whole Text or Binary message (fragmented as configured) into `out`;
    /// returns the bytes written. Text must be UTF-8: take it from a `&str`.
    #[inline]
    pub fn encode_message(&mut self, opcode: OpCode, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        let len = payload.len();
        // The hot path, inlined into the caller: a server frame of up to 64 KiB in one
        // frame, after a single length check. Everything else is one call away.
        if let (Role::Server, OpCode::Text | OpCode::Binary) = (self.role, opcode) {
            if len <= self.fragment_size && len <= 0xffff {
                let b0 = 0x80 | (self.rsv1 as u8) << 6 | opcode.as_u8();
                let header_len = if len <= 125 { 2 } else { 4 };
                let needed = header_len + len;
                let Some(out) = out.get_mut(..needed) else {
                    return Err(EncodeError::BufferTooSmall { needed });
                };
                // Fixed-size header writes: one store each, no call.
                if len <= 125 {
                    let (head, body) = out.split_at_mut(2);
                    head.copy_from_slice(&[b0, len as u8]);
                    body.copy_from_slice(payload);
                } else {
                    let (head, body) = out.split_at_mut(4);
                    let [hi, lo] = (len as u16).to_be_bytes();
                    head.copy_from_slice(&[b0, 126, hi, lo]);
                    body.copy_from_slice(payload);
                }
                return Ok(needed);
            }
        }
        // The client's hot path, on hosts (firmware keeps the general path alone: its
        // size budget is tight): the same one-frame message, masked with a key
        // drawn here as `next_mask` draws it, the header written with fixed-size
        // stores instead of through `FrameHeader`.
        #[cfg(feature = "std")]
        if let (Role::Client, OpCode::Text | OpCode::Binary) = (self.role, opcode) {
            if len <= self.fragment_size && len <= 0xffff {
                let b0 = 0x80 | (self.rsv1 as u8) << 6 | opcode.as_u8();
                let header_len = if len <= 125 { 6 } else { 8 };
                let needed = header_len + len;
                let Some(out) = out.get_mut(..needed) else {
                    return Err(EncodeError::BufferTooSmall { needed });
                };
                let key = self.rng.next_u32().to_ne_bytes();
                let [k0, k1, k2, k3] = key;
                let body = if len <= 125 {
                    let (head, body) = out.split_at_mut(6);
                    head.copy_from_slice(&[b0, 0x80 | len as u8, k0, k1, k2, k3]);
                    body
                } else {
                    let (head, body) = out.split_at_mut(8);
                    let [hi, lo] = (len as u16).to_be_bytes();
                    head.copy_from_slice(&[b0, 0x80 | 126, hi, lo, k0, k1, k2, k3]);
                    body
                };
                copy_masked(body, payload, key, 0);
                return Ok(needed);
            }
        }
        self.encode_general(opcode, payload, out)
    }

    /// [`encode_message`](Self::encode_message) for client frames without `std`
    /// (masked), long frames, fragmented messages and errors.
    #[inline(never)]
    fn encode_general(&mut self, opcode: OpCode, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        if !matches!(opcode, OpCode::Text | OpCode::Binary) {
            return Err(EncodeError::NotADataOpcode);
        }
        let len = payload.len();
        if len > self.fragment_size {
            return self.encode_fragmented(opcode, payload, out);
        }
        // One frame: header and (masked) payload written straight into `out`.
        let rsv = if self.rsv1 { 0x40 } else { 0 };
        let mask = self.next_mask();
        let header = FrameHeader { fin: true, rsv, opcode, mask, payload_len: len as u64 };
        let header_len = header.encoded_len();
        let needed = header_len + len;
        let Some(out) = out.get_mut(..needed) else {
            return Err(EncodeError::BufferTooSmall { needed });
        };
        let (head, body) = out.split_at_mut(header_len);
        header.write_to(head);
        match mask {
            Some(key) => copy_masked(body, payload, key, 0),
            None => body.copy_from_slice(payload),
        }
        Ok(needed)
    }

    #[inline(never)]
    fn encode_fragmented(&mut self, opcode: OpCode, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.encoded_len(payload.len());
        if needed > out.len() {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        let mut at = 0;
        for frame in self.fragments(opcode, payload)? {
            at += frame.write_into(&mut out[at..])?;
        }
        Ok(at)
    }

    /// The frames of a Text or Binary message, for streaming it out piece by piece.
    pub fn fragments<'w, 'p>(
        &'w mut self,
        opcode: OpCode,
        payload: &'p [u8],
    ) -> Result<Fragments<'w, 'p, R>, EncodeError> {
        if !matches!(opcode, OpCode::Text | OpCode::Binary) {
            return Err(EncodeError::NotADataOpcode);
        }
        Ok(Fragments { writer: self, opcode, rest: payload, first: true, done: false })
    }

    /// Encode a Ping or Pong carrying `payload` (at most 125 bytes).
    pub fn encode_control(&mut self, opcode: OpCode, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        if !matches!(opcode, OpCode::Ping | OpCode::Pong) {
            return Err(EncodeError::NotADataOpcode);
        }
        self.encode_control_frame(opcode, payload, out)
    }

    /// Encode a Close with `code` and `reason` (at most 123 bytes). Only codes that
    /// may go on the wire are accepted ([`CloseCode::is_valid_on_wire`]); pass
    /// [`CloseCode::NoStatus`] with an empty reason for an empty Close frame.
    pub fn encode_close(&mut self, code: CloseCode, reason: &str, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = close_payload(code, reason, &mut payload)?;
        self.encode_control_frame(OpCode::Close, &payload[..len], out)
    }

    /// Encode one control frame of any control opcode; the payload's length is
    /// checked here, its content by the caller.
    pub(crate) fn encode_control_frame(
        &mut self,
        opcode: OpCode,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(EncodeError::ControlTooLong);
        }
        self.frame(opcode, true, false, payload).write_into(out)
    }

    #[inline]
    fn next_mask(&mut self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client => Some(self.rng.next_u32().to_ne_bytes()),
            Role::Server => None,
        }
    }

    fn frame<'p>(&mut self, opcode: OpCode, fin: bool, rsv1: bool, payload: &'p [u8]) -> OutFrame<'p> {
        let mask = self.next_mask();
        let rsv = if rsv1 { 0x40 } else { 0 };
        let header = FrameHeader { fin, rsv, opcode, mask, payload_len: payload.len() as u64 };
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let header_len = header.encode(&mut bytes) as u8;
        OutFrame { header: bytes, header_len, mask, payload }
    }
}

/// The payload of a Close with `code` and `reason` into `out`; returns its length
/// (0 for [`CloseCode::NoStatus`] with an empty reason: an empty Close).
pub(crate) fn close_payload(
    code: CloseCode,
    reason: &str,
    out: &mut [u8; MAX_CONTROL_PAYLOAD],
) -> Result<usize, EncodeError> {
    if code == CloseCode::NoStatus && reason.is_empty() {
        return Ok(0);
    }
    if !code.is_valid_on_wire() {
        return Err(EncodeError::InvalidCloseCode(code.as_u16()));
    }
    if reason.len() > MAX_CONTROL_PAYLOAD - 2 {
        return Err(EncodeError::CloseReasonTooLong);
    }
    out[..2].copy_from_slice(&code.as_u16().to_be_bytes());
    out[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
    Ok(2 + reason.len())
}

/// Iterator over the frames of one message; see [`FrameWriter::fragments`].
pub struct Fragments<'w, 'p, R> {
    writer: &'w mut FrameWriter<R>,
    opcode: OpCode,
    rest: &'p [u8],
    first: bool,
    done: bool,
}

impl<'p, R: RngCore> Iterator for Fragments<'_, 'p, R> {
    type Item = OutFrame<'p>;

    fn next(&mut self) -> Option<OutFrame<'p>> {
        if self.done {
            return None;
        }
        let take = self.rest.len().min(self.writer.fragment_size);
        let (chunk, rest) = self.rest.split_at(take);
        self.rest = rest;
        let fin = rest.is_empty();
        self.done = fin;
        let opcode = if self.first { self.opcode } else { OpCode::Continuation };
        let rsv1 = self.first && self.writer.rsv1;
        self.first = false;
        Some(self.writer.frame(opcode, fin, rsv1, chunk))
    }
}
