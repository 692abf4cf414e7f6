//! Compressing and decompressing messages (RFC 7692 section 7.2), over a compressor
//! the adapter provides: [`Inflater`] and [`Deflater`] are raw DEFLATE streams; the
//! drivers here do the RFC's part once for every adapter.
//!
//! - [`MessageInflater`]: appends `00 00 ff ff` to a received payload, bounds the
//!   output by `max_message_size` (a zip bomb is [`ProtocolError::MessageTooLarge`],
//!   1009, after at most that many bytes of output storage), validates the UTF-8 of
//!   text (1007), and resets the context per `*_no_context_takeover`.
//! - [`MessageDeflater`]: compresses with a sync flush, strips the trailing
//!   `00 00 ff ff`, resets the context per `*_no_context_takeover`.

use super::super::{OpCode, ProtocolError, Role};
use super::DeflateParams;
use crate::buf::Storage;

/// The empty stored block a sync flush ends with (section 7.2.1).
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The compressor failed: corrupt input (inflating) or an internal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CodecError;

impl core::fmt::Display for CodecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DEFLATE stream error")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CodecError {}

/// What one call to a compressor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Input bytes taken.
    pub consumed: usize,
    /// Output bytes written (at the front of the output slice).
    pub produced: usize,
    /// Inflating: the stream ended (a block with BFINAL): ignore the rest of the
    /// input and reset before the next message.
    pub stream_end: bool,
}

/// A raw DEFLATE decompressor (no zlib header) with a window of at least the
/// agreed bits; 15 always works.
pub trait Inflater {
    /// Forget the window: the next input starts a new stream.
    fn reset(&mut self);
    /// Decompress from `input` into `output`, producing all the output the input
    /// allows (zlib's `Z_SYNC_FLUSH`). May stop early when `output` is full.
    fn inflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError>;
}

/// A raw DEFLATE compressor (no zlib header) with the agreed window.
pub trait Deflater {
    /// Forget the window: the next input starts a new stream.
    fn reset(&mut self);
    /// Compress from `input` into `output`, ending with a sync flush (zlib's
    /// `Z_SYNC_FLUSH`) once all input is taken. The flush is complete when all
    /// input was consumed and `output` was not filled.
    fn deflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError>;
}

/// The receiving direction of permessage-deflate for one connection.
#[derive(Debug)]
pub struct MessageInflater<I> {
    inflater: I,
    reset_each: bool,
    /// The last message ended its DEFLATE stream: reset before the next.
    stream_ended: bool,
}

impl<I: Inflater> MessageInflater<I> {
    /// For `role` (the receiving side) under the agreed `params`.
    pub fn new(role: Role, params: &DeflateParams, inflater: I) -> Self {
        Self { inflater, reset_each: params.inflate_no_context_takeover(role), stream_ended: false }
    }

    /// Decompress one message's payload (as the reader assembled it, see
    /// [`FrameReader::compressed_message`](super::super::FrameReader::compressed_message))
    /// into `out`, growing it up to `max_message_size` bytes at most. Returns the
    /// decompressed length (`out.bytes()[..len]`).
    ///
    /// # Errors
    /// [`ProtocolError::MessageTooLarge`] (1009) past `max_message_size`;
    /// [`ProtocolError::InvalidCompressedData`] (1007) for a corrupt stream;
    /// [`ProtocolError::InvalidUtf8`] (1007) for text that is not UTF-8.
    pub fn inflate<S: Storage>(
        &mut self,
        opcode: OpCode,
        payload: &[u8],
        out: &mut S,
        max_message_size: usize,
    ) -> Result<usize, ProtocolError> {
        if self.stream_ended {
            self.inflater.reset();
            self.stream_ended = false;
        }
        let result = self.inflate_inner(payload, out, max_message_size);
        if self.reset_each || result.is_err() {
            self.inflater.reset();
            self.stream_ended = false;
        }
        let len = result?;
        if opcode == OpCode::Text && simdutf8::basic::from_utf8(&out.bytes()[..len]).is_err() {
            return Err(ProtocolError::InvalidUtf8);
        }
        Ok(len)
    }

    fn inflate_inner<S: Storage>(&mut self, payload: &[u8], out: &mut S, max: usize) -> Result<usize, ProtocolError> {
        let too_large = |len: usize| ProtocolError::MessageTooLarge { len: len as u64, max };
        let mut produced = 0;
        // The payload, then the tail the sender stripped.
        let mut payload = payload;
        let mut tail = &SYNC_TAIL[..];
        loop {
            let cap = out.bytes().len().min(max);
            if produced == cap && cap < max {
                let want = cap.saturating_mul(2).clamp(cap + 1, max).max(256.min(max));
                if !out.try_grow(want) && !out.try_grow(cap + 1) {
                    return Err(too_large(cap + 1));
                }
                continue;
            }
            let at_limit = produced == cap;
            // At the limit, probe with one byte of scratch: any output is too much.
            let mut probe = [0u8; 1];
            let space: &mut [u8] = if at_limit { &mut probe } else { &mut out.bytes_mut()[produced..cap] };
            let space_len = space.len();
            let from_payload = !payload.is_empty();
            let input = if from_payload { payload } else { tail };
            let step = self.inflater.inflate(input, space).map_err(|_| ProtocolError::InvalidCompressedData)?;
            if at_limit && step.produced > 0 {
                return Err(too_large(max + 1));
            }
            produced += step.produced;
            if from_payload {
                payload = &payload[step.consumed..];
            } else {
                tail = &tail[step.consumed..];
            }
            if step.stream_end {
                self.stream_ended = true;
                return Ok(produced);
            }
            if payload.is_empty() && tail.is_empty() && step.produced < space_len {
                return Ok(produced);
            }
            if step.consumed == 0 && step.produced == 0 {
                // No progress with input and room left: the stream is stuck.
                return Err(ProtocolError::InvalidCompressedData);
            }
        }
    }
}

/// The sending direction of permessage-deflate for one connection.
#[derive(Debug)]
pub struct MessageDeflater<D> {
    deflater: D,
    reset_each: bool,
}

impl<D: Deflater> MessageDeflater<D> {
    /// For `role` (the sending side) under the agreed `params`.
    pub fn new(role: Role, params: &DeflateParams, deflater: D) -> Self {
        Self { deflater, reset_each: params.deflate_no_context_takeover(role) }
    }

    /// Compress one message's payload into `out` (grown as needed; a fixed storage
    /// that fills up is an error), without the trailing `00 00 ff ff`. Send the
    /// result with RSV1 set on the first frame
    /// ([`FrameWriter::set_rsv1`](super::super::FrameWriter::set_rsv1)).
    ///
    /// # Errors
    /// [`CodecError`] when the compressor fails or `out` cannot grow; the context
    /// is reset then, and the message must not be sent.
    pub fn deflate<S: Storage>(&mut self, payload: &[u8], out: &mut S) -> Result<usize, CodecError> {
        let result = self.deflate_inner(payload, out);
        if self.reset_each || result.is_err() {
            self.deflater.reset();
        }
        result
    }

    fn deflate_inner<S: Storage>(&mut self, payload: &[u8], out: &mut S) -> Result<usize, CodecError> {
        let mut input = payload;
        let mut produced = 0;
        // Room for the worst case (stored blocks) up front, so that the compressor
        // normally finishes in one call: zlib-style compressors handle a sync flush
        // split over calls poorly.
        let bound = payload.len() + (payload.len() >> 10) + 64;
        if out.bytes().len() < bound && !out.try_grow(bound) {
            return Err(CodecError);
        }
        loop {
            let cap = out.bytes().len();
            // Room for the flush's few bytes beyond what compression produces.
            if cap - produced < 64 {
                let want = cap.saturating_mul(2).max(produced + 64).max(256);
                if !out.try_grow(want) {
                    return Err(CodecError);
                }
                continue;
            }
            let space = &mut out.bytes_mut()[produced..cap];
            let space_len = space.len();
            let step = self.deflater.deflate(input, space)?;
            input = &input[step.consumed..];
            produced += step.produced;
            if input.is_empty() && step.produced < space_len {
                break;
            }
        }
        let bytes = &out.bytes()[..produced];
        if bytes.ends_with(&SYNC_TAIL) {
            produced -= SYNC_TAIL.len();
        }
        if produced == 0 {
            // zlib emits nothing for empty input right after a flush; the message
            // must still be the header of the empty stored block whose tail the
            // receiver appends (section 7.2.3.6: a single 0x00).
            out.bytes_mut()[0] = 0x00;
            produced = 1;
        }
        Ok(produced)
    }
}
