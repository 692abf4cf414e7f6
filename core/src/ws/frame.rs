//! The frame header (RFC 6455 section 5.2): a plain representation with `parse` and
//! `encode`, in the manner of smoltcp's `Repr`.
//!
//! ```text
//!  0               1               2               3
//!  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```

use super::ProtocolError;

/// The longest header: 2 bytes, a 64-bit length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

mod field {
    pub const FIN: u8 = 0x80;
    pub const RSV: u8 = 0x70;
    pub const OPCODE: u8 = 0x0f;
    pub const MASK: u8 = 0x80;
    pub const LEN7: u8 = 0x7f;
    /// `LEN7` values announcing an extended length.
    pub const LEN_16: u8 = 126;
    pub const LEN_64: u8 = 127;
}

/// A frame opcode (RFC 6455 section 5.2). Reserved opcodes are not representable:
/// [`OpCode::from_u8`] rejects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation,
    /// 0x1: first frame of a UTF-8 text message.
    Text,
    /// 0x2: first frame of a binary message.
    Binary,
    /// 0x8: close.
    Close,
    /// 0x9: ping.
    Ping,
    /// 0xA: pong.
    Pong,
}

impl OpCode {
    /// Decode the low four bits of the first header byte.
    pub const fn from_u8(op: u8) -> Result<Self, ProtocolError> {
        Ok(match op {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            other => return Err(ProtocolError::ReservedOpcode(other)),
        })
    }

    /// The wire value.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Close, Ping and Pong.
    pub const fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameHeader {
    /// Final fragment of a message.
    pub fin: bool,
    /// The three reserved bits, in the positions of the first byte (`0x70` mask).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes.
    pub payload_len: u64,
}

impl FrameHeader {
    /// Parse a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` holds only part of the header, else the header
    /// and its length in bytes. Errors: a reserved opcode, or a 64-bit length with the
    /// high bit set. Role rules (masking), RSV bits and size limits are the reader's.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Option<(Self, usize)>, ProtocolError> {
        let (b0, b1) = match buf {
            [b0, b1, ..] => (*b0, *b1),
            _ => return Ok(None),
        };
        let opcode = OpCode::from_u8(b0 & field::OPCODE)?;
        let masked = b1 & field::MASK != 0;
        let (payload_len, mut at) = match b1 & field::LEN7 {
            field::LEN_16 => match buf.get(2..4) {
                Some(b) => (u16::from_be_bytes([b[0], b[1]]) as u64, 4),
                None => return Ok(None),
            },
            field::LEN_64 => match buf.get(2..10) {
                Some(b) => {
                    let mut be = [0u8; 8];
                    be.copy_from_slice(b);
                    let len = u64::from_be_bytes(be);
                    if len >> 63 != 0 {
                        return Err(ProtocolError::InvalidLength);
                    }
                    (len, 10)
                }
                None => return Ok(None),
            },
            short => (short as u64, 2),
        };
        let mask = if masked {
            match buf.get(at..at + 4) {
                Some(k) => {
                    at += 4;
                    Some([k[0], k[1], k[2], k[3]])
                }
                None => return Ok(None),
            }
        } else {
            None
        };
        let header = Self { fin: b0 & field::FIN != 0, rsv: b0 & field::RSV, opcode, mask, payload_len };
        Ok(Some((header, at)))
    }

    /// The encoded length of this header (2 to 14 bytes).
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        let len = match self.payload_len {
            0..=125 => 2,
            126..=0xffff => 4,
            _ => 10,
        };
        if self.mask.is_some() {
            len + 4
        } else {
            len
        }
    }

    /// Write the header into `out` using the minimal length encoding; returns the
    /// number of bytes written ([`encoded_len`](Self::encoded_len)).
    #[inline]
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        self.write_to(out)
    }

    /// Write the header at the start of `out`; `None` (nothing written) when `out` is
    /// shorter than [`encoded_len`](Self::encoded_len).
    #[inline]
    pub fn encode_into(&self, out: &mut [u8]) -> Option<usize> {
        let out = out.get_mut(..self.encoded_len())?;
        Some(self.write_to(out))
    }

    /// `out` holds at least `encoded_len()` bytes (checked by the callers).
    #[inline]
    pub(crate) fn write_to(&self, out: &mut [u8]) -> usize {
        out[0] = (self.fin as u8) << 7 | (self.rsv & field::RSV) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { field::MASK } else { 0 };
        let mut at = match self.payload_len {
            len @ 0..=125 => {
                out[1] = mask_bit | len as u8;
                2
            }
            len @ 126..=0xffff => {
                out[1] = mask_bit | field::LEN_16;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            len => {
                out[1] = mask_bit | field::LEN_64;
                out[2..10].copy_from_slice(&len.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            out[at..at + 4].copy_from_slice(&key);
            at += 4;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, fin: bool, len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader { fin, rsv: 0, opcode, mask, payload_len: len }
    }

    #[test]
    fn test_parse_rfc_examples() {
        // RFC 6455 5.7: single-frame unmasked "Hello".
        let (h, n) = FrameHeader::parse(&[0x81, 0x05, 0x48]).unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Text, true, 5, None), 2));
        // Masked "Hello".
        let (h, n) = FrameHeader::parse(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]).unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Text, true, 5, Some([0x37, 0xfa, 0x21, 0x3d])), 6));
        // 256 bytes binary in a single unmasked frame.
        let (h, n) = FrameHeader::parse(&[0x82, 0x7E, 0x01, 0x00]).unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Binary, true, 256, None), 4));
        // 64 KiB binary in a single unmasked frame.
        let (h, n) = FrameHeader::parse(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Binary, true, 65536, None), 10));
        // First fragment of an unmasked text message.
        let (h, _) = FrameHeader::parse(&[0x01, 0x03]).unwrap().unwrap();
        assert_eq!(h, header(OpCode::Text, false, 3, None));
    }

    #[test]
    fn test_parse_partial_is_none() {
        let full = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for cut in 0..full.len() {
            assert_eq!(FrameHeader::parse(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(FrameHeader::parse(&full).unwrap().is_some());
    }

    #[test]
    fn test_parse_errors() {
        for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(FrameHeader::parse(&[0x80 | op, 0]), Err(ProtocolError::ReservedOpcode(op)));
        }
        let too_long = [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(FrameHeader::parse(&too_long), Err(ProtocolError::InvalidLength));
    }

    #[test]
    fn test_emit_length_boundaries() {
        for (len, expect_len) in
            [(0u64, 2), (125, 2), (126, 4), (127, 4), (65535, 4), (65536, 10), (u32::MAX as u64 + 1, 10)]
        {
            for mask in [None, Some([1, 2, 3, 4])] {
                let h = header(OpCode::Binary, true, len, mask);
                let mut out = [0u8; MAX_HEADER_LEN];
                let n = h.encode(&mut out);
                assert_eq!(n, expect_len + if mask.is_some() { 4 } else { 0 });
                assert_eq!(n, h.encoded_len());
                assert_eq!(FrameHeader::parse(&out[..n]), Ok(Some((h, n))));
            }
        }
    }

    #[test]
    fn test_emit_rfc_bytes() {
        let mut out = [0u8; MAX_HEADER_LEN];
        let n = header(OpCode::Text, true, 5, Some([0x37, 0xfa, 0x21, 0x3d])).encode(&mut out);
        assert_eq!(&out[..n], &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
        let n = header(OpCode::Ping, true, 5, None).encode(&mut out);
        assert_eq!(&out[..n], &[0x89, 0x05]);
        let n = header(OpCode::Continuation, true, 2, None).encode(&mut out);
        assert_eq!(&out[..n], &[0x80, 0x02]);
    }
}
