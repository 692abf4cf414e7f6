//! [`WsClient`]: a connected WebSocket, client role.

use embassy_time::{with_timeout, Duration};
use nexus_net::rand_core::RngCore;
use nexus_net::ws::session::{Control, Inbound, Outbound, Reply, REASON_ROOM};
use nexus_net::ws::{
    CloseCode, Fragments, FrameReader, FrameWriter, Message, OpCode, OutFrame, Progress, MAX_CONTROL_PAYLOAD,
    MAX_HEADER_LEN,
};

use super::WsError;
use crate::transport::{self, Transport};

/// A connected WebSocket client over transport `T`, masking with keys from `R`.
///
/// Made by [`WsClientBuilder`](super::WsClientBuilder). Reads into and writes from
/// the caller's buffers (lifetime `'b`); its own state is a few hundred bytes.
///
/// End it with [`close`](Self::close) (or read until `recv` returns `None`) before
/// dropping it: embassy-net sends no FIN for a socket that is merely dropped, so
/// the peer would see the connection hang instead of end.
///
/// ```no_run
/// # async fn run<T: nexus_embassy_net::Transport, R: nexus_net::rand_core::RngCore>(
/// #     mut ws: nexus_embassy_net::ws::WsClient<'_, T, R>,
/// # ) -> Result<(), nexus_embassy_net::ws::WsError> {
/// use nexus_net::ws::{CloseCode, Message};
///
/// ws.send_text(r#"{"op":"subscribe","args":["trades"]}"#).await?;
/// while let Some(message) = ws.recv().await? {
///     match message {
///         Message::Text(text) => { /* borrowed from the read buffer */ let _ = text; }
///         Message::Binary(data) => { let _ = data; }
///         Message::Ping(data) => ws.send_pong(data).await?,
///         Message::Pong(_) => {}
///         Message::Close(_) => {} // answered already; the next recv() returns None
///     }
/// }
/// ws.close(CloseCode::Normal, "bye").await?;
/// # Ok(()) }
/// ```
pub struct WsClient<'b, T, R> {
    pub(super) io: T,
    pub(super) reader: FrameReader<&'b mut [u8]>,
    pub(super) writer: FrameWriter<R>,
    pub(super) write_buf: &'b mut [u8],
    pub(super) read_timeout: Option<Duration>,
    pub(super) close_timeout: Duration,
    pub(super) subprotocol: Option<u8>,
    /// What the messages read call for (the core's rules, as for tokio).
    pub(super) inbound: Inbound,
    /// Whether our Close is out, or a send was abandoned half-way.
    pub(super) outbound: Outbound,
    /// The connection is over (closed, failed, or at end of stream).
    pub(super) finished: bool,
}

impl<'b, T: Transport, R: RngCore> WsClient<'b, T, R> {
    /// The next message; `None` once the close handshake is complete or the peer
    /// ended the stream.
    ///
    /// Text and binary messages borrow the read buffer until the next call. A Close
    /// from the peer is answered (echoing its code) before it is returned; the next
    /// call then finishes the closing (half-close, read to end of stream) and
    /// returns `None`. Pings are returned: answer with
    /// [`send_pong`](Self::send_pong), unless `auto_pong` is on (then they were
    /// answered already).
    ///
    /// # Errors
    /// [`WsError::Protocol`] when the peer broke the protocol or a size limit (a
    /// Close with the matching code was sent and the connection closed);
    /// [`WsError::Io`]; [`WsError::Timeout`] when the read timeout passed (the
    /// connection stays usable).
    ///
    /// Cancel-safe while it waits for data (in a `select` with a timer, say) when
    /// the transport's `read` is, as a `TcpSocket`'s is: bytes already read stay
    /// buffered for the next call. Cancelled while it writes an
    /// answer (a Close echo, an automatic pong), it poisons the connection.
    pub async fn recv(&mut self) -> Result<Option<Message<'_>>, WsError> {
        if self.next(self.read_timeout).await? {
            Ok(message(&self.reader))
        } else {
            Ok(None)
        }
    }

    /// Read until a message is ready in the reader (`true`) or the connection is over
    /// (`false`). Answers the peer's Close (and pings, with `auto_pong`) on the way;
    /// after both Closes, finishes the connection gracefully.
    ///
    /// Written with one await per kind of step (read, send a control frame, finish):
    /// every await point of an async fn is a state with its own code, so the
    /// decisions are made first and the awaits shared.
    async fn next(&mut self, timeout: Option<Duration>) -> Result<bool, WsError> {
        if self.finished {
            return Ok(false);
        }
        loop {
            let (reply, after) = if self.reader.is_closed() {
                // After the peer's Close nothing more is decoded (as in the tokio
                // adapter): what follows it is dropped while the connection finishes.
                (None, After::Finish(Ok(false)))
            } else {
                // The compact entry: no inlined copy of the reader's whole-frame fast path.
                match self.reader.advance_compact() {
                    Err(error) => {
                        // The peer broke the protocol: Close with the matching code, then close.
                        let code = error.close_code();
                        warn!("websocket protocol error: {}", error);
                        (Some(Reply::Fail(error)), After::Finish(Err(WsError::Protocol { error, code })))
                    }
                    Ok(Progress::Message) => match message(&self.reader).and_then(|m| self.inbound.on_message(&m)) {
                        // The peer's Close (echoed), or a Ping with auto_pong: answer, then deliver.
                        Some(reply) => (Some(reply), After::Deliver),
                        None => return Ok(true),
                    },
                    Ok(Progress::NeedMore) => {
                        let n = transport::read_some(&mut self.io, self.reader.spare(), timeout).await?;
                        if n > 0 {
                            self.reader.commit(n);
                            continue;
                        }
                        // The peer hung up without a Close: still end our side with a FIN.
                        debug!("websocket: end of stream");
                        (None, After::Finish(Ok(false)))
                    }
                }
            };
            if let Some(reply) = reply {
                // Nothing is sent after our Close (the core drops the reply then).
                let sent = self.send_control(Send::Reply(reply)).await;
                // After a protocol error the error to report is the peer's, sent or not.
                if !matches!(after, After::Finish(Err(_))) {
                    sent?;
                }
            }
            match after {
                After::Deliver => return Ok(true),
                After::Finish(result) => {
                    self.finish().await;
                    return result;
                }
            }
        }
    }

    /// Send a text message of any size: messages larger than the write buffer are
    /// streamed through it.
    ///
    /// Not cancel-safe: a send dropped half-way poisons the connection
    /// ([`WsError::Poisoned`] from then on).
    ///
    /// # Errors
    /// [`WsError::Closed`] after the close handshake began, [`WsError::Poisoned`],
    /// [`WsError::Io`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), WsError> {
        self.send_data(OpCode::Text, text.as_bytes()).await
    }

    /// Send a binary message of any size. As [`send_text`](Self::send_text).
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), WsError> {
        self.send_data(OpCode::Binary, data).await
    }

    /// Send a ping (payload at most 125 bytes).
    ///
    /// # Errors
    /// [`WsError::Encode`] for a payload over 125 bytes, else as
    /// [`send_text`](Self::send_text).
    pub async fn send_ping(&mut self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.check_open()?;
        self.send_control(Send::App(Control::Ping(payload.as_ref()))).await
    }

    /// Send a pong (payload at most 125 bytes), normally a ping's:
    /// `Message::Ping(data) => ws.send_pong(data).await?`.
    ///
    /// # Errors
    /// As [`send_ping`](Self::send_ping).
    pub async fn send_pong(&mut self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.check_open()?;
        self.send_control(Send::App(Control::Pong(payload.as_ref()))).await
    }

    /// Close the connection gracefully: send a Close with `code` and `reason` (at
    /// most 123 bytes; [`CloseCode::NoStatus`] with an empty reason sends an empty
    /// Close) unless one was sent, wait for the peer's Close (data messages that
    /// arrive meanwhile are dropped), then half-close the transport and read until
    /// the peer's end of stream. Each wait is bounded by the close timeout.
    ///
    /// Returns `Ok(())` also when the connection had already ended cleanly.
    ///
    /// # Errors
    /// [`WsError::Encode`] for a code that may not be sent or a reason too long
    /// (nothing was sent); [`WsError::Poisoned`] (the transport is half-closed
    /// without a Close frame); [`WsError::Io`]; [`WsError::Timeout`]
    /// when the peer's Close did not come in time (the transport was still
    /// half-closed, within a second close timeout).
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        if self.finished {
            return Ok(());
        }
        let result = if self.outbound.is_poisoned() {
            // A frame is cut short: no Close can follow it, but the peer still gets
            // our end of stream.
            Err(WsError::Poisoned)
        } else {
            if !self.outbound.close_sent() {
                self.send_control(Send::App(Control::Close(code, reason))).await?;
            }
            // Messages still in flight are dropped; the peer's Close ends the loop and
            // `next` then finishes the connection.
            let timeout = self.close_timeout;
            let drain = async {
                while self.next(None).await? {}
                Ok::<(), WsError>(())
            };
            match with_timeout(timeout, drain).await {
                Ok(done) => return done,
                // No Close from the peer in time: end our side anyway (FIN, bounded).
                Err(_) => Err(WsError::Timeout),
            }
        };
        self.finish().await;
        result
    }

    /// The subprotocol the server chose, as an index into the list given to
    /// [`subprotocols`](super::WsClientBuilder::subprotocols); `None` if none.
    pub fn subprotocol(&self) -> Option<usize> {
        self.subprotocol.map(usize::from)
    }

    /// Whether the connection is over (closed, failed or at end of stream).
    pub fn is_closed(&self) -> bool {
        self.finished
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// The transport, mutably (for socket options; reading or writing through it
    /// corrupts the WebSocket stream).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// Give back the transport (for instance to abort it after a failed close).
    pub fn into_inner(self) -> T {
        self.io
    }

    fn check_open(&self) -> Result<(), WsError> {
        self.outbound.check()?;
        if self.finished {
            return Err(WsError::Closed);
        }
        Ok(())
    }

    async fn send_data(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        self.check_open()?;
        let mut frames = self.writer.fragments(opcode, payload)?;
        self.outbound.frame_started();
        // Headers and masked payload pieces are staged through the write buffer, so a
        // message of any size goes out without a buffer of its size. One write per
        // full buffer, from one await point.
        let mut cursor = Cursor { frame: frames.next(), header_staged: false, from: 0 };
        loop {
            let fill = cursor.stage(&mut frames, self.write_buf);
            transport::write_all(&mut self.io, &self.write_buf[..fill]).await?;
            if cursor.frame.is_none() {
                break;
            }
        }
        transport::flush(&mut self.io).await?;
        self.outbound.frame_done();
        Ok(())
    }

    /// Send one control frame: the application's Ping, Pong or Close, or a reply the
    /// core's rules called for (dropped after our Close).
    async fn send_control(&mut self, control: Send<'_>) -> Result<(), WsError> {
        let mut buf = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        let n = self.encode_control(control, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        self.outbound.frame_started();
        transport::send_all(&mut self.io, &buf[..n]).await?;
        self.outbound.frame_done();
        Ok(())
    }

    /// Encode `control` into `buf`; 0 when nothing is to be sent. Plain code out of
    /// the async fn, so its locals stay out of the future's state.
    fn encode_control(&mut self, control: Send<'_>, buf: &mut [u8]) -> Result<usize, WsError> {
        let mut text = [0u8; REASON_ROOM];
        let frame = match control {
            Send::Reply(ref reply) => match self.outbound.reply_frame(reply, &mut text) {
                Some(frame) => frame,
                None => return Ok(0),
            },
            Send::App(frame) => frame,
        };
        Ok(self.outbound.encode(frame, &mut self.writer, buf)?)
    }

    /// After both Close frames: half-close and read to end of stream.
    async fn finish(&mut self) {
        self.finished = true;
        let _ = transport::graceful_close(&mut self.io, self.write_buf, self.close_timeout).await;
        debug!("websocket close handshake complete");
    }
}

/// The reader's pending message: one out-of-line copy of `FrameReader::message` for
/// its two callers (`recv` and `next`) instead of one inlined into each.
#[inline(never)]
fn message<'r>(reader: &'r FrameReader<&mut [u8]>) -> Option<Message<'r>> {
    reader.message()
}

/// Where [`WsClient::send_data`] is in a message: the frame being staged, whether its
/// header is in the buffer already, and how much of its payload.
struct Cursor<'p> {
    frame: Option<OutFrame<'p>>,
    header_staged: bool,
    from: usize,
}

impl<'p> Cursor<'p> {
    /// Fill `buf` with the next headers and masked payload pieces; returns how many
    /// bytes. Plain code out of the async fn: its locals stay in registers instead
    /// of the future's state.
    #[inline(never)]
    fn stage<R: RngCore>(&mut self, frames: &mut Fragments<'_, 'p, R>, buf: &mut [u8]) -> usize {
        let mut fill = 0;
        while let Some(current) = &self.frame {
            if !self.header_staged {
                let header = current.header();
                if buf.len() - fill < header.len() {
                    break;
                }
                buf[fill..fill + header.len()].copy_from_slice(header);
                fill += header.len();
                self.header_staged = true;
            }
            let take = (buf.len() - fill).min(current.payload().len() - self.from);
            current.write_payload(self.from, &mut buf[fill..fill + take]);
            fill += take;
            self.from += take;
            if self.from < current.payload().len() {
                break;
            }
            (self.frame, self.header_staged, self.from) = (frames.next(), false, 0);
        }
        fill
    }
}

/// A control frame for [`WsClient::send_control`].
enum Send<'a> {
    /// A reply the core's rules called for.
    Reply(Reply),
    /// The application's Ping, Pong or Close.
    App(Control<'a>),
}

/// What [`WsClient::next`] does once its reply (if any) is sent.
enum After {
    /// Return the message to the caller.
    Deliver,
    /// Finish the connection, then return this.
    Finish(Result<bool, WsError>),
}

#[cfg(feature = "defmt")]
impl<T, R> defmt::Format for WsClient<'_, T, R> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(
            f,
            "WsClient {{ subprotocol: {}, close_sent: {}, finished: {}, poisoned: {} }}",
            self.subprotocol,
            self.outbound.close_sent(),
            self.finished,
            self.outbound.is_poisoned()
        )
    }
}

impl<T, R> core::fmt::Debug for WsClient<'_, T, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WsClient")
            .field("subprotocol", &self.subprotocol)
            .field("close_sent", &self.outbound.close_sent())
            .field("finished", &self.finished)
            .field("poisoned", &self.outbound.is_poisoned())
            .finish_non_exhaustive()
    }
}
