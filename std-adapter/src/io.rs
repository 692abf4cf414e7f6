//! The fill and drain loops between a tokio transport and the codecs: the read side
//! (a [`FrameReader`] and the replies, control messages and errors waiting around it)
//! and the write side (a [`FrameWriter`] and its reusable buffer).
//! [`WsStream`](crate::ws::WsStream) and the halves of
//! [`split`](crate::ws::WsStream::split) share them, and [`ReadSide::settle`] is the
//! one copy of `recv`'s work besides decoding. What must be answered and what may
//! still be sent is decided by the core's [`session`](nexus_net::ws::session) rules,
//! as in the embassy adapter.
//!
//! Cancellation: every state change happens before or after an `.await`, never half
//! way, so a future dropped at any await leaves the sides consistent. Bytes queued
//! for writing (a message, an automatic pong, a close reply) stay queued and go out
//! with the next flush.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

pub(crate) use nexus_net::ws::session::Reply;
use nexus_net::ws::session::{Control, Inbound, Outbound};
#[cfg(feature = "deflate")]
use nexus_net::ws::ProtocolError;
use nexus_net::ws::{
    CloseCode, FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN,
};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::ws::WsError;

/// The mask-key RNG: ChaCha12 seeded once per connection from the OS, so drawing a
/// key is a few arithmetic operations, never a syscall.
pub(crate) type MaskRng = StdRng;

pub(crate) fn mask_rng() -> MaskRng {
    StdRng::from_entropy()
}

/// The smallest write buffer: a header plus a whole control frame, with room to spare.
pub(crate) const MIN_WRITE_BUFFER: usize = 256;

/// What the write buffer starts at when a handshake head is written into it; it grows
/// (doubling, up to the configured capacity) as messages need.
const INITIAL_WRITE_BUFFER: usize = 512;

/// Server-role payloads at least this long go out straight from the caller's slice
/// (header and payload in one vectored write) rather than being copied into the write
/// buffer first, when the transport writes vectored. Below it the copy is cheaper: a
/// `writev` of header and payload costs the sending thread about as much as, or more
/// than, a copy into a cache-hot buffer plus a `write`, and busy-polled echo latency at
/// 8 and 12 KiB was 1-2% worse with it (BENCHMARKS.md, "WebSocket over tokio", and
/// `bench/examples/write_copy_vs_vectored.rs`).
pub(crate) const DIRECT_WRITE_MIN: usize = 16 * 1024;

/// A message's frames from a [`WriteSide`]: from the payload itself
/// ([`send_direct`](WriteSide::send_direct)), queued whole behind what is queued (the
/// usual case: one write), or [streamed](WriteSide::send_streamed). Written once and
/// expanded in place in `send_message`, for the plain and the compressed payload: as
/// an `async fn` it would add a nested future to every send (+87 instructions per
/// echo round trip at 40 B, measured).
macro_rules! send_frames {
    ($side:expr, $io:expr, $opcode:expr, $payload:expr) => {{
        if $side.direct($io, $payload.len()) {
            $side.send_direct($io, $opcode, $payload).await
        } else if $side.queue_message($opcode, $payload)? {
            Ok(std::future::poll_fn(|cx| $side.poll_flush($io, cx)).await?)
        } else {
            $side.send_streamed($io, $opcode, $payload).await
        }
    }};
}

/// The write half of the state: encoder, buffer, and whether a Close went out.
pub(crate) struct WriteSide {
    writer: FrameWriter<MaskRng>,
    /// `start..end` are queued, unsent bytes. Allocated lazily: empty until the
    /// handshake head, then grown (zero-filled, so `buf.len()` is its usable size) as
    /// sends need, up to `cap`; an idle connection holds only what it has used.
    buf: Vec<u8>,
    /// The configured capacity: messages up to this size (with their header) go out
    /// in one write; larger ones are streamed through a buffer of this size.
    cap: usize,
    start: usize,
    end: usize,
    /// Whether our Close is queued (nothing may follow it) or a streamed send was
    /// cancelled half way (the peer saw part of a frame).
    state: Outbound,
    /// The transport's write side was shut down.
    shut: bool,
    /// permessage-deflate, when negotiated.
    #[cfg(feature = "deflate")]
    deflate: Option<Box<crate::ws::deflate::WriteDeflate>>,
}

impl WriteSide {
    pub fn new(role: Role, capacity: usize) -> Self {
        let capacity = capacity.max(MIN_WRITE_BUFFER);
        Self {
            writer: FrameWriter::new(role, mask_rng()),
            buf: Vec::new(),
            cap: capacity,
            start: 0,
            end: 0,
            state: Outbound::new(),
            shut: false,
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// Compress every data message from now on (permessage-deflate was negotiated).
    #[cfg(feature = "deflate")]
    pub fn enable_deflate(&mut self, params: &nexus_net::ws::deflate::DeflateParams) {
        self.deflate = Some(Box::new(crate::ws::deflate::WriteDeflate::new(self.role(), params)));
        // Every data message is compressed from now on: RSV1 on each first frame.
        self.writer.set_rsv1(true);
    }

    pub fn role(&self) -> Role {
        self.writer.role()
    }

    /// Our Close is queued (or the write side is over): nothing more may be sent.
    pub fn close_sent(&self) -> bool {
        self.state.close_sent()
    }

    /// A streamed send was cancelled half way.
    pub fn poisoned(&self) -> bool {
        self.state.is_poisoned()
    }

    /// Room for `n` more bytes at `end`: move queued bytes to the front first, and
    /// grow only if that is not enough (control frames after a full buffer).
    #[inline]
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.buf.len() - self.end < n {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < n {
                self.grow(self.end + n);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Grow the buffer to at least `needed` bytes: doubling, capped at the configured
    /// capacity unless `needed` is beyond it (a control frame after a full buffer).
    #[cold]
    fn grow(&mut self, needed: usize) {
        let len = (self.buf.len() * 2).max(INITIAL_WRITE_BUFFER).min(self.cap).max(needed);
        self.buf.resize(len, 0);
    }

    /// The buffer as a scratch area for a handshake head (nothing is queued then), at
    /// least [`INITIAL_WRITE_BUFFER`] bytes long (the caller doubles it as needed).
    pub fn scratch(&mut self) -> &mut Vec<u8> {
        debug_assert!(self.start == self.end);
        if self.buf.len() < INITIAL_WRITE_BUFFER {
            self.buf.resize(INITIAL_WRITE_BUFFER, 0);
        }
        &mut self.buf
    }

    /// Free the buffer when nothing is queued (after the handshake): the first send
    /// allocates it again, sized to need.
    pub fn release_idle(&mut self) {
        if self.start == self.end {
            self.buf = Vec::new();
            self.start = 0;
            self.end = 0;
        }
    }

    /// Queue `bytes` verbatim (a handshake head).
    pub fn queue_raw(&mut self, len: usize) {
        self.start = 0;
        self.end = len;
    }

    /// Queue a control reply decided by the read side (nothing, after our Close).
    pub fn queue_reply(&mut self, reply: Reply) {
        self.room(MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD);
        self.end += self.state.encode_reply(&reply, &mut self.writer, &mut self.buf[self.end..]);
    }

    pub fn queue_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(WsError::Encode(nexus_net::ws::EncodeError::ControlTooLong));
        }
        self.room(MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD);
        let n = self.writer.encode_control(opcode, payload, &mut self.buf[self.end..])?;
        self.end += n;
        Ok(())
    }

    pub fn queue_close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        self.room(MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD);
        self.end += self.state.encode(Control::Close(code, reason), &mut self.writer, &mut self.buf[self.end..])?;
        Ok(())
    }

    pub fn has_pending(&self) -> bool {
        self.start < self.end
    }

    /// Whether a send may start.
    #[inline]
    pub fn check_open(&self) -> Result<(), WsError> {
        Ok(self.state.check()?)
    }

    /// Write out everything queued, then flush the transport (TLS keeps records
    /// buffered until then).
    pub async fn flush<W: AsyncWrite + Unpin>(&mut self, io: &mut W) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush(io, cx)).await
    }

    /// [`flush`](Self::flush) as a poll function: one small future instead of a write
    /// and a flush future per call. A write that completes is recorded before the
    /// next poll, so a dropped flush resumes where it stopped.
    #[inline]
    fn poll_flush<W: AsyncWrite + Unpin>(&mut self, io: &mut W, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.start < self.end {
            let n = ready!(Pin::new(&mut *io).poll_write(cx, &self.buf[self.start..self.end]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.start += n;
        }
        self.start = 0;
        self.end = 0;
        Pin::new(io).poll_flush(cx)
    }

    /// Give up on the write side after a write failed at the end of the connection:
    /// drop what is queued and refuse further sends.
    pub fn discard(&mut self) {
        self.start = 0;
        self.end = 0;
        self.state.end();
        self.shut = true;
    }

    /// Send our Close (unless one went out already) and flush; when the peer's Close
    /// was received too (`peer_closed`), a server then shuts its write side down.
    pub async fn close<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        code: CloseCode,
        reason: &str,
        peer_closed: bool,
    ) -> Result<(), WsError> {
        if self.poisoned() {
            return Err(WsError::Poisoned);
        }
        if !self.close_sent() {
            self.queue_close(code, reason)?;
            ws_debug!(code = code.as_u16(), reason, "websocket close sent");
        }
        self.flush(io).await?;
        if peer_closed && self.role() == Role::Server {
            let _ = self.shutdown(io).await;
        }
        Ok(())
    }

    /// Shut the transport's write side down once (TCP FIN, TLS close_notify).
    pub async fn shutdown<W: AsyncWrite + Unpin>(&mut self, io: &mut W) -> io::Result<()> {
        if self.shut {
            return Ok(());
        }
        self.shut = true;
        io.shutdown().await
    }

    /// Send a Text or Binary message. One write for a message that fits the buffer
    /// (together with anything still queued): copied into the buffer, or, for a long
    /// server-role payload on a vectored transport, written from `payload` itself
    /// ([`send_direct`](Self::send_direct)); larger ones are streamed: headers and
    /// payload as vectored writes straight from `payload` (server role), or masked
    /// through the buffer in buffer-sized chunks (client role).
    pub async fn send_message<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        opcode: OpCode,
        payload: &[u8],
    ) -> Result<(), WsError> {
        self.check_open()?;
        #[cfg(feature = "deflate")]
        if let Some(deflate) = self.deflate.as_mut() {
            // Compressed before the first await, so a dropped send leaves the
            // compression context and the queued bytes consistent.
            let len = deflate
                .compress(payload)
                .map_err(|e| WsError::Io(io::Error::other(format!("permessage-deflate: {e}"))))?;
            let compressed = std::mem::take(&mut deflate.buf);
            let payload = &compressed[..len];
            let result: Result<(), WsError> = async { send_frames!(self, io, opcode, payload) }.await;
            if let Some(deflate) = self.deflate.as_mut() {
                deflate.buf = compressed;
            }
            return result;
        }
        send_frames!(self, io, opcode, payload)
    }

    /// Encode the message into the buffer behind what is queued, if it fits the
    /// capacity; `Ok(false)` when it must be streamed.
    #[inline]
    fn queue_message(&mut self, opcode: OpCode, payload: &[u8]) -> Result<bool, WsError> {
        let needed = self.writer.encoded_len(payload.len());
        if needed > self.cap.max(self.buf.len()) - (self.end - self.start) {
            return Ok(false);
        }
        self.room(needed);
        let n = self.writer.encode_message(opcode, payload, &mut self.buf[self.end..])?;
        self.end += n;
        Ok(true)
    }

    /// Whether a message of `len` payload bytes goes out through
    /// [`send_direct`](Self::send_direct): server role (no masking, so the payload
    /// goes on the wire as it is), long enough for the copy to matter, one frame, a
    /// transport that writes vectored, and small enough to be queued whole should the
    /// transport not take it at once.
    #[inline]
    fn direct<W: AsyncWrite>(&self, io: &W, len: usize) -> bool {
        len >= DIRECT_WRITE_MIN
            && self.writer.role() == Role::Server
            && len <= self.writer.fragment_size()
            && self.writer.encoded_len(len) <= self.cap.max(self.buf.len()) - (self.end - self.start)
            && io.is_write_vectored()
    }

    /// Send a one-frame message without copying its payload: whatever is queued, the
    /// header and the caller's payload in vectored writes for as long as the transport
    /// takes them. When it would block (or fails), the rest of the frame is copied into
    /// the buffer, so the state is then exactly that of a message queued by
    /// [`queue_message`](Self::queue_message): a dropped send still gets the message
    /// out whole with the next flush, never half of it.
    async fn send_direct<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        opcode: OpCode,
        payload: &[u8],
    ) -> Result<(), WsError> {
        let Some(frame) = self.writer.fragments(opcode, payload)?.next() else {
            // `fragments` yields at least one frame; nothing to write otherwise.
            return Ok(());
        };
        debug_assert!(frame.mask().is_none() && frame.payload().len() == payload.len());
        let mut direct = true;
        Ok(std::future::poll_fn(|cx| {
            if std::mem::take(&mut direct) {
                ready!(self.poll_write_direct(io, cx, frame.header(), payload))?;
            }
            self.poll_flush(io, cx)
        })
        .await?)
    }

    /// The writes of [`send_direct`](Self::send_direct). `Ready(Ok)`: queued bytes,
    /// header and payload are all written. `Pending` or `Ready(Err)`: what was not
    /// written is queued in the buffer.
    fn poll_write_direct<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
        header: &[u8],
        payload: &[u8],
    ) -> Poll<io::Result<()>> {
        let queued = self.end - self.start;
        let total = queued + header.len() + payload.len();
        let mut written = 0;
        let stopped = loop {
            let mut slices =
                [IoSlice::new(&self.buf[self.start..self.end]), IoSlice::new(header), IoSlice::new(payload)];
            let mut rest = &mut slices[..];
            IoSlice::advance_slices(&mut rest, written);
            match Pin::new(&mut *io).poll_write_vectored(cx, rest) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    written += n;
                    if written == total {
                        self.start = 0;
                        self.end = 0;
                        return Poll::Ready(Ok(()));
                    }
                }
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
        };
        // Queue the unwritten rest of the frame behind the unwritten rest of the queue.
        let skip = if written < queued {
            self.start += written;
            0
        } else {
            self.start = 0;
            self.end = 0;
            written - queued
        };
        let (header, payload) = if skip < header.len() {
            (&header[skip..], payload)
        } else {
            (&header[..0], &payload[skip - header.len()..])
        };
        let n = header.len() + payload.len();
        let room = self.room(n);
        room[..header.len()].copy_from_slice(header);
        room[header.len()..n].copy_from_slice(payload);
        self.end += n;
        stopped
    }

    /// Send a message larger than the buffer's free capacity, frame by frame.
    async fn send_streamed<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        opcode: OpCode,
        payload: &[u8],
    ) -> Result<(), WsError> {
        self.state.frame_started();
        if self.writer.role() == Role::Client && self.buf.len() < self.cap {
            // Masked payloads are streamed through the buffer: use all of it.
            self.grow(self.cap);
        }
        let Self { writer, buf, start, end, .. } = self;
        for frame in writer.fragments(opcode, payload)? {
            if frame.mask().is_none() {
                let mut slices =
                    [IoSlice::new(&buf[*start..*end]), IoSlice::new(frame.header()), IoSlice::new(frame.payload())];
                write_all_vectored(io, &mut slices).await?;
                *start = 0;
                *end = 0;
                continue;
            }
            if buf.len() - *end < MAX_HEADER_LEN {
                write_all(io, &buf[*start..*end]).await?;
                *start = 0;
                *end = 0;
            }
            let header = frame.header();
            buf[*end..*end + header.len()].copy_from_slice(header);
            *end += header.len();
            let len = frame.payload().len();
            let mut from = 0;
            while from < len {
                if *end == buf.len() {
                    write_all(io, &buf[*start..*end]).await?;
                    *start = 0;
                    *end = 0;
                }
                let take = (buf.len() - *end).min(len - from);
                frame.write_payload(from, &mut buf[*end..*end + take]);
                *end += take;
                from += take;
            }
        }
        self.flush(io).await?;
        self.state.frame_done();
        Ok(())
    }
}

async fn write_all<W: AsyncWrite + Unpin>(io: &mut W, bytes: &[u8]) -> io::Result<()> {
    io.write_all(bytes).await
}

async fn write_all_vectored<W: AsyncWrite + Unpin>(io: &mut W, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        let n = io.write_vectored(slices).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, n);
    }
    Ok(())
}

/// What [`ReadSide::step`] found.
pub(crate) enum Step {
    /// A message for the application is pending in the reader.
    Message,
    /// More bytes are needed.
    NeedRead,
    /// A reply, a control message to hand out, or a failure was recorded: loop.
    Recorded,
}

/// The read half of the state.
pub(crate) struct ReadSide {
    pub reader: FrameReader<Vec<u8>>,
    /// A control frame to send before anything else is read.
    pub reply: Option<Reply>,
    /// A control message to return once the reply is flushed.
    pub ready: Option<Message<'static>>,
    /// An error to return once the Close it caused is flushed.
    pub failure: Option<WsError>,
    /// Nothing more will be read: `recv` returns `None`.
    pub finished: bool,
    /// What the messages read call for (replies, the peer's Close, keep-alive).
    inbound: Inbound,
    idle_timeout: Option<Duration>,
    /// When the idle timer fires next.
    idle_deadline: Option<Instant>,
    pub close_timeout: Duration,
    /// permessage-deflate, when negotiated.
    #[cfg(feature = "deflate")]
    inflate: Option<Box<crate::ws::deflate::ReadInflate>>,
}

impl ReadSide {
    pub fn new(
        role: Role,
        capacity: usize,
        limits: Limits,
        auto_pong: bool,
        idle_timeout: Option<Duration>,
        close_timeout: Duration,
    ) -> Self {
        let capacity = capacity.max(MIN_WRITE_BUFFER);
        Self {
            reader: FrameReader::new(role, vec![0; capacity], limits),
            reply: None,
            ready: None,
            failure: None,
            finished: false,
            inbound: Inbound::new(auto_pong),
            idle_timeout,
            idle_deadline: idle_timeout.map(|d| Instant::now() + d),
            close_timeout,
            #[cfg(feature = "deflate")]
            inflate: None,
        }
    }

    /// Accept compressed messages from now on (permessage-deflate was negotiated).
    #[cfg(feature = "deflate")]
    pub fn enable_deflate(&mut self, params: &nexus_net::ws::deflate::DeflateParams) {
        self.reader.set_compression(true);
        self.inflate = Some(Box::new(crate::ws::deflate::ReadInflate::new(self.reader.role(), params)));
    }

    /// The permessage-deflate parameters in force, if it was negotiated.
    #[cfg(feature = "deflate")]
    pub fn deflate_params(&self) -> Option<nexus_net::ws::deflate::DeflateParams> {
        self.inflate.as_ref().map(|i| i.params)
    }

    /// Whether anything but decoding is due: a reply to send, a message or an error
    /// to hand out, the end of the stream or of the close handshake. One test for the
    /// usual case (all clear) on every `recv`.
    #[inline]
    pub fn has_work(&self) -> bool {
        self.reply.is_some() || self.ready.is_some() || self.failure.is_some() || self.finished || self.close_received()
    }

    /// The peer's Close was received.
    #[inline]
    pub fn close_received(&self) -> bool {
        self.inbound.close_received()
    }

    /// The message the last [`step`](Self::step) completed (decompressed if it was
    /// compressed).
    #[inline]
    pub fn message(&self) -> Option<Message<'_>> {
        #[cfg(feature = "deflate")]
        if let Some(message) = self.inflate.as_ref().and_then(|i| i.message()) {
            return Some(message);
        }
        self.reader.message()
    }

    /// Inflate the message the reader just completed, if it is compressed.
    #[cfg(feature = "deflate")]
    fn inflate_step(&mut self) -> Result<(), ProtocolError> {
        let Some(inflate) = self.inflate.as_mut() else { return Ok(()) };
        match self.reader.compressed_message() {
            Some((opcode, payload)) => inflate.inflate(opcode, payload, self.reader.limits().max_message_size),
            None => Ok(()),
        }
    }

    /// Decode what is buffered, recording the replies the protocol calls for.
    #[inline]
    pub fn step(&mut self) -> Step {
        // Nothing buffered (the usual state after a message): read, without a call
        // into the codec that would only say so.
        if self.reader.is_idle() {
            return Step::NeedRead;
        }
        self.decode()
    }

    fn decode(&mut self) -> Step {
        #[cfg(feature = "deflate")]
        if let Some(inflate) = self.inflate.as_mut() {
            inflate.clear();
        }
        let advanced = self.reader.advance();
        #[cfg(feature = "deflate")]
        let advanced = match advanced {
            Ok(Progress::Message) => self.inflate_step().map(|()| Progress::Message),
            other => other,
        };
        match advanced {
            Ok(Progress::NeedMore) => Step::NeedRead,
            Ok(Progress::Message) => {
                let Some(message) = self.reader.message() else { return Step::Message };
                let Some(reply) = self.inbound.on_message(&message) else { return Step::Message };
                self.reply = Some(reply);
                // Control messages own their payload: kept until the reply is out.
                self.ready = match message {
                    Message::Ping(p) => Some(Message::Ping(p)),
                    Message::Close(frame) => {
                        ws_debug!(code = frame.code().as_u16(), reason = frame.reason(), "websocket close received");
                        Some(Message::Close(frame))
                    }
                    _ => None,
                };
                Step::Recorded
            }
            Err(error) => {
                let code = error.close_code();
                ws_warn!(%error, code = code.as_u16(), "websocket protocol error, failing the connection");
                self.reply = Some(Reply::Fail(error));
                self.failure = Some(WsError::Protocol { error, code });
                Step::Recorded
            }
        }
    }

    /// Read more bytes into the reader, minding the idle timeout. `Ok(false)` at EOF.
    pub async fn fill<R: AsyncRead + Unpin>(&mut self, io: &mut R) -> Result<bool, WsError> {
        let spare = self.reader.spare();
        let result = match self.idle_deadline {
            None => io.read(spare).await,
            Some(deadline) => match tokio::time::timeout_at(deadline, io.read(spare)).await {
                Ok(result) => result,
                Err(_) => {
                    self.idle_expired();
                    return Ok(true);
                }
            },
        };
        let n = match result {
            Ok(n) => n,
            // A TLS peer that closes without close_notify; at a frame boundary that
            // is no different from a TCP FIN.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => {
                self.finished = true;
                return Err(e.into());
            }
        };
        if n == 0 {
            self.finished = true;
            if !self.reader.is_idle() {
                return Err(WsError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-frame")));
            }
            ws_debug!("websocket peer closed the connection without a close frame");
            return Ok(false);
        }
        self.reader.commit(n);
        if let Some(d) = self.idle_timeout {
            self.idle_deadline = Some(Instant::now() + d);
            self.inbound.on_input();
        }
        Ok(true)
    }

    fn idle_expired(&mut self) {
        let Some(d) = self.idle_timeout else { return };
        match self.inbound.on_idle() {
            Some(ping) => {
                self.reply = Some(ping);
                self.idle_deadline = Some(Instant::now() + d);
            }
            None => {
                ws_warn!("websocket idle timeout: no answer to ping, failing the connection");
                self.finished = true;
                self.failure = Some(WsError::Timeout);
            }
        }
    }

    /// After the close handshake, wait (bounded) for the peer to close the
    /// transport, discarding anything it still sends.
    pub async fn drain<R: AsyncRead + Unpin>(&mut self, io: &mut R) {
        let deadline = Instant::now() + self.close_timeout;
        let _ = tokio::time::timeout_at(deadline, async {
            loop {
                match io.read(self.reader.spare()).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        self.finished = true;
    }
}

/// The write side as [`ReadSide::settle`] sees it: a whole stream's, or the shared
/// one of a split stream (behind the writer half's lock).
pub(crate) trait ReplyPath {
    /// The transport's read side.
    type Read: AsyncRead + Unpin;

    fn read_io(&mut self) -> &mut Self::Read;

    /// Bytes are queued to go out (a whole stream flushes them with its replies).
    fn has_pending(&self) -> bool;

    /// Queue `reply` (taking it out of the option) if it can go now, then flush.
    /// A reply left in place is tried again on the next call.
    async fn send_reply(&mut self, reply: &mut Option<Reply>) -> io::Result<()>;

    /// Shut the transport's write side down (once).
    async fn shutdown(&mut self);
}

/// What [`ReadSide::settle`] leaves the caller to do.
pub(crate) enum Settled {
    /// Decode on.
    Continue,
    /// Return this from `recv`.
    Return(Option<Message<'static>>),
}

impl ReadSide {
    /// Everything `recv` does besides decoding and reading, when
    /// [`has_work`](Self::has_work) (or bytes are queued): send the reply the last
    /// message called for, then hand out a control message or an error, or complete
    /// the close handshake. One copy for [`WsStream`](crate::ws::WsStream) and the
    /// reader half of a split one.
    pub async fn settle<P: ReplyPath>(&mut self, path: &mut P) -> Result<Settled, WsError> {
        if self.reply.is_some() || path.has_pending() {
            if let Err(e) = path.send_reply(&mut self.reply).await {
                // A peer that closed (or vanished) right after its Close still gets
                // its Close delivered; otherwise the write error ends the stream.
                if !self.close_received() && !self.finished && self.failure.is_none() {
                    self.finished = true;
                    return Err(e.into());
                }
            }
        }
        if self.failure.is_some() {
            // Taken only after the shutdown: a cancelled `recv` still reports it.
            self.finished = true;
            path.shutdown().await;
            if let Some(error) = self.failure.take() {
                return Err(error);
            }
        }
        if self.ready.is_some() {
            return Ok(Settled::Return(self.ready.take()));
        }
        if self.finished {
            return Ok(Settled::Return(None));
        }
        if self.close_received() {
            match self.reader.role() {
                Role::Server => {
                    path.shutdown().await;
                    self.finished = true;
                }
                Role::Client => self.drain(path.read_io()).await,
            }
            ws_debug!("websocket close handshake complete");
            return Ok(Settled::Return(None));
        }
        Ok(Settled::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode every frame in `wire` as the other end of `role` would, data messages
    /// as `(opcode, payload)`.
    fn decode(role: Role, wire: &[u8]) -> Vec<(OpCode, Vec<u8>)> {
        let peer = if role == Role::Client { Role::Server } else { Role::Client };
        let mut reader = FrameReader::new(peer, vec![0u8; 1024], Limits::default());
        let mut input = wire;
        let mut out = Vec::new();
        loop {
            match reader.advance().expect("valid frames") {
                Progress::Message => out.push(match reader.message().expect("a message") {
                    Message::Text(t) => (OpCode::Text, t.as_bytes().to_vec()),
                    Message::Binary(b) => (OpCode::Binary, b.to_vec()),
                    Message::Ping(p) => (OpCode::Ping, p.to_vec()),
                    Message::Pong(p) => (OpCode::Pong, p.to_vec()),
                    Message::Close(_) => (OpCode::Close, Vec::new()),
                }),
                Progress::NeedMore if input.is_empty() => return out,
                Progress::NeedMore => {
                    let spare = reader.spare();
                    let n = spare.len().min(input.len());
                    spare[..n].copy_from_slice(&input[..n]);
                    reader.commit(n);
                    input = &input[n..];
                }
            }
        }
    }

    fn payload(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    #[tokio::test]
    async fn write_buffer_is_allocated_on_first_use() {
        for role in [Role::Client, Role::Server] {
            let mut wr = WriteSide::new(role, 64 << 10);
            assert_eq!(wr.buf.len(), 0, "an idle connection holds no write buffer");
            let mut wire = Vec::new();
            let msg = payload(40, 1);
            wr.send_message(&mut wire, OpCode::Binary, &msg).await.unwrap();
            assert_eq!(wr.buf.len(), INITIAL_WRITE_BUFFER, "a small send allocates a small buffer");
            assert_eq!(decode(role, &wire), vec![(OpCode::Binary, msg)]);
        }
    }

    #[tokio::test]
    async fn first_send_larger_than_the_buffer_is_streamed() {
        for role in [Role::Client, Role::Server] {
            for len in [MIN_WRITE_BUFFER, 10_000, 200_000] {
                let mut wr = WriteSide::new(role, MIN_WRITE_BUFFER);
                let mut wire = Vec::new();
                let msg = payload(len, 2);
                wr.send_message(&mut wire, OpCode::Binary, &msg).await.unwrap();
                assert!(!wr.poisoned() && !wr.has_pending());
                assert!(wr.buf.len() <= MIN_WRITE_BUFFER, "{role:?} {len}: {}", wr.buf.len());
                assert_eq!(decode(role, &wire), vec![(OpCode::Binary, msg)], "{role:?} {len}");
            }
        }
    }

    #[tokio::test]
    async fn sends_after_growth_keep_frames_whole_and_ordered() {
        for role in [Role::Client, Role::Server] {
            let cap = 4096;
            let mut wr = WriteSide::new(role, cap);
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            // Growing, at the capacity, beyond it (streamed), shrinking, with control
            // frames queued in between.
            for (i, len) in [10, 600, 1500, 4000, cap - 8, cap, 9000, 3, 70_000, 200, 0].into_iter().enumerate() {
                let msg = payload(len, i as u8);
                let opcode = if i % 2 == 0 { OpCode::Binary } else { OpCode::Text };
                let msg = if opcode == OpCode::Text { vec![b'a' + (i as u8); len] } else { msg };
                wr.send_message(&mut wire, opcode, &msg).await.unwrap();
                expected.push((opcode, msg));
                assert!(wr.buf.len() <= cap, "{role:?} {len}: {}", wr.buf.len());
                if i % 3 == 0 {
                    wr.queue_control(OpCode::Pong, b"pong").unwrap();
                    expected.push((OpCode::Pong, b"pong".to_vec()));
                }
            }
            wr.flush(&mut wire).await.unwrap();
            assert_eq!(decode(role, &wire), expected, "{role:?}");
        }
    }

    #[tokio::test]
    async fn handshake_scratch_then_send() {
        let mut wr = WriteSide::new(Role::Client, 64 << 10);
        let scratch = wr.scratch();
        assert!(scratch.len() >= INITIAL_WRITE_BUFFER);
        scratch[..4].copy_from_slice(b"GET ");
        wr.queue_raw(4);
        let mut wire = Vec::new();
        let msg = payload(3000, 7);
        wr.send_message(&mut wire, OpCode::Binary, &msg).await.unwrap();
        assert_eq!(&wire[..4], b"GET ");
        assert_eq!(decode(Role::Client, &wire[4..]), vec![(OpCode::Binary, msg)]);
    }

    /// A transport that takes 1 to 7 bytes per write (vectored or not) and, every
    /// `pending_every` writes, returns `Pending` once (waking the task at once).
    struct Trickle {
        wire: Vec<u8>,
        vectored: bool,
        pending_every: usize,
        writes: usize,
        vectored_writes: usize,
        pending_next: bool,
    }

    impl Trickle {
        fn new(vectored: bool, pending_every: usize) -> Self {
            Self { wire: Vec::new(), vectored, pending_every, writes: 0, vectored_writes: 0, pending_next: false }
        }

        fn take(&mut self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
            if self.pending_next {
                self.pending_next = false;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.writes += 1;
            self.pending_next = self.writes.is_multiple_of(self.pending_every);
            let mut budget = 1 + self.writes % 7;
            let mut n = 0;
            for buf in bufs {
                let take = budget.min(buf.len());
                self.wire.extend_from_slice(&buf[..take]);
                n += take;
                budget -= take;
                if budget == 0 {
                    break;
                }
            }
            Poll::Ready(Ok(n))
        }
    }

    impl AsyncWrite for Trickle {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.get_mut().take(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            this.vectored_writes += 1;
            this.take(cx, bufs)
        }

        fn is_write_vectored(&self) -> bool {
            self.vectored
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn direct_writes_survive_short_writes_and_pending_behind_a_queued_pong() {
        for pending_every in [1, 2, 5, 1000, usize::MAX] {
            for len in [DIRECT_WRITE_MIN, DIRECT_WRITE_MIN + 3000, 70_000] {
                let mut wr = WriteSide::new(Role::Server, 64 << 10);
                let mut io = Trickle::new(true, pending_every);
                let first = payload(len, 3);
                let second = payload(len + 1, 4);
                wr.queue_control(OpCode::Pong, b"first").unwrap();
                wr.send_message(&mut io, OpCode::Binary, &first).await.unwrap();
                wr.send_message(&mut io, OpCode::Binary, &second).await.unwrap();
                assert!(!wr.poisoned() && !wr.has_pending());
                assert!(io.vectored_writes > 0, "{pending_every} {len}: the direct path was taken");
                let expected =
                    vec![(OpCode::Pong, b"first".to_vec()), (OpCode::Binary, first), (OpCode::Binary, second)];
                assert_eq!(decode(Role::Server, &io.wire), expected, "{pending_every} {len}");
            }
        }
    }

    #[tokio::test]
    async fn dropped_direct_send_still_sends_the_whole_message() {
        use futures_util::FutureExt as _;
        // Pending after 1, 3, ... writes: in the queued pong, the header, the payload.
        for writes in [1, 2, 3, 4, 10, 500] {
            let mut wr = WriteSide::new(Role::Server, 64 << 10);
            let mut io = Trickle::new(true, writes);
            let msg = payload(DIRECT_WRITE_MIN + 1000, 5);
            wr.queue_control(OpCode::Pong, b"ahead").unwrap();
            // One poll, which writes part of the frame and meets `Pending`; then dropped.
            assert!(wr.send_message(&mut io, OpCode::Binary, &msg).now_or_never().is_none(), "{writes}");
            assert!(!io.wire.is_empty() && io.vectored_writes > 0, "{writes}");
            assert!(!wr.poisoned() && wr.has_pending(), "{writes}: the rest is queued, nothing is lost");
            // The next send gets the rest out first.
            wr.send_message(&mut io, OpCode::Text, b"after").await.unwrap();
            let expected =
                vec![(OpCode::Pong, b"ahead".to_vec()), (OpCode::Binary, msg), (OpCode::Text, b"after".to_vec())];
            assert_eq!(decode(Role::Server, &io.wire), expected, "{writes}");
        }
    }

    #[tokio::test]
    async fn direct_path_only_where_it_applies() {
        let msg = payload(DIRECT_WRITE_MIN + 1000, 6);
        // Not vectored (TLS-like): copied, written with plain writes.
        let mut wr = WriteSide::new(Role::Server, 64 << 10);
        let mut io = Trickle::new(false, 3);
        wr.send_message(&mut io, OpCode::Binary, &msg).await.unwrap();
        assert_eq!(io.vectored_writes, 0);
        assert_eq!(decode(Role::Server, &io.wire), vec![(OpCode::Binary, msg.clone())]);
        // Client role: masked through the buffer.
        let mut wr = WriteSide::new(Role::Client, 64 << 10);
        let mut io = Trickle::new(true, 3);
        wr.send_message(&mut io, OpCode::Binary, &msg).await.unwrap();
        assert_eq!(io.vectored_writes, 0);
        assert_eq!(decode(Role::Client, &io.wire), vec![(OpCode::Binary, msg.clone())]);
        // Short payload: copied.
        let mut wr = WriteSide::new(Role::Server, 64 << 10);
        let mut io = Trickle::new(true, 3);
        wr.send_message(&mut io, OpCode::Binary, &msg[..DIRECT_WRITE_MIN - 1]).await.unwrap();
        assert_eq!(io.vectored_writes, 0);
        assert_eq!(decode(Role::Server, &io.wire), vec![(OpCode::Binary, msg[..DIRECT_WRITE_MIN - 1].to_vec())]);
    }

    #[tokio::test]
    async fn dropped_streamed_send_poisons() {
        use futures_util::FutureExt as _;
        for role in [Role::Client, Role::Server] {
            let mut wr = WriteSide::new(role, 4096);
            let mut io = Trickle::new(true, 4);
            let msg = payload(50_000, 7);
            assert!(wr.send_message(&mut io, OpCode::Binary, &msg).now_or_never().is_none());
            assert!(wr.poisoned(), "{role:?}");
            assert!(matches!(wr.send_message(&mut io, OpCode::Binary, b"x").await, Err(WsError::Poisoned)));
        }
    }
}
