//! [`WsClient`]: a connected WebSocket, client role.

use embassy_time::with_timeout;
use nexus_net::rand_core::RngCore;
use nexus_net::ws::{
    CloseCode, CloseFrame, ControlPayload, FrameReader, FrameWriter, Message, OpCode, Progress, MAX_CONTROL_PAYLOAD,
    MAX_HEADER_LEN,
};

use super::WsError;
use crate::transport::{self, Transport};

/// A connected WebSocket client over transport `T`, masking with keys from `R`.
///
/// Made by [`WsClientBuilder`](super::WsClientBuilder). Reads into and writes from
/// the caller's buffers (lifetime `'b`); its own state is a few hundred bytes.
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
    pub(super) read_timeout: Option<embassy_time::Duration>,
    pub(super) close_timeout: embassy_time::Duration,
    pub(super) subprotocol: Option<u8>,
    pub(super) auto_pong: bool,
    /// Our Close is on the wire.
    pub(super) close_sent: bool,
    /// The connection is over (closed, failed, or at end of stream).
    pub(super) finished: bool,
    /// A send was abandoned half-way.
    pub(super) poisoned: bool,
}

/// What `recv` must do about a control message before returning it.
enum Control {
    None,
    Ping(ControlPayload),
    Close(CloseFrame),
}

impl<'b, T: Transport, R: RngCore> WsClient<'b, T, R> {
    /// The next message; `None` once the close handshake is complete or the peer
    /// ended the stream.
    ///
    /// Text and binary messages borrow the read buffer until the next call. A Close
    /// from the peer is answered (echoing its code) before it is returned; the next
    /// call then finishes the closing (half-close, read to end of stream) and
    /// returns `None`. Pings are returned (answer with
    /// [`send_pong`](Self::send_pong)) unless `auto_pong` is on.
    ///
    /// # Errors
    /// [`WsError::Protocol`] when the peer broke the protocol or a size limit (a
    /// Close with the matching code was sent and the connection closed);
    /// [`WsError::Io`]; [`WsError::Timeout`] when the read timeout passed (the
    /// connection stays usable).
    pub async fn recv(&mut self) -> Result<Option<Message<'_>>, WsError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            match self.reader.advance() {
                Err(error) => return Err(self.fail(error).await),
                Ok(Progress::Message) => {
                    let control = match self.reader.message() {
                        Some(Message::Close(frame)) => Control::Close(frame),
                        Some(Message::Ping(data)) if self.auto_pong => Control::Ping(data),
                        _ => Control::None,
                    };
                    match control {
                        Control::None => break,
                        Control::Ping(data) => self.send_control(OpCode::Pong, &data).await?,
                        Control::Close(frame) => {
                            if !self.close_sent {
                                // Echo the code (RFC 6455 section 5.5.1); an empty Close gets an empty one.
                                self.send_close(frame.code(), "").await?;
                            }
                            debug!("websocket close received");
                            break;
                        }
                    }
                }
                Ok(Progress::NeedMore) => {
                    if self.reader.is_closed() {
                        self.finish().await;
                        return Ok(None);
                    }
                    let n = transport::read_some(&mut self.io, self.reader.spare(), self.read_timeout).await?;
                    if n == 0 {
                        debug!("websocket: end of stream");
                        self.finished = true;
                        return Ok(None);
                    }
                    self.reader.commit(n);
                }
            }
        }
        Ok(self.reader.message())
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
        self.send_control(OpCode::Ping, payload.as_ref()).await
    }

    /// Send a pong (payload at most 125 bytes), normally a ping's:
    /// `Message::Ping(data) => ws.send_pong(data).await?`.
    ///
    /// # Errors
    /// As [`send_ping`](Self::send_ping).
    pub async fn send_pong(&mut self, payload: impl AsRef<[u8]>) -> Result<(), WsError> {
        self.send_control(OpCode::Pong, payload.as_ref()).await
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
    /// (nothing was sent); [`WsError::Poisoned`]; [`WsError::Io`]; [`WsError::Timeout`]
    /// when the peer did not answer in time (the transport is then left to be
    /// dropped).
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        if self.finished {
            return Ok(());
        }
        if self.poisoned {
            return Err(WsError::Poisoned);
        }
        if !self.close_sent {
            self.send_close(code, reason).await?;
        }
        let wait_close = async {
            while !self.reader.is_closed() {
                match self.reader.advance() {
                    Err(_) => break,
                    Ok(Progress::Message) => {}
                    Ok(Progress::NeedMore) => {
                        let n = transport::read_some(&mut self.io, self.reader.spare(), None).await?;
                        if n == 0 {
                            break;
                        }
                        self.reader.commit(n);
                    }
                }
            }
            Ok::<(), WsError>(())
        };
        let waited = with_timeout(self.close_timeout, wait_close).await;
        self.finished = true;
        waited.map_err(|_| WsError::Timeout)??;
        transport::graceful_close(&mut self.io, self.write_buf, self.close_timeout).await?;
        debug!("websocket closed");
        Ok(())
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
        if self.poisoned {
            Err(WsError::Poisoned)
        } else if self.close_sent || self.finished {
            Err(WsError::Closed)
        } else {
            Ok(())
        }
    }

    async fn send_data(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        self.check_open()?;
        let buf = &mut *self.write_buf;
        self.poisoned = true;
        if self.writer.encoded_len(payload.len()) <= buf.len() {
            let n = self.writer.encode_message(opcode, payload, buf)?;
            transport::send_all(&mut self.io, &buf[..n]).await?;
        } else {
            // Stream it: headers and masked payload pieces staged through the buffer.
            let mut fill = 0;
            for frame in self.writer.fragments(opcode, payload)? {
                let header = frame.header();
                if buf.len() - fill < header.len() {
                    transport::write_all(&mut self.io, &buf[..fill]).await?;
                    fill = 0;
                }
                buf[fill..fill + header.len()].copy_from_slice(header);
                fill += header.len();
                let mut from = 0;
                while from < frame.payload().len() {
                    if fill == buf.len() {
                        transport::write_all(&mut self.io, buf).await?;
                        fill = 0;
                    }
                    let take = (buf.len() - fill).min(frame.payload().len() - from);
                    frame.write_payload(from, &mut buf[fill..fill + take]);
                    fill += take;
                    from += take;
                }
            }
            transport::send_all(&mut self.io, &buf[..fill]).await?;
        }
        self.poisoned = false;
        Ok(())
    }

    async fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), WsError> {
        self.check_open()?;
        let mut frame = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        let n = self.writer.encode_control(opcode, payload, &mut frame)?;
        self.poisoned = true;
        transport::send_all(&mut self.io, &frame[..n]).await?;
        self.poisoned = false;
        Ok(())
    }

    async fn send_close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        if self.poisoned {
            return Err(WsError::Poisoned);
        }
        let mut frame = [0u8; MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD];
        let n = self.writer.encode_close(code, reason, &mut frame)?;
        self.close_sent = true;
        self.poisoned = true;
        transport::send_all(&mut self.io, &frame[..n]).await?;
        self.poisoned = false;
        Ok(())
    }

    /// After both Close frames: half-close and read to end of stream.
    async fn finish(&mut self) {
        self.finished = true;
        let _ = transport::graceful_close(&mut self.io, self.write_buf, self.close_timeout).await;
        debug!("websocket close handshake complete");
    }

    /// The peer broke the protocol: Close with the matching code, then close.
    async fn fail(&mut self, error: nexus_net::ws::ProtocolError) -> WsError {
        let code = error.close_code();
        warn!("websocket protocol error: {}", error);
        if !self.close_sent && !self.poisoned {
            let _ = self.send_close(code, "").await;
        }
        self.finish().await;
        WsError::Protocol { error, code }
    }
}

impl<T, R> core::fmt::Debug for WsClient<'_, T, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WsClient")
            .field("subprotocol", &self.subprotocol)
            .field("close_sent", &self.close_sent)
            .field("finished", &self.finished)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}
