//! The rules of a WebSocket connection above the frame codec, sans-IO: which control
//! frames the connection must send in answer to what it reads, and what it may still
//! send. Both adapters (tokio and embassy) drive their I/O from these decisions, so a
//! connection behaves the same on either.
//!
//! - [`Inbound`] looks at each message the [`FrameReader`](super::FrameReader)
//!   completes and says what must be answered: the peer's Close (echoing its code,
//!   RFC 6455 section 5.5.1) and, with automatic pongs on, a Ping. A protocol error
//!   is answered with [`Reply::Fail`]: a Close with the code the error calls for. It
//!   also keeps the keep-alive timer's logic (ping when idle, fail when the ping goes
//!   unanswered).
//! - [`Outbound`] keeps what was sent: after our Close nothing more goes out (a
//!   reply is dropped, a send is [`Refused::Closed`]); after a frame was cut short
//!   nothing can follow it ([`Refused::Poisoned`]). It encodes replies and Closes
//!   through a [`FrameWriter`].

use rand_core::RngCore;

use super::writer::close_payload;
use super::{CloseCode, ControlPayload, EncodeError, FrameWriter, Message, OpCode, ProtocolError, MAX_CONTROL_PAYLOAD};

/// Whether a Close that fails the connection carries the error's description as its
/// reason. On hosts it does (the peer's logs say what went wrong); firmware sends the
/// bare code, to keep the formatting code and the texts out of flash.
pub const FAIL_REASONS: bool = cfg!(not(target_os = "none"));

/// The room a failure's reason needs in [`Outbound::reply_frame`]: 123 bytes with
/// [`FAIL_REASONS`], none without.
pub const REASON_ROOM: usize = if FAIL_REASONS { MAX_CONTROL_PAYLOAD - 2 } else { 0 };

/// A control frame the connection must send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reply {
    /// An automatic answer to a Ping, with its payload.
    Pong(ControlPayload),
    /// The keep-alive ping of an idle connection.
    Ping,
    /// The answer to the peer's Close: its code echoed (an empty Close for an empty
    /// one, whose code reads as [`CloseCode::NoStatus`]). A code that may not be
    /// sent can't be encoded: the reader never passes one.
    Close(CloseCode),
    /// Failing the connection: a Close with the error's
    /// [`close_code`](ProtocolError::close_code).
    Fail(ProtocolError),
}

impl Reply {
    /// Whether the reply is a Close: it must go out (a pong may wait), and nothing
    /// follows it.
    pub const fn is_close(&self) -> bool {
        matches!(self, Self::Close(_) | Self::Fail(_))
    }
}

/// The read side's rules: what the messages the reader completes call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Inbound {
    auto_pong: bool,
    close_received: bool,
    ping_outstanding: bool,
}

impl Inbound {
    /// Rules for a new connection; `auto_pong` answers every Ping with a Pong (the
    /// Ping is still handed to the application, which must then not answer it).
    pub const fn new(auto_pong: bool) -> Self {
        Self { auto_pong, close_received: false, ping_outstanding: false }
    }

    /// Whether Pings are answered automatically.
    pub const fn auto_pong(&self) -> bool {
        self.auto_pong
    }

    /// Whether the peer's Close has arrived: the connection reads nothing more.
    pub const fn close_received(&self) -> bool {
        self.close_received
    }

    /// What a message the reader completed calls for: `None` to hand it to the
    /// application as it is; `Some(reply)` to send the reply first, then hand it
    /// out (the peer's Close, or a Ping with automatic pongs on).
    #[inline]
    pub fn on_message(&mut self, message: &Message<'_>) -> Option<Reply> {
        match message {
            Message::Close(frame) => {
                self.close_received = true;
                // The reader passes only codes valid on the wire, or 1005 for an empty
                // Close, which is answered with an empty Close.
                Some(Reply::Close(frame.code()))
            }
            Message::Ping(payload) if self.auto_pong => Some(Reply::Pong(*payload)),
            _ => None,
        }
    }

    /// Bytes arrived: the peer is alive, an outstanding keep-alive ping is answered.
    #[inline]
    pub fn on_input(&mut self) {
        self.ping_outstanding = false;
    }

    /// Nothing arrived for the keep-alive interval: `Some(Reply::Ping)` to probe the
    /// peer, or `None` when the previous probe went unanswered too, and the
    /// connection is to be failed as half-open.
    pub fn on_idle(&mut self) -> Option<Reply> {
        if self.ping_outstanding {
            None
        } else {
            self.ping_outstanding = true;
            Some(Reply::Ping)
        }
    }
}

/// Why a frame may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Refused {
    /// Our Close went out: the connection sends nothing more.
    Closed,
    /// A frame was cut short (a send abandoned half-way): no frame can follow it.
    Poisoned,
}

/// The write side's rules: what was sent, and so what may still be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Outbound {
    close_sent: bool,
    poisoned: bool,
}

impl Outbound {
    /// Nothing sent yet.
    pub const fn new() -> Self {
        Self { close_sent: false, poisoned: false }
    }

    /// Whether our Close went out (or is queued to).
    pub const fn close_sent(&self) -> bool {
        self.close_sent
    }

    /// Whether a frame was cut short.
    pub const fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Whether a message (data, Ping or Pong) may be sent.
    #[inline]
    pub const fn check(&self) -> Result<(), Refused> {
        if self.poisoned {
            Err(Refused::Poisoned)
        } else if self.close_sent {
            Err(Refused::Closed)
        } else {
            Ok(())
        }
    }

    /// The connection's write side is over without our Close (the transport failed
    /// or was shut down): nothing more may be sent.
    pub fn end(&mut self) {
        self.close_sent = true;
    }

    /// A frame is going out in pieces: until [`frame_done`](Self::frame_done), the
    /// connection counts as poisoned (the caller may stop part way).
    #[inline]
    pub fn frame_started(&mut self) {
        self.poisoned = true;
    }

    /// The frame begun with [`frame_started`](Self::frame_started) is all out.
    #[inline]
    pub fn frame_done(&mut self) {
        self.poisoned = false;
    }

    /// The frame `reply` goes out as, or `None` when nothing is to be sent because
    /// our Close already went out or a frame was cut short. `text` holds a failure's
    /// reason, cut to its length ([`REASON_ROOM`] bytes are enough).
    pub fn reply_frame<'a>(&self, reply: &'a Reply, text: &'a mut [u8]) -> Option<Control<'a>> {
        if self.check().is_err() {
            return None;
        }
        Some(match reply {
            Reply::Pong(payload) => Control::Pong(payload.as_bytes()),
            Reply::Ping => Control::Ping(&[]),
            Reply::Close(code) => Control::Close(*code, ""),
            Reply::Fail(error) => {
                Control::Close(error.close_code(), if FAIL_REASONS { describe(error, text) } else { "" })
            }
        })
    }

    /// Encode a control frame into `out` (room for
    /// [`MAX_HEADER_LEN`](super::MAX_HEADER_LEN) + [`MAX_CONTROL_PAYLOAD`] bytes);
    /// returns its length. A Close is recorded as sent (whatever happens to the
    /// bytes, nothing may follow them). Whether the frame may be sent at all is for
    /// the caller to test first: [`check`](Self::check) for a Ping or Pong,
    /// [`close_sent`](Self::close_sent) and [`is_poisoned`](Self::is_poisoned) for a
    /// Close.
    ///
    /// # Errors
    /// [`EncodeError`] for a payload over 125 bytes, a code that may not be sent or
    /// a reason over 123 bytes (nothing is recorded then), or an `out` too short.
    pub fn encode<R: RngCore>(
        &mut self,
        frame: Control<'_>,
        writer: &mut FrameWriter<R>,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        // One encoding path for all three, so firmware carries one copy of it.
        let mut close = [0u8; MAX_CONTROL_PAYLOAD];
        let (opcode, payload) = match frame {
            Control::Ping(payload) => (OpCode::Ping, payload),
            Control::Pong(payload) => (OpCode::Pong, payload),
            Control::Close(code, reason) => {
                let len = close_payload(code, reason, &mut close)?;
                (OpCode::Close, &close[..len])
            }
        };
        let n = writer.encode_control_frame(opcode, payload, out)?;
        if opcode == OpCode::Close {
            self.close_sent = true;
        }
        Ok(n)
    }

    /// [`reply_frame`](Self::reply_frame) and [`encode`](Self::encode) in one:
    /// encode `reply` into `out` (room for a control frame), returning its length;
    /// 0 when nothing is to be sent, or when the reply can't be encoded (a
    /// [`Reply::Close`] built by hand with a code that may not be sent, or a short
    /// `out`: a bug of the caller, not worth a panic on the network path).
    pub fn encode_reply<R: RngCore>(&mut self, reply: &Reply, writer: &mut FrameWriter<R>, out: &mut [u8]) -> usize {
        let mut text = [0u8; REASON_ROOM];
        let Some(frame) = self.reply_frame(reply, &mut text) else { return 0 };
        let encoded = self.encode(frame, writer, out);
        debug_assert!(encoded.is_ok(), "{encoded:?}");
        encoded.unwrap_or(0)
    }
}

/// A control frame to encode with [`Outbound::encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control<'a> {
    /// A Ping with this payload (at most 125 bytes).
    Ping(&'a [u8]),
    /// A Pong with this payload (at most 125 bytes).
    Pong(&'a [u8]),
    /// A Close with this code and reason (at most 123 bytes;
    /// [`CloseCode::NoStatus`] with an empty reason is an empty Close).
    Close(CloseCode, &'a str),
}

/// The error's description as a close reason, cut at a character boundary to fit.
fn describe<'a>(error: &ProtocolError, out: &'a mut [u8]) -> &'a str {
    let room = out.len().min(MAX_CONTROL_PAYLOAD - 2);
    let out = &mut out[..room];
    let mut cut = Cut { buf: out, len: 0 };
    let _ = core::fmt::write(&mut cut, format_args!("{error}"));
    let len = cut.len;
    // Only whole characters were copied.
    core::str::from_utf8(&out[..len]).unwrap_or("")
}

/// A `fmt::Write` into a fixed buffer that keeps whole characters only, and stops
/// when the buffer is full.
struct Cut<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl core::fmt::Write for Cut<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let mut take = s.len().min(self.buf.len() - self.len);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() {
            Err(core::fmt::Error)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::{CloseFrame, FrameReader, Limits, Progress, Role, MAX_HEADER_LEN};

    struct Counter(u32);
    impl RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            self.0 = self.0.wrapping_add(0x9E37_79B9);
            self.0
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_u32()) << 32 | u64::from(self.next_u32())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.next_u32() as u8;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    /// Encode `reply` as `role` and decode it as the peer: (opcode, payload).
    fn wire(role: Role, out: &mut Outbound, reply: Reply) -> Option<(OpCode, [u8; 125], usize)> {
        let mut writer = FrameWriter::new(role, Counter(1));
        let mut buf = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        let n = out.encode_reply(&reply, &mut writer, &mut buf);
        if n == 0 {
            return None;
        }
        let peer = if role == Role::Client { Role::Server } else { Role::Client };
        let mut storage = [0u8; 512];
        let mut reader = FrameReader::new(peer, &mut storage[..], Limits::default());
        reader.spare()[..n].copy_from_slice(&buf[..n]);
        reader.commit(n);
        assert_eq!(reader.advance(), Ok(Progress::Message));
        let mut payload = [0u8; 125];
        let (opcode, len) = match reader.message().unwrap() {
            Message::Ping(p) => (OpCode::Ping, copy(&mut payload, &p)),
            Message::Pong(p) => (OpCode::Pong, copy(&mut payload, &p)),
            Message::Close(f) => {
                let mut bytes = [0u8; 125];
                let code = f.code();
                let mut len = 0;
                if !(code == CloseCode::NoStatus && f.reason().is_empty()) {
                    bytes[..2].copy_from_slice(&code.as_u16().to_be_bytes());
                    bytes[2..2 + f.reason().len()].copy_from_slice(f.reason().as_bytes());
                    len = 2 + f.reason().len();
                }
                (OpCode::Close, copy(&mut payload, &bytes[..len]))
            }
            other => panic!("{other:?}"),
        };
        Some((opcode, payload, len))
    }

    fn copy(dst: &mut [u8; 125], src: &[u8]) -> usize {
        dst[..src.len()].copy_from_slice(src);
        src.len()
    }

    #[test]
    fn close_is_echoed_with_its_code_and_empty_for_empty() {
        let mut inbound = Inbound::new(false);
        let frame = CloseFrame::new(CloseCode::GoingAway, "bye").unwrap();
        assert_eq!(inbound.on_message(&Message::Close(frame)), Some(Reply::Close(CloseCode::GoingAway)));
        assert!(inbound.close_received());
        for role in [Role::Client, Role::Server] {
            let (op, p, len) = wire(role, &mut Outbound::new(), Reply::Close(CloseCode::GoingAway)).unwrap();
            assert_eq!((op, &p[..len]), (OpCode::Close, &1001u16.to_be_bytes()[..]));
        }

        let empty = CloseFrame::new(CloseCode::NoStatus, "").unwrap();
        let reply = Inbound::new(false).on_message(&Message::Close(empty)).unwrap();
        assert_eq!(reply, Reply::Close(CloseCode::NoStatus));
        let (op, _, len) = wire(Role::Server, &mut Outbound::new(), reply).unwrap();
        assert_eq!((op, len), (OpCode::Close, 0));
    }

    #[test]
    fn pings_are_answered_only_with_auto_pong_and_data_never() {
        let ping = ControlPayload::new(b"hi").unwrap();
        assert_eq!(Inbound::new(false).on_message(&Message::Ping(ping)), None);
        assert_eq!(Inbound::new(true).on_message(&Message::Ping(ping)), Some(Reply::Pong(ping)));
        let (op, p, len) = wire(Role::Client, &mut Outbound::new(), Reply::Pong(ping)).unwrap();
        assert_eq!((op, &p[..len]), (OpCode::Pong, &b"hi"[..]));
        let mut inbound = Inbound::new(true);
        for m in [Message::Text("x"), Message::Binary(b"y"), Message::Pong(ping)] {
            assert_eq!(inbound.on_message(&m), None);
        }
        assert!(!inbound.close_received());
    }

    #[test]
    fn failure_closes_with_the_errors_code_and_reason() {
        let cases = [
            (ProtocolError::InvalidUtf8, 1007u16),
            (ProtocolError::MessageTooLarge { len: 1 << 40, max: usize::MAX }, 1009),
            (ProtocolError::ReservedOpcode(3), 1002),
        ];
        for (error, code) in cases {
            let mut out = Outbound::new();
            let (op, p, len) = wire(Role::Server, &mut out, Reply::Fail(error)).unwrap();
            assert_eq!(op, OpCode::Close);
            assert_eq!(u16::from_be_bytes([p[0], p[1]]), code);
            let reason = core::str::from_utf8(&p[2..len]).unwrap();
            assert!(!reason.is_empty() && len <= 125, "{reason}");
            assert!(out.close_sent());
            assert_eq!(out.check(), Err(Refused::Closed));
        }
    }

    #[test]
    fn describe_cuts_long_reasons_at_a_character_boundary() {
        let mut buf = [0u8; MAX_CONTROL_PAYLOAD - 2];
        let text = describe(&ProtocolError::FrameTooLarge { len: u64::MAX, max: usize::MAX }, &mut buf);
        assert!(text.starts_with("frame payload of 18446744073709551615 bytes"), "{text}");

        // A two-byte character across the limit is left out whole.
        let mut out = [0u8; MAX_CONTROL_PAYLOAD - 2];
        let mut cut = Cut { buf: &mut out, len: 0 };
        assert!(core::fmt::Write::write_str(&mut cut, &"\u{e9}".repeat(100)).is_err());
        assert_eq!(cut.len, 122);
        assert!(core::str::from_utf8(&out[..122]).is_ok());
    }

    #[test]
    fn nothing_follows_our_close_or_a_cut_frame() {
        let ping = ControlPayload::new(b"p").unwrap();
        let mut out = Outbound::new();
        assert_eq!(out.check(), Ok(()));
        let mut writer = FrameWriter::new(Role::Server, Counter(0));
        let mut buf = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        // A close that may not be sent is refused and records nothing.
        assert!(out.encode(Control::Close(CloseCode::Abnormal, ""), &mut writer, &mut buf).is_err());
        assert!(!out.close_sent());
        assert!(out.encode(Control::Close(CloseCode::Normal, "done"), &mut writer, &mut buf).unwrap() > 0);
        assert_eq!(out.check(), Err(Refused::Closed));
        for reply in
            [Reply::Pong(ping), Reply::Ping, Reply::Close(CloseCode::Normal), Reply::Fail(ProtocolError::InvalidUtf8)]
        {
            assert_eq!(out.encode_reply(&reply, &mut writer, &mut buf), 0, "{reply:?}");
        }

        let mut out = Outbound::new();
        out.frame_started();
        assert_eq!(out.check(), Err(Refused::Poisoned));
        assert_eq!(out.encode_reply(&Reply::Close(CloseCode::Normal), &mut writer, &mut buf), 0);
        out.frame_done();
        assert_eq!(out.check(), Ok(()));
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn a_hand_made_close_reply_that_may_not_be_sent_sends_nothing() {
        let mut writer = FrameWriter::new(Role::Server, Counter(0));
        let mut buf = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        let mut out = Outbound::new();
        assert_eq!(out.encode_reply(&Reply::Close(CloseCode::Abnormal), &mut writer, &mut buf), 0);
        assert!(!out.close_sent());
    }

    #[test]
    fn keep_alive_pings_once_then_fails_unless_input_arrives() {
        let mut inbound = Inbound::new(false);
        assert_eq!(inbound.on_idle(), Some(Reply::Ping));
        inbound.on_input();
        assert_eq!(inbound.on_idle(), Some(Reply::Ping));
        assert_eq!(inbound.on_idle(), None);
    }

    #[test]
    fn only_closes_are_closes() {
        assert!(Reply::Close(CloseCode::Normal).is_close());
        assert!(Reply::Fail(ProtocolError::InvalidUtf8).is_close());
        assert!(!Reply::Ping.is_close());
        assert!(!Reply::Pong(ControlPayload::EMPTY).is_close());
    }
}
