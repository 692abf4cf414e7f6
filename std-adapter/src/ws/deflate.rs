//! permessage-deflate for the tokio adapter: flate2 (zlib-rs backend) behind the
//! core's [`Inflater`] / [`Deflater`] traits. The RFC's rules (the `00 00 ff ff`
//! tail, context takeover, the `max_message_size` bound, UTF-8 of text) live in
//! [`nexus_net::ws::deflate`].

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use nexus_net::ws::deflate::{CodecError, DeflateParams, Deflater, Inflater, MessageDeflater, MessageInflater, Step};
use nexus_net::ws::{Message, OpCode, ProtocolError, Role};

/// Raw DEFLATE decompression with flate2.
pub(crate) struct FlateInflater {
    inner: Decompress,
}

impl FlateInflater {
    /// The peer's window; zlib inflates 8-bit windows too.
    pub(crate) fn new(window_bits: u8) -> Self {
        Self { inner: Decompress::new_with_window_bits(false, window_bits.clamp(8, 15)) }
    }
}

impl Inflater for FlateInflater {
    fn reset(&mut self) {
        self.inner.reset(false);
    }

    fn inflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError> {
        let (in0, out0) = (self.inner.total_in(), self.inner.total_out());
        let status = self.inner.decompress(input, output, FlushDecompress::Sync).map_err(|_| CodecError)?;
        Ok(Step {
            consumed: (self.inner.total_in() - in0) as usize,
            produced: (self.inner.total_out() - out0) as usize,
            stream_end: status == Status::StreamEnd,
        })
    }
}

/// Raw DEFLATE compression with flate2.
pub(crate) struct FlateDeflater {
    inner: Compress,
}

impl FlateDeflater {
    /// `window_bits` 9..=15 (the core maps an agreed 8 to 9).
    pub(crate) fn new(window_bits: u8) -> Self {
        Self { inner: Compress::new_with_window_bits(Compression::default(), false, window_bits.clamp(9, 15)) }
    }
}

impl Deflater for FlateDeflater {
    fn reset(&mut self) {
        self.inner.reset();
    }

    fn deflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError> {
        let (in0, out0) = (self.inner.total_in(), self.inner.total_out());
        self.inner.compress(input, output, FlushCompress::Sync).map_err(|_| CodecError)?;
        Ok(Step {
            consumed: (self.inner.total_in() - in0) as usize,
            produced: (self.inner.total_out() - out0) as usize,
            stream_end: false,
        })
    }
}

/// The read side's decompressor and the buffer decompressed messages live in
/// (grown on demand, never past `max_message_size`).
pub(crate) struct ReadInflate {
    driver: MessageInflater<FlateInflater>,
    out: Vec<u8>,
    /// The decompressed message waiting to be handed out: its opcode and length.
    pending: Option<(OpCode, usize)>,
    pub(crate) params: DeflateParams,
}

impl ReadInflate {
    pub(crate) fn new(role: Role, params: &DeflateParams) -> Self {
        let inflater = FlateInflater::new(params.inflate_window_bits(role));
        Self { driver: MessageInflater::new(role, params, inflater), out: Vec::new(), pending: None, params: *params }
    }

    /// Inflate a compressed message the reader just completed.
    pub(crate) fn inflate(&mut self, opcode: OpCode, payload: &[u8], max: usize) -> Result<(), ProtocolError> {
        self.pending = None;
        let len = self.driver.inflate(opcode, payload, &mut self.out, max)?;
        self.pending = Some((opcode, len));
        Ok(())
    }

    /// Forget the last message (the reader moved on).
    pub(crate) fn clear(&mut self) {
        self.pending = None;
    }

    pub(crate) fn message(&self) -> Option<Message<'_>> {
        let (opcode, len) = self.pending?;
        let bytes = &self.out[..len];
        Some(match opcode {
            // Validated by the core driver; checked again here rather than trusted
            // through `unsafe`.
            OpCode::Text => Message::Text(std::str::from_utf8(bytes).ok()?),
            _ => Message::Binary(bytes),
        })
    }
}

/// The write side's compressor and its output buffer.
pub(crate) struct WriteDeflate {
    driver: MessageDeflater<FlateDeflater>,
    pub(crate) buf: Vec<u8>,
}

impl WriteDeflate {
    pub(crate) fn new(role: Role, params: &DeflateParams) -> Self {
        let deflater = FlateDeflater::new(params.deflate_window_bits(role));
        Self { driver: MessageDeflater::new(role, params, deflater), buf: Vec::new() }
    }

    /// Compress `payload` into `buf`; returns the compressed length.
    pub(crate) fn compress(&mut self, payload: &[u8]) -> Result<usize, CodecError> {
        self.driver.deflate(payload, &mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: DeflateParams = DeflateParams {
        client_no_context_takeover: false,
        server_no_context_takeover: false,
        client_max_window_bits: 15,
        server_max_window_bits: 15,
    };

    #[test]
    fn flate2_round_trip_with_context_takeover() {
        let mut w = WriteDeflate::new(Role::Client, &PARAMS);
        let mut r = ReadInflate::new(Role::Server, &PARAMS);
        let json = "{\"e\":\"trade\",\"p\":\"43000.01\"},".repeat(70);
        let accents = "é".repeat(5000);
        let messages = [json.as_bytes(), json.as_bytes(), b"", accents.as_bytes(), json.as_bytes()];
        for (i, m) in messages.iter().enumerate() {
            let n = w.compress(m).unwrap();
            let c = w.buf[..n].to_vec();
            r.inflate(OpCode::Binary, &c, 1 << 20).unwrap_or_else(|e| panic!("message {i}: {e} {c:02x?}"));
            assert!(matches!(r.message(), Some(Message::Binary(b)) if b == *m), "message {i}");
        }
    }
}
