//! The frame reader: bytes in, messages out (RFC 6455 sections 5 and 6.2).
//!
//! The reader owns the caller's [`Storage`]. An adapter loops:
//!
//! ```
//! use nexus_net::ws::{FrameReader, Limits, Message, Progress, Role};
//!
//! let mut buf = [0u8; 1024];
//! let mut reader = FrameReader::new(Role::Client, &mut buf[..], Limits::default());
//! let mut wire: &[u8] = &[0x81, 0x05, b'H', b'e', b'l', b'l', b'o'];
//! let text = loop {
//!     match reader.advance().unwrap() {
//!         Progress::Message => break reader.message(),
//!         Progress::NeedMore => {
//!             // An adapter reads from its socket here; one byte at a time works too.
//!             let spare = reader.spare();
//!             spare[0] = wire[0];
//!             wire = &wire[1..];
//!             reader.commit(1);
//!         }
//!     }
//! };
//! assert_eq!(text, Some(Message::Text("Hello")));
//! ```
//!
//! `advance` and `message` are separate on purpose: returning a borrowed message
//! from inside the adapter's read loop is a borrow the compiler can't accept.
//!
//! ## Buffer discipline
//! Data payloads are unmasked and validated as they arrive, then left where they are
//! (a message in one frame is never copied) or moved down over the framing of later
//! fragments, so a fragmented message ends up contiguous in the buffer. Control frames
//! interleaved in a fragmented message are copied out (they are at most 125 bytes).
//! A message that does not fit the storage makes the storage grow (if it can) up to
//! `max_message_size`; otherwise it is [`ProtocolError::MessageTooLarge`] (1009).

use super::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use super::message::{CloseFrame, ControlPayload, Message, MAX_CONTROL_PAYLOAD};
use super::{CloseCode, ProtocolError, Role};
use crate::buf::Storage;
use crate::simd::{apply_mask, apply_mask_ascii, is_ascii};

/// Room kept for a frame header plus a whole control frame (and the next header)
/// next to a message being reassembled, so that interleaved control frames always fit.
const CONTROL_SLACK: usize = 2 * MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD;

/// The smallest storage a reader accepts: a control frame and a header must fit.
pub const MIN_CAPACITY: usize = 256;

/// A `hot_mask_bit` that no frame's MASK bit (`b1 & 0x80`) equals.
const HOT_PATH_OFF: u8 = 0x01;

/// Free space below which [`FrameReader::spare`] moves live bytes to the front.
const COMPACT_BELOW: usize = 4096;

/// Size limits, enforced as soon as a frame header announces a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Limits {
    /// The largest payload of a single frame. Default 16 MiB.
    pub max_frame_size: usize,
    /// The largest message (the sum of its fragments). Default 16 MiB.
    pub max_message_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_frame_size: 16 << 20, max_message_size: 16 << 20 }
    }
}

/// What [`FrameReader::advance`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Progress {
    /// Every buffered byte is processed; read more into [`FrameReader::spare`].
    NeedMore,
    /// A message is ready: take it with [`FrameReader::message`].
    Message,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DataKind {
    Text,
    Binary,
}

/// The data frame whose payload is arriving.
#[derive(Clone, Copy)]
struct InFrame {
    fin: bool,
    mask: Option<[u8; 4]>,
    /// Payload bytes still to come.
    remaining: usize,
    /// Payload bytes already processed (the mask's phase).
    done: usize,
}

/// A data message being assembled at `start..start + len`.
#[derive(Clone, Copy)]
struct Assembly {
    kind: DataKind,
    start: usize,
    len: usize,
    /// Bytes of `start..start + len` known to be valid UTF-8 (text only); a sequence
    /// cut by a frame or read boundary is checked again when its rest arrives.
    utf8_valid: usize,
    /// RSV1 was set on the first frame (permessage-deflate): the payload is
    /// compressed, its UTF-8 is checked after inflating.
    compressed: bool,
    frame: Option<InFrame>,
}

#[derive(Clone, Copy)]
enum Pending {
    None,
    Data { kind: DataKind, start: usize, len: usize, compressed: bool },
    Ping(ControlPayload),
    Pong(ControlPayload),
    Close(CloseFrame),
}

/// Decodes frames for one [`Role`] from caller-owned storage. See the module docs.
pub struct FrameReader<B: Storage> {
    storage: B,
    role: Role,
    limits: Limits,
    /// The smaller of the two limits: the longest frame the hot path takes.
    fast_max: usize,
    /// The MASK bit the hot path accepts: the one the role requires of incoming
    /// frames (0x80 for a server, 0 for a client), or [`HOT_PATH_OFF`] once the
    /// peer's Close has arrived, so that one compare also checks that.
    hot_mask_bit: u8,
    /// Reserved bits a negotiated extension allows (none without one).
    allowed_rsv: u8,
    /// Start of unprocessed input: the next header, or the rest of a frame's payload.
    head: usize,
    /// End of the bytes read so far.
    tail: usize,
    msg: Option<Assembly>,
    pending: Pending,
    closed: bool,
}

impl<B: Storage> FrameReader<B> {
    /// A reader for `role` over `storage`.
    ///
    /// # Panics
    /// If the storage is smaller than [`MIN_CAPACITY`] (256 bytes) and can't grow:
    /// that is a configuration error, not something the network can cause.
    pub fn new(role: Role, mut storage: B, limits: Limits) -> Self {
        if storage.bytes().len() < MIN_CAPACITY {
            assert!(storage.try_grow(MIN_CAPACITY), "FrameReader storage must hold at least {MIN_CAPACITY} bytes");
        }
        Self {
            storage,
            role,
            limits,
            fast_max: limits.max_frame_size.min(limits.max_message_size),
            hot_mask_bit: if role == Role::Server { 0x80 } else { 0 },
            allowed_rsv: 0,
            head: 0,
            tail: 0,
            msg: None,
            pending: Pending::None,
            closed: false,
        }
    }

    /// The role this reader decodes for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Change the limits; they apply from the next frame header on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.fast_max = limits.max_frame_size.min(limits.max_message_size);
    }

    /// The storage's current capacity.
    pub fn capacity(&self) -> usize {
        self.storage.bytes().len()
    }

    /// Allow RSV1 on the first frame of a data message: permessage-deflate was
    /// negotiated. Such messages are handed out by
    /// [`compressed_message`](Self::compressed_message), not [`message`](Self::message).
    /// RSV1 on a control frame or a continuation stays a protocol error.
    pub fn set_compression(&mut self, negotiated: bool) {
        self.allowed_rsv = if negotiated { 0x40 } else { 0 };
    }

    /// Whether the peer's Close frame has been received.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether the reader is between messages with nothing unprocessed: no partial
    /// frame, no fragmented message in progress. An adapter that meets EOF here has a
    /// clean (if abrupt) end of stream; elsewhere the peer cut a frame short.
    pub fn is_idle(&self) -> bool {
        self.msg.is_none() && self.head == self.tail
    }

    /// Bytes read but not yet processed as frames. Before the first frame this is
    /// where a handshake response or request sits: parse it, then [`consume`](Self::consume) it.
    pub fn buffered(&self) -> &[u8] {
        &self.storage.bytes()[self.head..self.tail]
    }

    /// Drop `n` bytes from the front of [`buffered`](Self::buffered) (a handshake head
    /// that was parsed). Clamped to what is buffered.
    pub fn consume(&mut self, n: usize) {
        debug_assert!(self.msg.is_none(), "consume() between frames only");
        self.head += n.min(self.tail - self.head);
    }

    /// Free space to read into, at least one byte. Live bytes are moved to the front
    /// first when that makes enough room. Ends the borrow of the last message.
    // Inlined on hosts (speed); without `std` (firmware) left to the compiler, which
    // keeps one out-of-line copy for an adapter's two read loops (handshake, frames).
    #[cfg_attr(feature = "std", inline)]
    pub fn spare(&mut self) -> &mut [u8] {
        self.pending = Pending::None;
        let cap = self.storage.bytes().len();
        let free = cap - self.tail;
        let reclaimable = match &self.msg {
            Some(a) => a.start + (self.head - (a.start + a.len)),
            None => self.head,
        };
        if reclaimable > 0 && (free == 0 || free < COMPACT_BELOW.min(cap / 4)) {
            self.compact();
        }
        &mut self.storage.bytes_mut()[self.tail..]
    }

    /// Record that `n` bytes were written to the front of [`spare`](Self::spare).
    pub fn commit(&mut self, n: usize) {
        let cap = self.storage.bytes().len();
        debug_assert!(self.tail + n <= cap, "commit beyond spare()");
        self.tail = (self.tail + n).min(cap);
    }

    /// Process buffered bytes until a message is complete or more input is needed.
    ///
    /// After `Ok(Progress::Message)`, [`message`](Self::message) returns it until the
    /// next call to `advance` or `spare`. After the peer's Close, the reader accepts
    /// no more frames: further input is [`ProtocolError::FrameAfterClose`].
    ///
    /// An error leaves the reader failed: send a Close with the error's
    /// [`close_code`](ProtocolError::close_code) and stop reading.
    #[inline]
    pub fn advance(&mut self) -> Result<Progress, ProtocolError> {
        // The common case (a whole unfragmented data frame) is inlined into the
        // adapter's loop; everything else is one call away.
        // (After Close, `hot_mask_bit` makes `whole_data_frame` decline.)
        if self.msg.is_none() {
            if let Some(done) = self.whole_data_frame() {
                return done;
            }
        }
        self.advance_general::<true>()
    }

    /// [`advance`](Self::advance) for a client-role reader, built for code size (a
    /// microcontroller's client loop): no inlined copy of the whole-frame fast path
    /// at the call site, and no unmasking code (a client never unmasks: a masked
    /// frame from a server is [`ProtocolError::MaskedFrame`] before any payload is
    /// looked at). The same decisions and results as `advance`.
    ///
    /// # Panics
    /// On a reader in the server role.
    #[inline]
    pub fn advance_compact(&mut self) -> Result<Progress, ProtocolError> {
        assert!(self.role == Role::Client, "advance_compact is for the client role");
        self.advance_general::<false>()
    }

    /// [`advance`](Self::advance) for everything but the hot path: control frames,
    /// fragments, frames not yet whole, long frames, errors, and input after Close.
    /// It makes the same decisions as the hot path for the frames that one takes.
    /// `UNMASK` false leaves the unmasking code out (client role only: check_header
    /// refuses masked frames there, so there is never a key).
    #[inline(never)]
    fn advance_general<const UNMASK: bool>(&mut self) -> Result<Progress, ProtocolError> {
        self.pending = Pending::None;
        if self.closed {
            return if self.head < self.tail { Err(ProtocolError::FrameAfterClose) } else { Ok(Progress::NeedMore) };
        }
        loop {
            if let Some(asm) = self.msg {
                if let Some(frame) = asm.frame {
                    if self.take_payload::<UNMASK>(asm, frame)? {
                        return Ok(Progress::Message);
                    }
                    if self.msg.is_some_and(|a| a.frame.is_some()) {
                        return Ok(self.need_more());
                    }
                    continue;
                }
            }
            let (header, header_len) = match FrameHeader::parse(&self.storage.bytes()[self.head..self.tail])? {
                Some(parsed) => parsed,
                None => return Ok(self.need_more()),
            };
            self.check_header(&header)?;
            if header.opcode.is_control() {
                let frame_len = header_len + header.payload_len as usize;
                if self.tail - self.head < frame_len {
                    return Ok(self.need_more());
                }
                self.take_control::<UNMASK>(&header, header_len)?;
                self.head += frame_len;
                self.reset_if_drained();
                return Ok(Progress::Message);
            }
            self.begin_data_frame(&header, header_len)?;
        }
    }

    /// The message announced by the last [`advance`](Self::advance), or `None` when it
    /// returned [`Progress::NeedMore`] (or `spare` was called since), or when the
    /// message is compressed (see [`compressed_message`](Self::compressed_message)).
    #[inline]
    pub fn message(&self) -> Option<Message<'_>> {
        // Data first: it is what almost every call returns.
        if let Pending::Data { kind, start, len, compressed: false } = self.pending {
            let bytes = &self.storage.bytes()[start..start + len];
            return Some(match kind {
                // SAFETY: the bytes of a text message were validated as UTF-8 as they
                // arrived (`whole_data_frame`, `take_payload`) and have not changed since.
                DataKind::Text => Message::Text(unsafe { core::str::from_utf8_unchecked(bytes) }),
                DataKind::Binary => Message::Binary(bytes),
            });
        }
        Some(match self.pending {
            Pending::None | Pending::Data { .. } => return None,
            Pending::Ping(p) => Message::Ping(p),
            Pending::Pong(p) => Message::Pong(p),
            Pending::Close(c) => Message::Close(c),
        })
    }

    /// The message announced by the last [`advance`](Self::advance) when it was
    /// compressed (RSV1, after [`set_compression`](Self::set_compression)): its
    /// opcode ([`OpCode::Text`] or [`OpCode::Binary`]) and its payload as received,
    /// to be inflated with a [`MessageInflater`](super::deflate::MessageInflater)
    /// (which also checks the UTF-8 of text). `None` otherwise.
    pub fn compressed_message(&self) -> Option<(OpCode, &[u8])> {
        match self.pending {
            Pending::Data { kind, start, len, compressed: true } => {
                let opcode = if kind == DataKind::Text { OpCode::Text } else { OpCode::Binary };
                Some((opcode, &self.storage.bytes()[start..start + len]))
            }
            _ => None,
        }
    }

    /// Give the storage back.
    pub fn into_storage(self) -> B {
        self.storage
    }

    /// The hot path: an unfragmented Text or Binary frame of up to 64 KiB, already
    /// whole in the buffer, with no message in progress. Handled without the
    /// reassembly bookkeeping; anything else (or any doubt) returns `None` and takes
    /// the general path, which makes the same decisions.
    #[inline(always)]
    fn whole_data_frame(&mut self) -> Option<Result<Progress, ProtocolError>> {
        let head = self.head;
        let (fast_max, mask_bit) = (self.fast_max, self.hot_mask_bit);
        let input = self.storage.bytes_mut().get_mut(head..self.tail)?;
        // Four bytes or more (a frame with an empty payload alone in the buffer takes
        // the general path): the 16-bit length is then read without more checks.
        let &[b0, b1, l0, l1, ..] = &*input else {
            return None;
        };
        // FIN, no RSV bit, opcode Text (1) or Binary (2): one subtraction and compare.
        let op = b0.wrapping_sub(0x81);
        if op > 1 {
            return None;
        }
        let kind = if op == 0 { DataKind::Text } else { DataKind::Binary };
        // The MASK bit the role wants (a wrong one is the general path's error).
        if b1 & 0x80 != mask_bit {
            return None;
        }
        let (len, at) = match b1 & 0x7f {
            short @ 0..=125 => (short as usize, 2),
            126 => (u16::from_be_bytes([l0, l1]) as usize, 4),
            _ => return None,
        };
        // Four more header bytes (the key) when masked.
        let at = at + (mask_bit >> 5) as usize;
        if len > fast_max || input.len() < at + len {
            return None;
        }
        let (header, rest) = input.split_at_mut(at);
        let payload = &mut rest[..len];
        if kind == DataKind::Text {
            // Masked text is unmasked and checked for ASCII in one pass; only text
            // that is not ASCII needs the UTF-8 validator.
            let ascii = mask_bit != 0 && apply_mask_ascii(payload, key_before(header), 0);
            if !ascii && !is_utf8(payload) {
                self.pending = Pending::None;
                return Some(Err(ProtocolError::InvalidUtf8));
            }
        } else if mask_bit != 0 {
            apply_mask(payload, key_before(header), 0);
        }
        let start = head + at;
        self.head = start + len;
        self.pending = Pending::Data { kind, start, len, compressed: false };
        self.reset_if_drained();
        Some(Ok(Progress::Message))
    }

    fn need_more(&mut self) -> Progress {
        self.reset_if_drained();
        Progress::NeedMore
    }

    /// With nothing live, start over at the front: no compaction needed later.
    #[inline]
    fn reset_if_drained(&mut self) {
        if self.head == self.tail && self.msg.is_none() {
            self.head = 0;
            self.tail = 0;
        }
    }

    fn compact(&mut self) {
        let buf = self.storage.bytes_mut();
        let pending = self.tail - self.head;
        let to = match &mut self.msg {
            Some(a) => {
                buf.copy_within(a.start..a.start + a.len, 0);
                a.start = 0;
                a.len
            }
            None => 0,
        };
        buf.copy_within(self.head..self.tail, to);
        self.head = to;
        self.tail = to + pending;
    }

    fn check_header(&self, h: &FrameHeader) -> Result<(), ProtocolError> {
        if h.rsv & !self.allowed_rsv != 0 {
            return Err(ProtocolError::ReservedBits);
        }
        if h.rsv & 0x40 != 0 {
            if h.opcode.is_control() {
                return Err(ProtocolError::CompressedControlFrame);
            }
            if h.opcode == OpCode::Continuation {
                return Err(ProtocolError::CompressedContinuation);
            }
        }
        match (self.role, h.mask.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        if h.opcode.is_control() {
            if !h.fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            if h.payload_len > MAX_CONTROL_PAYLOAD as u64 {
                return Err(ProtocolError::ControlFrameTooLong);
            }
        }
        Ok(())
    }

    fn take_control<const UNMASK: bool>(&mut self, h: &FrameHeader, header_len: usize) -> Result<(), ProtocolError> {
        let start = self.head + header_len;
        let len = h.payload_len as usize;
        // check_header bounded the length to 125, so the copy can't fail.
        let mut payload =
            ControlPayload::new(&self.storage.bytes()[start..start + len]).ok_or(ProtocolError::ControlFrameTooLong)?;
        if let (true, Some(key)) = (UNMASK, h.mask) {
            apply_mask(payload.as_mut_bytes(), key, 0);
        }
        self.pending = match h.opcode {
            OpCode::Ping => Pending::Ping(payload),
            OpCode::Pong => Pending::Pong(payload),
            _ => {
                let close = parse_close(&payload)?;
                self.closed = true;
                self.hot_mask_bit = HOT_PATH_OFF;
                Pending::Close(close)
            }
        };
        Ok(())
    }

    fn begin_data_frame(&mut self, h: &FrameHeader, header_len: usize) -> Result<(), ProtocolError> {
        let kind = match (h.opcode, &self.msg) {
            (OpCode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (OpCode::Continuation, Some(a)) => a.kind,
            (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (OpCode::Text, None) => DataKind::Text,
            _ => DataKind::Binary,
        };
        if h.payload_len > self.limits.max_frame_size as u64 {
            return Err(ProtocolError::FrameTooLarge { len: h.payload_len, max: self.limits.max_frame_size });
        }
        let len = h.payload_len as usize; // fits: bounded by max_frame_size
        let so_far = self.msg.map_or(0, |a| a.len);
        let total = so_far.saturating_add(len);
        if total > self.limits.max_message_size {
            return Err(ProtocolError::MessageTooLarge { len: total as u64, max: self.limits.max_message_size });
        }
        self.reserve(total, h.fin)?;
        self.head += header_len;
        let frame = InFrame { fin: h.fin, mask: h.mask, remaining: len, done: 0 };
        match &mut self.msg {
            Some(a) => a.frame = Some(frame),
            None => {
                let compressed = h.rsv & 0x40 != 0;
                self.msg =
                    Some(Assembly { kind, start: self.head, len: 0, utf8_valid: 0, compressed, frame: Some(frame) })
            }
        }
        Ok(())
    }

    /// Make sure a message of `total` bytes (plus room for interleaved control frames
    /// if more fragments follow) fits, growing the storage if it can.
    fn reserve(&mut self, total: usize, fin: bool) -> Result<(), ProtocolError> {
        let needed = if fin { total } else { total.saturating_add(CONTROL_SLACK) };
        let cap = self.storage.bytes().len();
        if needed <= cap {
            return Ok(());
        }
        let ceiling = self.limits.max_message_size.saturating_add(CONTROL_SLACK);
        let target = cap.saturating_mul(2).clamp(needed, ceiling.max(needed));
        if self.storage.try_grow(target) || self.storage.try_grow(needed) {
            return Ok(());
        }
        Err(ProtocolError::MessageTooLarge { len: total as u64, max: cap })
    }

    /// Unmask, move into place and validate what has arrived of the current frame.
    /// Returns `true` when that completed a message (now pending).
    fn take_payload<const UNMASK: bool>(
        &mut self,
        mut asm: Assembly,
        mut frame: InFrame,
    ) -> Result<bool, ProtocolError> {
        let n = frame.remaining.min(self.tail - self.head);
        let buf = self.storage.bytes_mut();
        if n > 0 {
            let src = self.head..self.head + n;
            if let (true, Some(key)) = (UNMASK, frame.mask) {
                apply_mask(&mut buf[src.clone()], key, frame.done);
            }
            let dst = asm.start + asm.len;
            if dst != self.head {
                buf.copy_within(src, dst);
            }
            self.head += n;
            asm.len += n;
            frame.done += n;
            frame.remaining -= n;
        }
        let complete = frame.remaining == 0 && frame.fin;
        if asm.kind == DataKind::Text && !asm.compressed && asm.utf8_valid < asm.len {
            let unchecked = &buf[asm.start + asm.utf8_valid..asm.start + asm.len];
            if complete && asm.utf8_valid == 0 {
                // The whole message at once: the fastest check suffices.
                if !is_utf8(unchecked) {
                    return Err(ProtocolError::InvalidUtf8);
                }
                asm.utf8_valid = asm.len;
            } else {
                match simdutf8::compat::from_utf8(unchecked) {
                    Ok(_) => asm.utf8_valid = asm.len,
                    Err(e) if e.error_len().is_some() => return Err(ProtocolError::InvalidUtf8),
                    // A sequence cut short: valid so far, the rest is still to come.
                    Err(e) => asm.utf8_valid += e.valid_up_to(),
                }
            }
        }
        if frame.remaining > 0 {
            asm.frame = Some(frame);
            self.msg = Some(asm);
            return Ok(false);
        }
        if !frame.fin {
            asm.frame = None;
            self.msg = Some(asm);
            return Ok(false);
        }
        if asm.kind == DataKind::Text && !asm.compressed && asm.utf8_valid != asm.len {
            return Err(ProtocolError::InvalidUtf8);
        }
        self.msg = None;
        self.pending = Pending::Data { kind: asm.kind, start: asm.start, len: asm.len, compressed: asm.compressed };
        self.reset_if_drained();
        Ok(true)
    }
}

/// Whether `bytes` is UTF-8. ASCII (most JSON market data) is settled with a plain
/// vector OR of the bytes, cheaper than the full validator.
#[inline]
fn is_utf8(bytes: &[u8]) -> bool {
    is_ascii(bytes) || simdutf8::basic::from_utf8(bytes).is_ok()
}

/// The masking key: the last four bytes of a masked frame's header.
#[inline(always)]
fn key_before(header: &[u8]) -> [u8; 4] {
    let mut key = [0u8; 4];
    key.copy_from_slice(&header[header.len() - 4..]);
    key
}

/// Validate a Close payload (RFC 6455 section 5.5.1): empty, or a sendable code and a
/// UTF-8 reason.
fn parse_close(payload: &[u8]) -> Result<CloseFrame, ProtocolError> {
    match payload {
        [] => Ok(CloseFrame::NO_STATUS),
        [_] => Err(ProtocolError::InvalidCloseLength),
        [hi, lo, reason @ ..] => {
            let raw = u16::from_be_bytes([*hi, *lo]);
            let code = CloseCode::from_u16(raw);
            if !code.is_valid_on_wire() {
                return Err(ProtocolError::InvalidCloseCode(raw));
            }
            let reason = simdutf8::basic::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
            CloseFrame::new(code, reason).ok_or(ProtocolError::ControlFrameTooLong)
        }
    }
}
