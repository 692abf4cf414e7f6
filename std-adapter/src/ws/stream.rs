//! [`WsStream`]: one WebSocket connection, either role, over any tokio transport.

use nexus_net::ws::{CloseCode, Message, OpCode, Role};
use tokio::io::{AsyncRead, AsyncWrite};

use super::split::{self, WsReader, WsWriter};
use super::WsError;
use crate::connect::MaybeTlsStream;
use crate::io::{ReadSide, Reply, ReplyPath, Settled, Step, WriteSide};

/// A WebSocket connection over the transport `S`: a [`MaybeTlsStream`] for
/// connections made by [`connect`](super::WsStreamBuilder::connect) (the default, so
/// `WsStream` names it), or whatever stream was given to
/// [`accept`](super::WsStreamBuilder::accept) or
/// [`connect_with`](super::WsStreamBuilder::connect_with).
///
/// # Receiving
/// [`recv`](Self::recv) returns the next message, borrowing text and binary payloads
/// from the read buffer (no copy). Control messages own their payload, so
/// `Some(Message::Ping(data)) => ws.send_pong(data).await?` compiles.
///
/// # The close handshake
/// - When the peer's Close arrives, `recv` answers it (echoing its code) before
///   handing it out as [`Message::Close`]; the next `recv` completes the closing
///   (a server shuts its write side down, a client waits, at most `close_timeout`,
///   for the server to close the transport) and returns `None`. A
///   [`close`](Self::close) after that just returns `Ok(())`.
/// - After [`close`](Self::close), keep calling `recv`: it returns what the peer still
///   sends, then its Close, then `None`.
/// - A protocol violation by the peer is answered with a Close carrying the right code
///   (1002, 1007 for bad UTF-8, 1009 for an oversize message), the transport is shut,
///   and `recv` returns [`WsError::Protocol`] with that code; then `None`.
/// - EOF without a Close: `None` (or [`WsError::Io`] when a frame was cut short).
///
/// # Cancellation
/// `recv` is cancel-safe: dropping its future (a `tokio::select!` branch that lost)
/// loses no data, and replies it had queued (automatic pong, close reply) go out with
/// the next call. A send of a message that fits the write buffer is also safe to drop:
/// the message, already encoded, goes out whole with the next call. Dropping the
/// send of a larger message part way poisons the stream ([`WsError::Poisoned`]).
pub struct WsStream<S = MaybeTlsStream> {
    io: S,
    rd: ReadSide,
    wr: WriteSide,
    subprotocol: Option<String>,
}

impl<S> WsStream<S> {
    pub(crate) fn from_parts(io: S, rd: ReadSide, mut wr: WriteSide, subprotocol: Option<String>) -> Self {
        // The handshake head is sent: an idle connection keeps no write buffer.
        wr.release_idle();
        Self { io, rd, wr, subprotocol }
    }

    /// Which end of the connection this is.
    pub fn role(&self) -> Role {
        self.wr.role()
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The permessage-deflate parameters agreed in the handshake; `None` when it
    /// was not offered or the peer declined (see
    /// [`WsStreamBuilder::deflate`](super::WsStreamBuilder::deflate)).
    #[cfg(feature = "deflate")]
    pub fn deflate_params(&self) -> Option<nexus_net::ws::deflate::DeflateParams> {
        self.rd.deflate_params()
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// The transport, mutably. Reading or writing it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.io
    }

    /// Whether the close handshake has begun (a Close was sent or received) or the
    /// connection has ended.
    pub fn is_closed(&self) -> bool {
        self.wr.close_sent() || self.rd.close_received() || self.rd.finished
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsStream<S> {
    /// The next message; `None` once the close handshake is complete or the peer
    /// closed the transport.
    ///
    /// Text and binary payloads borrow the stream's read buffer until the next call.
    /// Pings are returned to the application (answer them with
    /// [`send_pong`](Self::send_pong), or turn on
    /// [`auto_pong`](super::WsStreamBuilder::auto_pong)).
    ///
    /// Cancel-safe (see the type's documentation).
    ///
    /// # Errors
    /// [`WsError::Protocol`] when the peer broke the protocol (the Close with the code
    /// was sent), [`WsError::Io`], [`WsError::Timeout`] from the idle timeout.
    pub async fn recv(&mut self) -> Result<Option<Message<'_>>, WsError> {
        loop {
            // Usually nothing to answer, report or finish: straight to decoding.
            if self.rd.has_work() || self.wr.has_pending() {
                let mut path = Whole { io: &mut self.io, wr: &mut self.wr };
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

    /// Queue what the read side wants sent; when a send can't start, still get the
    /// queued bytes (a close reply) out before reporting why.
    async fn prepare_send(&mut self) -> Result<(), WsError> {
        if self.rd.reply.is_some() {
            if let Some(reply) = self.rd.reply.take() {
                self.wr.queue_reply(reply);
            }
        }
        if let Err(e) = self.wr.check_open() {
            if self.wr.has_pending() && !self.wr.poisoned() {
                let _ = self.wr.flush(&mut self.io).await;
            }
            return Err(e);
        }
        Ok(())
    }

    /// Send a text message.
    ///
    /// Any size: a message larger than the write buffer is streamed, never refused.
    ///
    /// # Errors
    /// [`WsError::Closed`] after the close handshake began, [`WsError::Io`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), WsError> {
        self.send_data(OpCode::Text, text.as_bytes()).await
    }

    /// Send a binary message. As [`send_text`](Self::send_text).
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), WsError> {
        self.send_data(OpCode::Binary, data).await
    }

    async fn send_data(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        // Nothing to answer first and open: straight to the write (no extra future).
        if self.rd.reply.is_some() || self.wr.check_open().is_err() {
            self.prepare_send().await?;
        }
        self.wr.send_message(&mut self.io, opcode, payload).await
    }

    /// Send a ping (payload at most 125 bytes).
    ///
    /// # Errors
    /// [`WsError::Encode`] for a payload over 125 bytes, else as
    /// [`send_text`](Self::send_text).
    pub async fn send_ping(&mut self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.send_control(OpCode::Ping, payload.as_ref()).await
    }

    /// Send a pong (payload at most 125 bytes), normally the payload of a ping:
    /// `Message::Ping(data) => ws.send_pong(data).await?`.
    ///
    /// # Errors
    /// As [`send_ping`](Self::send_ping).
    pub async fn send_pong(&mut self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.send_control(OpCode::Pong, payload.as_ref()).await
    }

    async fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        self.prepare_send().await?;
        self.wr.queue_control(opcode, payload)?;
        Ok(self.wr.flush(&mut self.io).await?)
    }

    /// Send any message: text, binary, ping, pong, or close (as [`close`](Self::close)).
    pub async fn send(&mut self, message: Message<'_>) -> Result<(), WsError> {
        match message {
            Message::Text(text) => self.send_data(OpCode::Text, text.as_bytes()).await,
            Message::Binary(data) => self.send_data(OpCode::Binary, data).await,
            Message::Ping(p) => self.send_ping(p).await,
            Message::Pong(p) => self.send_pong(p).await,
            Message::Close(frame) => self.close(frame.code(), frame.reason()).await,
        }
    }

    /// Start (or complete) the close handshake: send a Close with `code` and `reason`
    /// (at most 123 bytes; [`CloseCode::NoStatus`] with an empty reason sends an empty
    /// Close). Then keep calling [`recv`](Self::recv) until `None` to read the peer's
    /// answer.
    ///
    /// After the peer's Close was received (and so already answered), this only
    /// completes the closing and returns `Ok(())`. A second `close` is also `Ok(())`.
    ///
    /// # Errors
    /// [`WsError::Encode`] for a code that may not be sent (1005 with a reason, 1006,
    /// 1015, reserved ranges) or a reason too long; [`WsError::Closed`] when the
    /// connection already ended without a close handshake; [`WsError::Poisoned`];
    /// [`WsError::Io`].
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        if let Some(reply) = self.rd.reply.take() {
            self.wr.queue_reply(reply);
        }
        if !self.wr.close_sent() && !self.wr.poisoned() && self.rd.finished {
            return Err(WsError::Closed);
        }
        self.wr.close(&mut self.io, code, reason, self.rd.close_received()).await
    }

    /// Split into a reader half and a writer half, to receive and send from different
    /// tasks, or to echo a received message without copying it
    /// (`writer.send(message)` while `message` borrows the reader).
    ///
    /// The reader half still answers the peer's Close (and pings, with `auto_pong`)
    /// through the writer half's lock.
    ///
    /// A plain TCP transport ([`TcpStream`](tokio::net::TcpStream), or a
    /// [`MaybeTlsStream::Plain`]) is split into tokio's owned halves, so reads and
    /// writes take no lock; other transports (TLS) share one through
    /// `tokio::io::split`.
    pub fn split(self) -> (WsReader<S>, WsWriter<S>)
    where
        S: 'static,
    {
        split::split(self.io, self.rd, self.wr, self.subprotocol)
    }
}

/// A whole stream's write side, for [`ReadSide::settle`].
struct Whole<'a, S> {
    io: &'a mut S,
    wr: &'a mut WriteSide,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReplyPath for Whole<'_, S> {
    type Read = S;

    fn read_io(&mut self) -> &mut S {
        self.io
    }

    fn has_pending(&self) -> bool {
        self.wr.has_pending()
    }

    async fn send_reply(&mut self, reply: &mut Option<Reply>) -> std::io::Result<()> {
        if let Some(reply) = reply.take() {
            self.wr.queue_reply(reply);
        }
        if self.wr.has_pending() {
            if let Err(e) = self.wr.flush(self.io).await {
                self.wr.discard();
                return Err(e);
            }
        }
        Ok(())
    }

    async fn shutdown(&mut self) {
        let _ = self.wr.shutdown(self.io).await;
    }
}

impl<S> std::fmt::Debug for WsStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsStream")
            .field("role", &self.wr.role())
            .field("subprotocol", &self.subprotocol)
            .field("close_sent", &self.wr.close_sent())
            .field("close_received", &self.rd.close_received())
            .field("finished", &self.rd.finished)
            .finish_non_exhaustive()
    }
}
