//! [`WsClientBuilder`]: options, then `connect` (by URL, over embassy-net), or
//! `connect_with` (over a transport the caller already has).

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embassy_time::{with_timeout, Duration};
use nexus_net::rand_core::RngCore;
use nexus_net::rest::IoErrorKind;
use nexus_net::url::{Scheme, Url};
use nexus_net::ws::handshake::{parse_response, ClientKey, ClientRequest};
use nexus_net::ws::session::{Inbound, Outbound};
use nexus_net::ws::{FrameReader, FrameWriter, Limits, Role, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};

use super::{WsClient, WsError};
use crate::net::{connect_tcp, TcpBuffers};
use crate::transport::{self, Transport};

/// The smallest write buffer a client accepts: one header and a whole control frame.
pub const MIN_WRITE_BUFFER: usize = MAX_HEADER_LEN + MAX_CONTROL_PAYLOAD;

/// Options of a WebSocket client connection. Chain by value, then connect.
///
/// | option | default |
/// |---|---|
/// | [`max_message_size`](Self::max_message_size) | the read buffer's size |
/// | [`max_frame_size`](Self::max_frame_size) | the read buffer's size |
/// | [`fragment_size`](Self::fragment_size) (sending) | none: one frame per message |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s, covers DNS, TCP, TLS and the upgrade |
/// | [`read_timeout`](Self::read_timeout) | none |
/// | [`close_timeout`](Self::close_timeout) | 5 s |
/// | [`max_handshake_size`](Self::max_handshake_size) | 4 KiB (and at most the read buffer) |
/// | [`subprotocols`](Self::subprotocols), [`headers`](Self::headers) | none |
/// | [`auto_pong`](Self::auto_pong) | off: pings are returned by `recv`, for the application to answer |
///
/// Messages are read into the caller's read buffer: with fixed buffers a message
/// larger than it is refused (`MessageTooLarge`, closed with 1009), whatever the
/// limits say. The write buffer (at least [`MIN_WRITE_BUFFER`] bytes) stages frames;
/// larger messages are streamed through it.
///
/// ```
/// use nexus_embassy_net::ws::WsClientBuilder;
/// use nexus_embassy_net::Duration;
///
/// let builder = WsClientBuilder::new()
///     .max_message_size(16 * 1024)
///     .subprotocols(&["v2.feed"])
///     .headers(&[("Authorization", "Bearer t0ken")])
///     .connect_timeout(Duration::from_secs(5))
///     .read_timeout(Some(Duration::from_secs(30)));
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WsClientBuilder<'a> {
    max_message_size: Option<usize>,
    max_frame_size: Option<usize>,
    fragment_size: Option<usize>,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    close_timeout: Duration,
    max_handshake_size: usize,
    subprotocols: &'a [&'a str],
    headers: &'a [(&'a str, &'a str)],
    auto_pong: bool,
}

impl Default for WsClientBuilder<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> WsClientBuilder<'a> {
    /// The defaults in the table above.
    pub const fn new() -> Self {
        Self {
            max_message_size: None,
            max_frame_size: None,
            fragment_size: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: None,
            close_timeout: Duration::from_secs(5),
            max_handshake_size: 4096,
            subprotocols: &[],
            headers: &[],
            auto_pong: false,
        }
    }

    /// Largest message accepted (default: the read buffer's size). A larger one is
    /// [`ProtocolError::MessageTooLarge`](nexus_net::ws::ProtocolError::MessageTooLarge),
    /// answered with Close 1009.
    pub const fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = Some(bytes);
        self
    }

    /// Largest single frame accepted (default: the read buffer's size).
    pub const fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = Some(bytes);
        self
    }

    /// Send messages longer than `bytes` as several frames of at most `bytes`
    /// (default: one frame per message, whatever its size).
    pub const fn fragment_size(mut self, bytes: usize) -> Self {
        self.fragment_size = Some(bytes);
        self
    }

    /// Bound on the whole connect: DNS, TCP, TLS and the upgrade (default 10 s).
    pub const fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on each read of [`recv`](WsClient::recv) (default `None`: wait for
    /// ever). On expiry `recv` returns [`WsError::Timeout`] and may be called again.
    pub const fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Bound on each phase of [`close`](WsClient::close): waiting for the peer's
    /// Close, then for its end of stream (default 5 s).
    pub const fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Largest `101` response head accepted (default 4 KiB; never more than the
    /// read buffer).
    pub const fn max_handshake_size(mut self, bytes: usize) -> Self {
        self.max_handshake_size = bytes;
        self
    }

    /// Subprotocols to offer (`Sec-WebSocket-Protocol`); the server's choice is
    /// [`WsClient::subprotocol`].
    pub const fn subprotocols(mut self, protocols: &'a [&'a str]) -> Self {
        self.subprotocols = protocols;
        self
    }

    /// Extra headers for the upgrade request (`Authorization`, `User-Agent`, ...).
    /// Headers the handshake writes itself are refused
    /// ([`HandshakeError::ReservedHeader`](nexus_net::ws::handshake::HandshakeError::ReservedHeader)).
    pub const fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Answer pings inside [`recv`](WsClient::recv) (default off). The pings are
    /// still returned, as by the tokio adapter; don't answer them a second time.
    pub const fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Connect to a `ws://` URL over `stack`: DNS when the host is a name, TCP over
    /// `tcp`'s buffers, then the upgrade. Messages are read into `read_buf` and
    /// frames staged in `write_buf`; `rng` draws the handshake key and the masking
    /// keys (use a hardware RNG or a CSPRNG).
    ///
    /// # Errors
    /// [`WsError::InvalidUrl`], [`WsError::UnsupportedScheme`] for anything but
    /// `ws://` (use `connect_tls` for `wss://`), [`WsError::Connect`],
    /// [`WsError::Handshake`], [`WsError::Io`], [`WsError::Timeout`].
    ///
    /// # Panics
    /// If `read_buf` is smaller than [`MIN_CAPACITY`](nexus_net::ws::MIN_CAPACITY)
    /// (256) or `write_buf` smaller than [`MIN_WRITE_BUFFER`].
    pub async fn connect<'b, 's, R: RngCore>(
        &self,
        stack: Stack<'s>,
        url: &str,
        tcp: TcpBuffers<'s>,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
        rng: R,
    ) -> Result<WsClient<'b, TcpSocket<'s>, R>, WsError> {
        let parsed = Url::parse(url)?;
        if parsed.scheme() != Scheme::Ws {
            return Err(WsError::UnsupportedScheme);
        }
        let setup = async {
            let socket = connect_tcp(stack, parsed.host(), parsed.port(), tcp.rx, tcp.tx).await?;
            self.upgrade(socket, &parsed, read_buf, write_buf, rng).await
        };
        with_timeout(self.connect_timeout, setup).await.unwrap_or(Err(WsError::Timeout))
    }

    /// Connect to a `wss://` URL over `stack`: DNS, TCP, TLS 1.3 (verified as `tls`
    /// says, against the URL's host name), then the upgrade. `rng` also serves the
    /// TLS handshake, so it must be a [`CryptoRng`](nexus_net::rand_core::CryptoRng).
    ///
    /// # Errors
    /// As [`connect`](Self::connect); [`WsError::UnsupportedScheme`] for anything but
    /// `wss://`; a refused certificate is `Connect(ConnectError::Tls(_))`.
    #[cfg(feature = "tls")]
    #[allow(clippy::too_many_arguments)] // every buffer is the caller's
    pub async fn connect_tls<'b, 's, R>(
        &self,
        stack: Stack<'s>,
        url: &str,
        tls: &crate::tls::TlsConfig<'_>,
        tcp: TcpBuffers<'s>,
        records: crate::tls::TlsBuffers<'s>,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
        mut rng: R,
    ) -> Result<WsClient<'b, crate::tls::TlsStream<'s, TcpSocket<'s>>, R>, WsError>
    where
        R: RngCore + nexus_net::rand_core::CryptoRng,
    {
        let parsed = Url::parse(url)?;
        if parsed.scheme() != Scheme::Wss {
            return Err(WsError::UnsupportedScheme);
        }
        let setup = async {
            let socket = connect_tcp(stack, parsed.host(), parsed.port(), tcp.rx, tcp.tx).await?;
            let stream = crate::tls::TlsStream::connect(socket, parsed.host(), tls, records, &mut rng).await?;
            self.upgrade(stream, &parsed, read_buf, write_buf, rng).await
        };
        with_timeout(self.connect_timeout, setup).await.unwrap_or(Err(WsError::Timeout))
    }

    /// Run the upgrade for `url` (`ws://` or `wss://`) over a transport the caller
    /// has already connected (a [`TcpSocket`], a [`TlsStream`](crate::tls::TlsStream),
    /// a test pipe), bounded by the connect timeout.
    ///
    /// # Errors
    /// [`WsError::InvalidUrl`], [`WsError::UnsupportedScheme`] for `http(s)://`,
    /// [`WsError::Handshake`], [`WsError::Io`], [`WsError::Timeout`].
    ///
    /// # Panics
    /// As [`connect`](Self::connect).
    pub async fn connect_with<'b, T: Transport, R: RngCore>(
        &self,
        io: T,
        url: &str,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
        rng: R,
    ) -> Result<WsClient<'b, T, R>, WsError> {
        let parsed = Url::parse(url)?;
        if !matches!(parsed.scheme(), Scheme::Ws | Scheme::Wss) {
            return Err(WsError::UnsupportedScheme);
        }
        with_timeout(self.connect_timeout, self.upgrade(io, &parsed, read_buf, write_buf, rng))
            .await
            .unwrap_or(Err(WsError::Timeout))
    }

    async fn upgrade<'b, T: Transport, R: RngCore>(
        &self,
        mut io: T,
        url: &Url<'_>,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
        mut rng: R,
    ) -> Result<WsClient<'b, T, R>, WsError> {
        assert!(
            write_buf.len() >= MIN_WRITE_BUFFER,
            "WebSocket write buffer must hold at least {MIN_WRITE_BUFFER} bytes"
        );
        let capacity = read_buf.len();
        let limits = Limits {
            max_frame_size: self.max_frame_size.unwrap_or(capacity),
            max_message_size: self.max_message_size.unwrap_or(capacity),
        };
        let key = ClientKey::generate(&mut rng);
        let n = ClientRequest::from_url(url)
            .subprotocols(self.subprotocols)
            .extra_headers(self.headers)
            .write(&key, write_buf)?;
        transport::send_all(&mut io, &write_buf[..n]).await?;

        let mut reader = FrameReader::new(Role::Client, read_buf, limits);
        let max_head = self.max_handshake_size.min(capacity);
        let response = loop {
            if let Some(response) = parse_response(reader.buffered(), &key, self.subprotocols, max_head)? {
                break response;
            }
            let n = transport::read_some(&mut io, reader.spare(), None).await?;
            if n == 0 {
                return Err(WsError::Io(IoErrorKind::ConnectionAborted));
            }
            reader.commit(n);
        };
        // Frames the server sent right after its head stay buffered for `recv`.
        reader.consume(response.head_len);
        debug!("websocket upgraded");
        let mut writer = FrameWriter::new(Role::Client, rng);
        if let Some(size) = self.fragment_size {
            writer = writer.with_fragment_size(size);
        }
        Ok(WsClient {
            io,
            reader,
            writer,
            write_buf,
            read_timeout: self.read_timeout,
            close_timeout: self.close_timeout,
            subprotocol: response.subprotocol.map(|i| i as u8),
            inbound: Inbound::new(self.auto_pong),
            outbound: Outbound::new(),
            finished: false,
        })
    }
}
