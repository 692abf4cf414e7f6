//! The two halves of a split [`WsStream`](super::WsStream), and owned messages for
//! the futures `Stream`/`Sink` adapters.

use std::any::Any;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use nexus_net::ws::{CloseCode, CloseFrame, ControlPayload, Message, OpCode, Role};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::lock::{WriteGuard, WriteLock};
use super::WsError;
use crate::connect::MaybeTlsStream;
use crate::io::{ReadSide, Reply, ReplyPath, Settled, Step, WriteSide};

/// The `futures` [`Stream`] of [`WsReader::into_stream`].
pub type MessageStream = Pin<Box<dyn Stream<Item = Result<OwnedMessage, WsError>> + Send>>;

/// The `futures` [`Sink`] of [`WsWriter::into_sink`].
pub type MessageSink = Pin<Box<dyn Sink<OwnedMessage, Error = WsError> + Send>>;

/// The transport's read half. A plain TCP stream (a [`TcpStream`], or a
/// [`MaybeTlsStream::Plain`]) splits into tokio's owned halves, which read and write
/// without a lock; any other transport (TLS, whose session both directions share)
/// goes through `tokio::io::split`, which takes a lock per operation.
enum ReadIo<S> {
    Tcp(OwnedReadHalf),
    Locked(ReadHalf<S>),
}

/// The transport's write half; see [`ReadIo`].
enum WriteIo<S> {
    Tcp(OwnedWriteHalf),
    Locked(WriteHalf<S>),
}

/// Split the transport, without a lock when it is plain TCP.
fn split_io<S: AsyncRead + AsyncWrite + 'static>(io: S) -> (ReadIo<S>, WriteIo<S>) {
    let mut slot = Some(io);
    let any: &mut dyn Any = &mut slot;
    let tcp = if let Some(tcp) = any.downcast_mut::<Option<TcpStream>>() {
        tcp.take()
    } else if let Some(stream) = any.downcast_mut::<Option<MaybeTlsStream>>() {
        match stream.take() {
            Some(MaybeTlsStream::Plain(tcp)) => Some(tcp),
            other => {
                *stream = other;
                None
            }
        }
    } else {
        None
    };
    if let Some(tcp) = tcp {
        let (read, write) = tcp.into_split();
        return (ReadIo::Tcp(read), WriteIo::Tcp(write));
    }
    let io = slot.expect("the stream is still in its slot unless it was plain TCP");
    let (read, write) = tokio::io::split(io);
    (ReadIo::Locked(read), WriteIo::Locked(write))
}

impl<S: AsyncRead> AsyncRead for ReadIo<S> {
    #[inline]
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Self::Locked(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl<S: AsyncWrite> AsyncWrite for WriteIo<S> {
    #[inline]
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Self::Locked(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_flush(cx),
            Self::Locked(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Self::Locked(io) => Pin::new(io).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Self::Locked(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(io) => io.is_write_vectored(),
            Self::Locked(io) => io.is_write_vectored(),
        }
    }
}

struct Shared<S> {
    /// Dropped only with the last half (the reader half holds it too), so the owned
    /// TCP write half's shutdown-on-drop never cuts a connection still in use.
    io: WriteIo<S>,
    wr: WriteSide,
    /// The peer's Close was received (by the reader half).
    close_received: bool,
}

pub(super) fn split<S: AsyncRead + AsyncWrite + 'static>(
    io: S,
    rd: ReadSide,
    wr: WriteSide,
    subprotocol: Option<String>,
) -> (WsReader<S>, WsWriter<S>) {
    let role = wr.role();
    let (read, write) = split_io(io);
    let shared = Arc::new(WriteLock::new(Shared { io: write, wr, close_received: rd.close_received() }));
    let reader = WsReader { io: read, rd, writer: shared.clone(), role, subprotocol };
    (reader, WsWriter { shared })
}

/// The receiving half of a split [`WsStream`](super::WsStream).
///
/// [`recv`](Self::recv) behaves as [`WsStream::recv`](super::WsStream::recv): it
/// answers the peer's Close and failed frames itself, through the writer half.
pub struct WsReader<S = MaybeTlsStream> {
    io: ReadIo<S>,
    rd: ReadSide,
    writer: Arc<WriteLock<Shared<S>>>,
    role: Role,
    subprotocol: Option<String>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsReader<S> {
    /// The next message; `None` at the end. As
    /// [`WsStream::recv`](super::WsStream::recv), cancel-safe as well.
    pub async fn recv(&mut self) -> Result<Option<Message<'_>>, WsError> {
        loop {
            // Usually nothing to answer, report or finish: straight to decoding.
            if self.rd.has_work() {
                let mut path = Locked { io: &mut self.io, writer: &self.writer };
                if let Settled::Return(message) = self.rd.settle(&mut path).await? {
                    return Ok(message);
                }
            }
            match self.rd.step() {
                Step::Message => break,
                Step::Recorded => {}
                Step::NeedRead => {
                    if !self.rd.fill(&mut self.io).await? {
                        return Ok(None);
                    }
                }
            }
        }
        Ok(self.rd.message())
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The permessage-deflate parameters agreed in the handshake, if any.
    #[cfg(feature = "deflate")]
    pub fn deflate_params(&self) -> Option<nexus_net::ws::deflate::DeflateParams> {
        self.rd.deflate_params()
    }

    /// A `futures` [`Stream`] of owned messages (each one copied out of the read
    /// buffer). Ends after the close handshake or at EOF; an error is its last item.
    ///
    /// Boxed once (so it is `Unpin` and nameable); no allocation per item beyond the
    /// owned copy.
    pub fn into_stream(self) -> MessageStream
    where
        S: Send + 'static,
    {
        Box::pin(futures_util::stream::unfold(Some(self), |state| async move {
            let mut reader = state?;
            let item = match reader.recv().await {
                Ok(Some(message)) => Ok(OwnedMessage::from(message)),
                Ok(None) => return None,
                Err(e) => Err(e),
            };
            let next = if item.is_ok() { Some(reader) } else { None };
            Some((item, next))
        }))
    }
}

/// The reader half's way to the shared write side, for [`ReadSide::settle`].
struct Locked<'a, S> {
    io: &'a mut ReadIo<S>,
    writer: &'a WriteLock<Shared<S>>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReplyPath for Locked<'_, S> {
    type Read = ReadIo<S>;

    fn read_io(&mut self) -> &mut ReadIo<S> {
        self.io
    }

    fn has_pending(&self) -> bool {
        // The writer half flushes what it queues.
        false
    }

    async fn send_reply(&mut self, reply: &mut Option<Reply>) -> io::Result<()> {
        let Some(next) = *reply else { return Ok(()) };
        // A Close (reply or failure) must go out: wait for the writer half. A pong or
        // keep-alive ping must not block reading while the writer half is busy (both
        // peers blocked on writes would deadlock): it is retried at the next call,
        // and only the latest ping's pong is kept (RFC 6455 section 5.5.3 allows that).
        let shared = if next.is_close() { Some(self.writer.lock().await) } else { self.writer.try_lock() };
        let Some(mut shared) = shared else { return Ok(()) };
        shared.wr.queue_reply(next);
        if matches!(next, Reply::Close(_)) {
            shared.close_received = true;
        }
        *reply = None;
        let Shared { io, wr, .. } = &mut *shared;
        if !wr.poisoned() {
            if let Err(e) = wr.flush(io).await {
                wr.discard();
                return Err(e);
            }
        }
        Ok(())
    }

    async fn shutdown(&mut self) {
        let mut shared = self.writer.lock().await;
        let Shared { io, wr, .. } = &mut *shared;
        let _ = wr.shutdown(io).await;
    }
}

impl<S> std::fmt::Debug for WsReader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsReader").field("role", &self.role).finish_non_exhaustive()
    }
}

/// The sending half of a split [`WsStream`](super::WsStream). Cheap to clone: clones
/// share the connection (each send takes a lock, so messages never interleave).
pub struct WsWriter<S = MaybeTlsStream> {
    shared: Arc<WriteLock<Shared<S>>>,
}

impl<S> Clone for WsWriter<S> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone() }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsWriter<S> {
    /// Send a text message. As [`WsStream::send_text`](super::WsStream::send_text).
    pub async fn send_text(&self, text: &str) -> Result<(), WsError> {
        self.send_data(OpCode::Text, text.as_bytes()).await
    }

    /// Send a binary message. As [`WsStream::send_binary`](super::WsStream::send_binary).
    pub async fn send_binary(&self, data: &[u8]) -> Result<(), WsError> {
        self.send_data(OpCode::Binary, data).await
    }

    /// Send a ping. As [`WsStream::send_ping`](super::WsStream::send_ping).
    pub async fn send_ping(&self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.send_control(OpCode::Ping, payload.as_ref()).await
    }

    /// Send a pong. As [`WsStream::send_pong`](super::WsStream::send_pong).
    pub async fn send_pong(&self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.send_control(OpCode::Pong, payload.as_ref()).await
    }

    /// Send any message (a borrowed one from the reader half: zero-copy echo).
    pub async fn send(&self, message: Message<'_>) -> Result<(), WsError> {
        let (opcode, payload) = match message {
            Message::Text(text) => (OpCode::Text, text.as_bytes()),
            Message::Binary(data) => (OpCode::Binary, data),
            Message::Ping(p) => return self.send_control(OpCode::Ping, &p).await,
            Message::Pong(p) => return self.send_control(OpCode::Pong, &p).await,
            Message::Close(frame) => return self.close(frame.code(), frame.reason()).await,
        };
        // `send_data` inlined: the echo's path, without a nested future to build.
        let mut shared = match self.shared.try_lock() {
            Some(guard) => guard,
            None => self.shared.lock().await,
        };
        let Shared { io, wr, .. } = &mut *shared;
        wr.send_message(io, opcode, payload).await
    }

    /// Send a Close. As [`WsStream::close`](super::WsStream::close); keep receiving on
    /// the reader half until `None` to complete the handshake.
    pub async fn close(&self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        let mut shared = self.lock().await;
        let Shared { io, wr, close_received } = &mut *shared;
        wr.close(io, code, reason, *close_received).await
    }

    /// The writer's lock: taken at once when free (the usual case: no other send in
    /// flight), else waited for in turn (see `WriteLock`).
    async fn lock(&self) -> WriteGuard<'_, Shared<S>> {
        match self.shared.try_lock() {
            Some(guard) => guard,
            None => self.shared.lock().await,
        }
    }

    async fn send_data(&self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        // `lock` inlined: one future less on every send.
        let mut shared = match self.shared.try_lock() {
            Some(guard) => guard,
            None => self.shared.lock().await,
        };
        let Shared { io, wr, .. } = &mut *shared;
        wr.send_message(io, opcode, payload).await
    }

    async fn send_control(&self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        let mut shared = self.lock().await;
        let Shared { io, wr, .. } = &mut *shared;
        wr.check_open()?;
        wr.queue_control(opcode, payload)?;
        Ok(wr.flush(io).await?)
    }

    /// A `futures` [`Sink`] of owned messages. Sending [`OwnedMessage::Close`] starts
    /// the close handshake; closing the sink itself sends nothing.
    ///
    /// Boxed once (so it is `Unpin` and nameable).
    pub fn into_sink(self) -> MessageSink
    where
        S: Send + 'static,
    {
        Box::pin(futures_util::sink::unfold(self, |writer, message: OwnedMessage| async move {
            writer.send(message.as_message()).await?;
            Ok::<_, WsError>(writer)
        }))
    }
}

impl<S> std::fmt::Debug for WsWriter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsWriter").finish_non_exhaustive()
    }
}

/// A [`Message`] that owns its payload, for the `Stream`/`Sink` adapters and for
/// keeping a message past the next `recv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedMessage {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping.
    Ping(ControlPayload),
    /// A pong.
    Pong(ControlPayload),
    /// A close frame.
    Close(CloseFrame),
}

impl OwnedMessage {
    /// Borrow as a [`Message`].
    pub fn as_message(&self) -> Message<'_> {
        match self {
            Self::Text(s) => Message::Text(s),
            Self::Binary(b) => Message::Binary(b),
            Self::Ping(p) => Message::Ping(*p),
            Self::Pong(p) => Message::Pong(*p),
            Self::Close(c) => Message::Close(*c),
        }
    }
}

impl From<Message<'_>> for OwnedMessage {
    fn from(message: Message<'_>) -> Self {
        match message {
            Message::Text(s) => Self::Text(s.to_owned()),
            Message::Binary(b) => Self::Binary(b.to_vec()),
            Message::Ping(p) => Self::Ping(p),
            Message::Pong(p) => Self::Pong(p),
            Message::Close(c) => Self::Close(c),
        }
    }
}
