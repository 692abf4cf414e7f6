//! [`WsStreamBuilder`]: options, `connect` and `accept`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use nexus_net::tls::{TlsConfig, TlsServerConfig};
use nexus_net::url::{Scheme, Url, UrlError};
use nexus_net::ws::deflate::MAX_EXTENSION_HEADER_LEN;
#[cfg(feature = "deflate")]
use nexus_net::ws::deflate::{accept_request, DeflateConfig, DeflateParams};
#[cfg(feature = "deflate")]
use nexus_net::ws::handshake::parse_response_with_deflate;
use nexus_net::ws::handshake::{
    parse_request, parse_response, write_accept_with_extensions, write_reject, ClientKey, ClientRequest,
    HandshakeError, ServerResponse, UpgradeRequest, DEFAULT_MAX_HEAD_LEN,
};
use nexus_net::ws::{Limits, Role};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;

use super::{WsError, WsStream};
use crate::connect::{self, MaybeTlsStream, TcpOptions};
use crate::io::{mask_rng, ReadSide, WriteSide};

/// The application's verdict on an upgrade request; see
/// [`WsStreamBuilder::on_request`]. `Err(status)` refuses with that HTTP status.
/// The permessage-deflate parameters agreed in a handshake (nothing without the
/// `deflate` feature).
#[cfg(feature = "deflate")]
type Agreed = Option<DeflateParams>;
#[cfg(not(feature = "deflate"))]
type Agreed = ();

type RequestFilter = dyn Fn(&UpgradeRequest<'_>) -> Result<(), u16> + Send + Sync;

/// Largest handshake head we write (a request or response with many extra headers).
const MAX_WRITTEN_HEAD: usize = 1 << 20;

/// Options for WebSocket connections, and the way to make them: [`connect`](Self::connect)
/// (`ws://` and `wss://`), [`connect_with`](Self::connect_with) (your own transport),
/// [`accept`](Self::accept) (server side).
///
/// Every option is by value and chainable; a builder can be kept and reused for
/// every reconnect (`connect` takes `&self`). Cloning is cheap.
///
/// ```no_run
/// use nexus_async_net::ws::WsStreamBuilder;
/// use nexus_net::tls::TlsConfig;
/// use std::time::Duration;
///
/// # async fn run() -> Result<(), nexus_async_net::ws::WsError> {
/// let tls = TlsConfig::new();
/// let mut ws = WsStreamBuilder::new()
///     .tls(&tls)
///     .disable_nagle()
///     .connect_timeout(Duration::from_secs(3))
///     .header("X-API-KEY", "secret")
///     .connect("wss://example.com/ws")
///     .await?;
/// ws.send_text("hello").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct WsStreamBuilder {
    tls: Option<TlsConfig>,
    tcp: TcpOptions,
    buffer_capacity: usize,
    write_buffer_capacity: usize,
    max_message_size: usize,
    max_frame_size: Option<usize>,
    connect_timeout: Option<Duration>,
    handshake_timeout: Duration,
    max_handshake_size: usize,
    close_timeout: Duration,
    auto_pong: bool,
    idle_timeout: Option<Duration>,
    subprotocols: Vec<String>,
    headers: Vec<(String, String)>,
    origin: Option<String>,
    on_request: Option<Arc<RequestFilter>>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateConfig>,
}

impl Default for WsStreamBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WsStreamBuilder {
    /// Defaults: read buffer 1 MiB (grows up to the message limit only when a message
    /// needs it), write buffer 64 KiB, max message 16 MiB, max frame = max message,
    /// connect timeout 10 s, handshake timeout (accept) 10 s, handshake head at most
    /// 8 KiB, close timeout 5 s, Nagle on, no keepalive, no subprotocols, no extra
    /// headers, no automatic pong, no idle timeout, TLS with
    /// [`TlsConfig::new`] (system roots) when a `wss://` URL is given without
    /// [`tls`](Self::tls).
    pub fn new() -> Self {
        Self {
            tls: None,
            tcp: TcpOptions::default(),
            buffer_capacity: 1 << 20,
            write_buffer_capacity: 64 << 10,
            max_message_size: 16 << 20,
            max_frame_size: None,
            connect_timeout: Some(Duration::from_secs(10)),
            handshake_timeout: Duration::from_secs(10),
            max_handshake_size: DEFAULT_MAX_HEAD_LEN,
            close_timeout: Duration::from_secs(5),
            auto_pong: false,
            idle_timeout: None,
            subprotocols: Vec::new(),
            headers: Vec::new(),
            origin: None,
            on_request: None,
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// TLS configuration for `wss://` URLs (cloned: it is an `Arc`).
    pub fn tls(mut self, tls: &TlsConfig) -> Self {
        self.tls = Some(tls.clone());
        self
    }

    /// Set `TCP_NODELAY` on connections this builder makes (`connect`) or accepts
    /// from a `TcpStream` (`accept_tcp`): every message goes out at once. Wanted by
    /// every latency-sensitive workload.
    pub fn disable_nagle(mut self) -> Self {
        self.tcp.nodelay = true;
        self
    }

    /// TCP keepalive: probe after `idle` without traffic, then every `idle`.
    pub fn tcp_keepalive(mut self, idle: Duration) -> Self {
        self.tcp.keepalive = Some(idle);
        self
    }

    /// `SO_RCVBUF` for connections made by [`connect`](Self::connect).
    pub fn socket_recv_buffer_size(mut self, bytes: usize) -> Self {
        self.tcp.recv_buffer = Some(bytes);
        self
    }

    /// `SO_SNDBUF` for connections made by [`connect`](Self::connect).
    pub fn socket_send_buffer_size(mut self, bytes: usize) -> Self {
        self.tcp.send_buffer = Some(bytes);
        self
    }

    /// Initial size of the read buffer (default 1 MiB). It grows, up to
    /// `max_message_size` plus room for a control frame, only when a message needs
    /// it. Messages that fit arrive without a copy.
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes;
        self
    }

    /// Size of the write buffer (default 64 KiB, at least 256 bytes). A message that
    /// fits goes out in one write; a larger one is streamed, never refused.
    pub fn write_buffer_capacity(mut self, bytes: usize) -> Self {
        self.write_buffer_capacity = bytes;
        self
    }

    /// Largest message accepted (default 16 MiB); a larger one fails the connection
    /// with close code 1009.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Largest single frame accepted (default: `max_message_size`); a larger one
    /// fails the connection with close code 1009.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = Some(bytes);
        self
    }

    /// Deadline for [`connect`](Self::connect) as a whole: DNS, TCP, TLS and the
    /// upgrade (default 10 s); also bounds [`connect_with`](Self::connect_with)'s
    /// upgrade. [`WsError::Timeout`] when it passes.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// No deadline for `connect` (not recommended).
    pub fn no_connect_timeout(mut self) -> Self {
        self.connect_timeout = None;
        self
    }

    /// Deadline for [`accept`](Self::accept): reading the upgrade request (and the TLS
    /// handshake in [`accept_tls`](Self::accept_tls)) and answering it (default 10 s).
    /// A client that is too slow is dropped with [`WsError::Timeout`].
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Largest handshake head read, the upgrade request (server) or the response
    /// (client) (default 8 KiB). A server answers a larger request with 431.
    pub fn max_handshake_size(mut self, bytes: usize) -> Self {
        self.max_handshake_size = bytes;
        self
    }

    /// How long a client waits for the server to close the connection once the
    /// close handshake is done (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Answer pings with pongs automatically (default off). Pings are still
    /// returned by `recv`; don't answer them a second time.
    pub fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Detect half-open connections (default off): when nothing arrives for
    /// `timeout`, `recv` sends a ping; when nothing arrives for another `timeout`,
    /// `recv` fails with [`WsError::Timeout`]. Only runs while `recv` is awaited.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Subprotocols. Client: offered in this order of preference
    /// (`Sec-WebSocket-Protocol`). Server: supported, in this order of preference;
    /// the first one the client also offers is chosen. See
    /// [`WsStream::subprotocol`].
    pub fn subprotocols<I, P>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.subprotocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// An extra handshake header: on the client's upgrade request (API keys,
    /// authentication, `User-Agent`...) or on the server's `101`. Names that the
    /// handshake writes itself, and values with CR, LF or other control characters,
    /// make the handshake fail with [`WsError::Handshake`] rather than be sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Send `Origin` on the client's upgrade request.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Server side: inspect each valid upgrade request (path, `Origin`, offered
    /// subprotocols, any header) before the `101` is sent; `Err(status)` refuses it
    /// with that HTTP status (400..=599; anything else becomes 400) and
    /// [`accept`](Self::accept) fails with [`WsError::Refused`].
    ///
    /// ```
    /// use nexus_async_net::ws::WsStreamBuilder;
    /// let builder = WsStreamBuilder::new().on_request(|req| {
    ///     if req.path() != "/feed" {
    ///         return Err(404);
    ///     }
    ///     match req.header("x-api-key") {
    ///         Some(b"secret") => Ok(()),
    ///         _ => Err(401),
    ///     }
    /// });
    /// # let _ = builder;
    /// ```
    pub fn on_request<F>(mut self, filter: F) -> Self
    where
        F: Fn(&UpgradeRequest<'_>) -> Result<(), u16> + Send + Sync + 'static,
    {
        self.on_request = Some(Arc::new(filter));
        self
    }

    /// Offer (as a client) or accept (as a server) permessage-deflate (RFC 7692) with
    /// these parameters. Off by default; needs the `deflate` feature.
    ///
    /// When the peer agrees, every text and binary message sent is compressed (RSV1
    /// on its first frame) and compressed messages received are inflated into a
    /// buffer of their own, bounded by [`max_message_size`](Self::max_message_size):
    /// a message that inflates past it fails the connection with 1009 (a zip bomb
    /// costs at most that much memory). When the peer declines, the connection runs
    /// uncompressed. A client fails the handshake ([`WsError::Handshake`]) when the
    /// server's answer does not fit the offer. Works the same on
    /// [`split`](WsStream::split) halves.
    ///
    /// ```
    /// use nexus_async_net::ws::{DeflateConfig, Message, WsStreamBuilder};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), nexus_async_net::ws::WsError> {
    /// let (client_io, server_io) = tokio::io::duplex(64 << 10);
    /// let server = tokio::spawn(async move {
    ///     let config = DeflateConfig { server_no_context_takeover: true, ..Default::default() };
    ///     let mut ws = WsStreamBuilder::new().deflate(config).accept(server_io).await?;
    ///     while let Some(Message::Text(text)) = ws.recv().await? {
    ///         let reply = text.to_uppercase();
    ///         ws.send_text(&reply).await?;
    ///     }
    ///     Ok::<_, nexus_async_net::ws::WsError>(())
    /// });
    /// let mut ws = WsStreamBuilder::new()
    ///     .deflate(DeflateConfig::default())
    ///     .connect_with(client_io, "ws://localhost/feed")
    ///     .await?;
    /// let params = ws.deflate_params().expect("negotiated");
    /// assert!(params.server_no_context_takeover);
    /// ws.send_text(&"{\"px\":1} ".repeat(100)).await?;
    /// assert!(matches!(ws.recv().await?, Some(Message::Text(t)) if t.starts_with("{\"PX\":1}")));
    /// # ws.close(nexus_async_net::ws::CloseCode::Normal, "").await?;
    /// # while ws.recv().await?.is_some() {}
    /// # server.await.unwrap()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "deflate")]
    pub fn deflate(mut self, config: DeflateConfig) -> Self {
        self.deflate = Some(config);
        self
    }

    /// The client's `Sec-WebSocket-Extensions` offer, if any.
    fn extension_offer<'o>(&self, out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN]) -> Option<&'o str> {
        #[cfg(feature = "deflate")]
        if let Some(config) = &self.deflate {
            return Some(config.offer(out));
        }
        let _ = out;
        None
    }

    /// Validate the server's `101`, and its answer to the offer.
    fn parse_answer(
        &self,
        buf: &[u8],
        key: &ClientKey,
        protocols: &[&str],
    ) -> Result<Option<(ServerResponse, Agreed)>, HandshakeError> {
        #[cfg(feature = "deflate")]
        if let Some(config) = &self.deflate {
            return parse_response_with_deflate(buf, key, protocols, config, self.max_handshake_size);
        }
        Ok(parse_response(buf, key, protocols, self.max_handshake_size)?.map(|r| (r, Agreed::default())))
    }

    /// The server's choice among the client's offers: the agreed parameters and the
    /// answer header.
    fn extension_answer<'o>(
        &self,
        request: &UpgradeRequest<'_>,
        out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN],
    ) -> (Agreed, Option<&'o str>) {
        #[cfg(feature = "deflate")]
        if let Some(config) = &self.deflate {
            return match accept_request(config, request, out) {
                Some((params, header)) => (Some(params), Some(header)),
                None => (None, None),
            };
        }
        let _ = (request, out);
        (Agreed::default(), None)
    }

    fn limits(&self) -> Limits {
        Limits {
            max_frame_size: self.max_frame_size.unwrap_or(self.max_message_size),
            max_message_size: self.max_message_size,
        }
    }

    fn sides(&self, role: Role) -> (ReadSide, WriteSide) {
        // The handshake head is read into the same buffer: make room for it.
        let capacity = self.buffer_capacity.max(self.max_handshake_size.saturating_add(1));
        let rd = ReadSide::new(role, capacity, self.limits(), self.auto_pong, self.idle_timeout, self.close_timeout);
        (rd, WriteSide::new(role, self.write_buffer_capacity))
    }

    /// Connect to a `ws://` or `wss://` URL: DNS, TCP (with the socket options), TLS
    /// for `wss://` (SNI and certificate checked against the URL's host), and the
    /// upgrade, all within `connect_timeout`.
    ///
    /// # Errors
    /// [`WsError::InvalidUrl`], [`WsError::Io`] (DNS, refused...), [`WsError::Tls`],
    /// [`WsError::Handshake`] (e.g. [`HandshakeError::Status`] when the server
    /// answered 401), [`WsError::Timeout`].
    pub async fn connect(&self, url: &str) -> Result<WsStream, WsError> {
        let url = parse_ws_url(url)?;
        ws_debug!(host = url.host(), port = url.port(), tls = url.scheme().is_tls(), "websocket connecting");
        with_timeout(self.connect_timeout, async {
            let tcp = connect::tcp_connect(url.host(), url.port(), &self.tcp).await?;
            let io = if url.scheme().is_tls() {
                let tls = self.tls.clone().unwrap_or_default();
                MaybeTlsStream::Tls(Box::new(connect::tls_connect(&tls, url.host(), tcp).await?))
            } else {
                MaybeTlsStream::Plain(tcp)
            };
            self.client_handshake(io, &url).await
        })
        .await
    }

    /// Run the client handshake for `url` over a transport you connected yourself
    /// (a proxy tunnel, a Unix socket, your own TLS), within `connect_timeout`. The
    /// URL's scheme is not acted on: `wss://` does not add TLS here.
    ///
    /// # Errors
    /// As [`connect`](Self::connect), without the DNS, TCP and TLS ones.
    pub async fn connect_with<S>(&self, stream: S, url: &str) -> Result<WsStream<S>, WsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let url = parse_ws_url(url)?;
        with_timeout(self.connect_timeout, self.client_handshake(stream, &url)).await
    }

    async fn client_handshake<S>(&self, mut io: S, url: &Url<'_>) -> Result<WsStream<S>, WsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (mut rd, mut wr) = self.sides(Role::Client);
        let key = ClientKey::generate(&mut mask_rng());
        let protocols: Vec<&str> = self.subprotocols.iter().map(String::as_str).collect();
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut request = ClientRequest::from_url(url).subprotocols(&protocols).extra_headers(&headers);
        if let Some(origin) = &self.origin {
            request = request.origin(origin);
        }
        let mut offer = [0u8; MAX_EXTENSION_HEADER_LEN];
        if let Some(offer) = self.extension_offer(&mut offer) {
            request = request.extensions(offer);
        }
        let len = write_head(wr.scratch(), |out| request.write(&key, out))?;
        wr.queue_raw(len);
        wr.flush(&mut io).await?;
        let subprotocol = loop {
            match self.parse_answer(rd.reader.buffered(), &key, &protocols)? {
                Some((response, agreed)) => {
                    rd.reader.consume(response.head_len);
                    enable_extensions(agreed, &mut rd, &mut wr);
                    break response.subprotocol.and_then(|i| protocols.get(i)).map(|p| p.to_string());
                }
                None => read_head_more(&mut io, &mut rd).await?,
            }
        };
        ws_debug!(subprotocol = subprotocol.as_deref(), "websocket connected");
        Ok(WsStream::from_parts(io, rd, wr, subprotocol))
    }

    /// Accept a WebSocket connection on `stream` (a `TcpStream`, a rustls server
    /// stream, anything `AsyncRead + AsyncWrite + Unpin`): read and validate the
    /// upgrade request, let [`on_request`](Self::on_request) judge it, answer `101`.
    ///
    /// Hardened: the whole handshake must finish within `handshake_timeout` and the
    /// request head must fit `max_handshake_size`; a bad request is answered (426
    /// with `Sec-WebSocket-Version: 13` for a wrong version, 431 for an oversize
    /// head, 405 for a method other than GET, 400 otherwise) and the connection
    /// closed. For `TCP_NODELAY` on a `TcpStream`, set it before calling, or use
    /// [`accept_tcp`](Self::accept_tcp).
    ///
    /// # Errors
    /// [`WsError::Handshake`] (answered with its HTTP status), [`WsError::Refused`],
    /// [`WsError::Timeout`], [`WsError::Io`].
    pub async fn accept<S>(&self, stream: S) -> Result<WsStream<S>, WsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        with_timeout(Some(self.handshake_timeout), self.server_handshake(stream)).await
    }

    /// [`accept`](Self::accept) on a `TcpStream`, applying the TCP options
    /// (`disable_nagle`, `tcp_keepalive`) first.
    pub async fn accept_tcp(&self, stream: TcpStream) -> Result<WsStream<TcpStream>, WsError> {
        connect::apply_stream_options(&stream, &self.tcp)?;
        self.accept(stream).await
    }

    /// Accept `wss://`: the TLS handshake with `tls`, then [`accept`](Self::accept),
    /// both within `handshake_timeout`.
    ///
    /// # Errors
    /// As [`accept`](Self::accept), and [`WsError::Tls`].
    pub async fn accept_tls<S>(
        &self,
        stream: S,
        tls: &TlsServerConfig,
    ) -> Result<WsStream<tokio_rustls::server::TlsStream<S>>, WsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config().clone());
        with_timeout(Some(self.handshake_timeout), async {
            let stream = acceptor.accept(stream).await?;
            self.server_handshake(stream).await
        })
        .await
    }

    async fn server_handshake<S>(&self, mut io: S) -> Result<WsStream<S>, WsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (mut rd, mut wr) = self.sides(Role::Server);
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        loop {
            let verdict = match parse_request(rd.reader.buffered(), self.max_handshake_size) {
                Ok(None) => None,
                Err(e) => Some(Err(WsError::Handshake(e))),
                Ok(Some(request)) => Some(match self.on_request.as_ref().map(|f| f(&request)) {
                    Some(Err(status)) => Err(WsError::Refused(status)),
                    _ => {
                        let chosen =
                            self.subprotocols.iter().find(|p| request.subprotocols().any(|offered| offered == *p));
                        let mut answer = [0u8; MAX_EXTENSION_HEADER_LEN];
                        let (agreed, answer) = self.extension_answer(&request, &mut answer);
                        write_head(wr.scratch(), |out| {
                            write_accept_with_extensions(out, request.key(), chosen.map(|p| &**p), answer, &headers)
                        })
                        .map(|len| (len, request.head_len(), chosen.cloned(), agreed))
                    }
                }),
            };
            match verdict {
                None => read_head_more(&mut io, &mut rd).await?,
                Some(Ok((len, head_len, subprotocol, agreed))) => {
                    rd.reader.consume(head_len);
                    enable_extensions(agreed, &mut rd, &mut wr);
                    wr.queue_raw(len);
                    wr.flush(&mut io).await?;
                    ws_debug!(subprotocol = subprotocol.as_deref(), "websocket accepted");
                    return Ok(WsStream::from_parts(io, rd, wr, subprotocol));
                }
                Some(Err(error)) => {
                    let status = match &error {
                        WsError::Handshake(e) => e.http_status(),
                        WsError::Refused(status) => *status,
                        _ => 500,
                    };
                    ws_debug!(%error, status, "websocket upgrade refused");
                    let len = write_reject(wr.scratch(), status, &[])
                        .or_else(|_| write_reject(wr.scratch(), 400, &[]))
                        .unwrap_or(0);
                    wr.queue_raw(len);
                    let _ = wr.flush(&mut io).await;
                    let _ = wr.shutdown(&mut io).await;
                    return Err(error);
                }
            }
        }
    }

    /// Wrap a transport whose upgrade was done elsewhere (an HTTP server framework
    /// that handed over the connection): no handshake, frames from the first byte.
    pub fn from_raw_socket<S>(&self, stream: S, role: Role) -> WsStream<S> {
        let (rd, wr) = self.sides(role);
        WsStream::from_parts(stream, rd, wr, None)
    }
}

impl fmt::Debug for WsStreamBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsStreamBuilder")
            .field("tls", &self.tls)
            .field("tcp", &self.tcp)
            .field("buffer_capacity", &self.buffer_capacity)
            .field("write_buffer_capacity", &self.write_buffer_capacity)
            .field("max_message_size", &self.max_message_size)
            .field("max_frame_size", &self.max_frame_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("max_handshake_size", &self.max_handshake_size)
            .field("auto_pong", &self.auto_pong)
            .field("idle_timeout", &self.idle_timeout)
            .field("subprotocols", &self.subprotocols)
            .field("headers", &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .field("on_request", &self.on_request.is_some())
            .finish_non_exhaustive()
    }
}

/// Turn on what the handshake agreed.
fn enable_extensions(agreed: Agreed, rd: &mut ReadSide, wr: &mut WriteSide) {
    #[cfg(feature = "deflate")]
    if let Some(params) = agreed {
        ws_debug!(?params, "websocket permessage-deflate on");
        rd.enable_deflate(&params);
        wr.enable_deflate(&params);
    }
    let _ = (agreed, rd, wr);
}

fn parse_ws_url(url: &str) -> Result<Url<'_>, WsError> {
    let url = Url::parse(url)?;
    match url.scheme() {
        Scheme::Ws | Scheme::Wss => Ok(url),
        _ => Err(WsError::InvalidUrl(UrlError::UnknownScheme)),
    }
}

/// Write a handshake head into `buf`, growing it (up to 1 MiB) if the head needs it.
fn write_head(
    buf: &mut Vec<u8>,
    mut write: impl FnMut(&mut [u8]) -> Result<usize, HandshakeError>,
) -> Result<usize, WsError> {
    loop {
        match write(buf) {
            Err(HandshakeError::BufferTooSmall) if buf.len() < MAX_WRITTEN_HEAD => {
                let len = (buf.len() * 2).min(MAX_WRITTEN_HEAD);
                buf.resize(len, 0);
            }
            other => return Ok(other?),
        }
    }
}

/// Read more of a handshake head; EOF before its end is an error.
async fn read_head_more<S: AsyncRead + Unpin>(io: &mut S, rd: &mut ReadSide) -> Result<(), WsError> {
    let n = io.read(rd.reader.spare()).await?;
    if n == 0 {
        return Err(WsError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed during the websocket handshake",
        )));
    }
    rd.reader.commit(n);
    Ok(())
}

async fn with_timeout<T>(
    timeout: Option<Duration>,
    fut: impl Future<Output = Result<T, WsError>>,
) -> Result<T, WsError> {
    match timeout {
        None => fut.await,
        Some(d) => tokio::time::timeout(d, fut).await.unwrap_or_else(|_| {
            ws_debug!(timeout = ?d, "websocket connect/handshake timed out");
            Err(WsError::Timeout)
        }),
    }
}
