//! HTTP/1.1 client: one request at a time over a keep-alive connection.
//!
//! [`HttpClientBuilder`] connects (by URL over an embassy-net stack, or over a
//! transport the caller has) and gives an [`HttpClient`]. Requests are written with
//! the core's [`RequestWriter`] ([`HttpClient::writer`]), sent with
//! [`HttpClient::send`], and answered with a [`Response`] read by the core's
//! [`ResponseReader`] into the caller's buffer: Content-Length, chunked (decoded in
//! place) and read-to-close bodies, 1xx skipped, `Connection: close` and HTTP/1.0
//! honoured. Errors are the core's [`RestError`].

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embassy_time::{with_timeout, Duration};
use nexus_net::http::{Progress, Request, RequestWriter, Response, ResponseReader, Reuse};
use nexus_net::rest::{IoErrorKind, RestError};
use nexus_net::url::{Scheme, Url};

use crate::net::{connect_tcp, TcpBuffers};
use crate::transport::{self, IoFail, Transport, Waiting};

/// Header lines a response may have by default (the reader keeps 16 bytes per slot
/// inline, so this is part of the connection's state).
pub const DEFAULT_HEADER_SLOTS: usize = 16;

/// Options of an HTTP connection. Chain by value, then connect.
///
/// | option | default |
/// |---|---|
/// | [`connect_timeout`](Self::connect_timeout) | 10 s, covers DNS, TCP and TLS |
/// | [`read_timeout`](Self::read_timeout) | 30 s per read while a response is awaited |
/// | [`close_timeout`](Self::close_timeout) | 5 s |
/// | [`max_body_size`](Self::max_body_size) | the response buffer (a body must fit in it) |
/// | [`max_head_size`](Self::max_head_size) | the response buffer |
/// | header slots (`H`, [`header_slots`](Self::header_slots)) | [`DEFAULT_HEADER_SLOTS`] |
///
/// ```
/// use nexus_embassy_net::http::HttpClientBuilder;
/// use nexus_embassy_net::Duration;
///
/// let builder = HttpClientBuilder::new()
///     .read_timeout(Some(Duration::from_secs(5)))
///     .max_body_size(8 * 1024)
///     .header_slots::<32>();
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HttpClientBuilder<const H: usize = DEFAULT_HEADER_SLOTS> {
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    close_timeout: Duration,
    max_body_size: Option<usize>,
    max_head_size: Option<usize>,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClientBuilder {
    /// The defaults in the table above.
    pub const fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Some(Duration::from_secs(30)),
            close_timeout: Duration::from_secs(5),
            max_body_size: None,
            max_head_size: None,
        }
    }
}

impl<const H: usize> HttpClientBuilder<H> {
    /// Bound on the connect: DNS, TCP and TLS (default 10 s).
    pub const fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on each read while a response is awaited (default 30 s; `None` waits
    /// for ever). On expiry `send` fails with [`RestError::ReadTimeout`] and the
    /// connection is poisoned.
    pub const fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Bound on [`HttpClient::close`] (default 5 s).
    pub const fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Largest response body accepted (default: whatever fits the response buffer);
    /// a larger one is [`RestError::BodyTooLarge`].
    pub const fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Largest response head accepted (default: the response buffer); a larger one
    /// is [`HttpError::HeadTooLarge`](nexus_net::http::HttpError::HeadTooLarge).
    pub const fn max_head_size(mut self, bytes: usize) -> Self {
        self.max_head_size = Some(bytes);
        self
    }

    /// Hold up to `N` header lines per response (default
    /// [`DEFAULT_HEADER_SLOTS`]); a response with more is
    /// [`HttpError::TooManyHeaders`](nexus_net::http::HttpError::TooManyHeaders).
    pub const fn header_slots<const N: usize>(self) -> HttpClientBuilder<N> {
        HttpClientBuilder {
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            close_timeout: self.close_timeout,
            max_body_size: self.max_body_size,
            max_head_size: self.max_head_size,
        }
    }

    /// Connect to an `http://` URL over `stack` (DNS when the host is a name, TCP
    /// over `tcp`'s buffers). Requests are written into `request_buf`, responses read
    /// into `response_buf`. A path in the URL becomes the writer's base path.
    ///
    /// # Errors
    /// [`RestError::InvalidUrl`] (also for `https://`: use `connect_tls`, and for a
    /// query in the URL), [`RestError::Io`] (DNS failure: `NotFound`; timeout:
    /// `TimedOut`; TCP failures), [`RestError::RequestTooLarge`] when the host line
    /// does not fit `request_buf`.
    pub async fn connect<'b, 's>(
        &self,
        stack: Stack<'s>,
        url: &str,
        tcp: TcpBuffers<'s>,
        request_buf: &'b mut [u8],
        response_buf: &'b mut [u8],
    ) -> Result<HttpClient<'b, TcpSocket<'s>, H>, RestError> {
        let parsed = parse_url(url, Scheme::Http)?;
        let setup = connect_tcp(stack, parsed.host(), parsed.port(), tcp.rx, tcp.tx);
        let socket =
            with_timeout(self.connect_timeout, setup).await.unwrap_or(Err(crate::net::ConnectError::Timeout))?;
        self.client(socket, &parsed, request_buf, response_buf)
    }

    /// Connect to an `https://` URL over `stack`: DNS, TCP, then TLS 1.3 verified as
    /// `tls` says against the URL's host name. `rng` serves the TLS handshake.
    ///
    /// # Errors
    /// As [`connect`](Self::connect) (with `http://` refused instead), and
    /// [`RestError::Tls`] when the handshake fails or the certificate is refused.
    #[cfg(feature = "tls")]
    #[allow(clippy::too_many_arguments)] // every buffer is the caller's
    pub async fn connect_tls<'b, 's, R>(
        &self,
        stack: Stack<'s>,
        url: &str,
        tls: &crate::tls::TlsConfig<'_>,
        tcp: TcpBuffers<'s>,
        records: crate::tls::TlsBuffers<'s>,
        request_buf: &'b mut [u8],
        response_buf: &'b mut [u8],
        rng: &mut R,
    ) -> Result<HttpClient<'b, crate::tls::TlsStream<'s, TcpSocket<'s>>, H>, RestError>
    where
        R: nexus_net::rand_core::RngCore + nexus_net::rand_core::CryptoRng,
    {
        let parsed = parse_url(url, Scheme::Https)?;
        let setup = async {
            let socket = connect_tcp(stack, parsed.host(), parsed.port(), tcp.rx, tcp.tx).await?;
            crate::tls::TlsStream::connect(socket, parsed.host(), tls, records, rng).await
        };
        let stream =
            with_timeout(self.connect_timeout, setup).await.unwrap_or(Err(crate::net::ConnectError::Timeout))?;
        self.client(stream, &parsed, request_buf, response_buf)
    }

    /// An HTTP client over a transport the caller has already connected (a
    /// [`TcpSocket`], a [`TlsStream`](crate::tls::TlsStream), a test pipe) to the
    /// server of `url` (`http://` or `https://`; the scheme sets the default port
    /// of the `Host` header).
    ///
    /// # Errors
    /// [`RestError::InvalidUrl`], [`RestError::RequestTooLarge`] when the host line
    /// does not fit `request_buf`.
    pub fn connect_with<'b, T: Transport>(
        &self,
        io: T,
        url: &str,
        request_buf: &'b mut [u8],
        response_buf: &'b mut [u8],
    ) -> Result<HttpClient<'b, T, H>, RestError> {
        let parsed = Url::parse(url).map_err(|_| RestError::InvalidUrl("malformed URL"))?;
        if !matches!(parsed.scheme(), Scheme::Http | Scheme::Https) {
            return Err(RestError::InvalidUrl("scheme must be http or https"));
        }
        self.client(io, &parsed, request_buf, response_buf)
    }

    fn client<'b, T: Transport>(
        &self,
        io: T,
        url: &Url<'_>,
        request_buf: &'b mut [u8],
        response_buf: &'b mut [u8],
    ) -> Result<HttpClient<'b, T, H>, RestError> {
        let writer = RequestWriter::for_url(request_buf, url)?;
        let capacity = response_buf.len();
        let reader = ResponseReader::<_, H>::with_header_slots(response_buf)
            .with_max_body_size(self.max_body_size.unwrap_or(capacity))
            .with_max_head_size(self.max_head_size.unwrap_or(capacity));
        Ok(HttpClient {
            io,
            writer,
            reader,
            read_timeout: self.read_timeout,
            close_timeout: self.close_timeout,
            state: State::Idle,
        })
    }
}

fn parse_url(url: &str, want: Scheme) -> Result<Url<'_>, RestError> {
    let parsed = Url::parse(url).map_err(|_| RestError::InvalidUrl("malformed URL"))?;
    if parsed.scheme() != want {
        return Err(RestError::InvalidUrl(match want {
            Scheme::Https => "connect_tls takes https:// URLs",
            _ => "connect takes http:// URLs (https:// needs connect_tls)",
        }));
    }
    Ok(parsed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// Ready for a request.
    Idle,
    /// A request was sent and its response not read to the end (in flight, failed,
    /// or abandoned by a cancelled `send`): the framing is lost.
    Poisoned,
    /// The server said the connection ends after the last response, or closed it.
    Closing,
    /// The server sent bytes nobody asked for.
    Stale,
    /// `close` ran.
    Closed,
}

/// An HTTP/1.1 connection over transport `T`, one request at a time.
///
/// `H` is the number of header lines a response may have. The request and
/// response buffers are the caller's (lifetime `'b`).
///
/// Call [`close`](Self::close) before dropping it: embassy-net sends no FIN for a
/// socket that is merely dropped.
///
/// ```no_run
/// # async fn run<T: nexus_embassy_net::Transport>(
/// #     mut http: nexus_embassy_net::http::HttpClient<'_, T>,
/// # ) -> Result<(), nexus_net::rest::RestError> {
/// let req = http.writer().get("/api/v3/ticker/price").query("symbol", "BTCUSDT").finish()?;
/// let resp = http.send(req).await?;
/// if resp.status() == 200 {
///     let _price: &[u8] = resp.body(); // borrowed from the response buffer
/// }
/// http.close().await?;
/// # Ok(()) }
/// ```
pub struct HttpClient<'b, T, const H: usize = DEFAULT_HEADER_SLOTS> {
    io: T,
    writer: RequestWriter<&'b mut [u8]>,
    reader: ResponseReader<&'b mut [u8], H>,
    read_timeout: Option<Duration>,
    close_timeout: Duration,
    state: State,
}

impl<'b, T: Transport, const H: usize> HttpClient<'b, T, H> {
    /// The request writer: build a request with `get/post/put/delete/patch/request`,
    /// `.query`, `.header`, `.body`, then `.finish()` gives the [`Request`] to
    /// [`send`](Self::send). Default headers and the base path are set here too.
    pub fn writer(&mut self) -> &mut RequestWriter<&'b mut [u8]> {
        &mut self.writer
    }

    /// Send `req` and read its response, which borrows the response buffer until
    /// the next call.
    ///
    /// Not cancel-safe: a `send` dropped before the response was read poisons the
    /// connection.
    ///
    /// # Errors
    /// - [`RestError::ConnectionPoisoned`] after an earlier failed or abandoned
    ///   exchange; [`RestError::ConnectionClosed`] after a response that ended the
    ///   connection (`Connection: close`, HTTP/1.0, read-to-close body) or after
    ///   [`close`](Self::close), and when the server closes mid-response:
    ///   reconnect in either case.
    /// - [`RestError::ConnectionStale`] when the server sent bytes nobody asked for:
    ///   with the last response, or later while the connection was idle (where the
    ///   transport can tell, [`Transport::waiting`]: a `TcpSocket` can, TLS can't),
    ///   so the request is not sent to be paired with a wrong answer. Nothing was
    ///   sent; reconnect.
    /// - [`RestError::StaleRequest`] for a token from another request or writer.
    /// - [`RestError::Io`], [`RestError::ReadTimeout`], and the codec's
    ///   [`RestError::Http`] and [`RestError::BodyTooLarge`].
    pub async fn send(&mut self, req: Request) -> Result<Response<'_>, RestError> {
        if self.state == State::Idle {
            // Late bytes or the server's close, where the transport can tell (bytes
            // that came with the last response are core's `Reuse::Broken`).
            match self.io.waiting() {
                Some(Waiting::Bytes) => self.state = State::Stale,
                Some(Waiting::End) => self.state = State::Closing,
                _ => {}
            }
        }
        match self.state {
            State::Idle => {}
            State::Poisoned => return Err(RestError::ConnectionPoisoned),
            State::Closing => return Err(RestError::ConnectionClosed("the server ended the connection")),
            State::Stale => return Err(RestError::ConnectionStale),
            State::Closed => return Err(RestError::ConnectionClosed("closed by the client")),
        }
        let bytes = self.writer.bytes(&req)?;
        self.state = State::Poisoned;
        transport::send_all(&mut self.io, bytes).await.map_err(RestError::io_kind)?;
        self.reader.begin(req.is_head());
        loop {
            match self.reader.advance()? {
                Progress::Complete => break,
                Progress::NeedMore => {
                    let n = match transport::read_some(&mut self.io, self.reader.spare(), self.read_timeout).await {
                        Ok(n) => n,
                        Err(IoFail::Timeout) => return Err(RestError::ReadTimeout),
                        Err(IoFail::Io(kind)) => return Err(RestError::io_kind(kind)),
                    };
                    if n == 0 {
                        self.reader.eof()?;
                        break;
                    }
                    self.reader.commit(n);
                }
            }
        }
        // Core's rule: bytes after the response (nobody asked for them) break the
        // connection, as they would on tokio.
        self.state = match self.reader.reuse() {
            Reuse::Ready => State::Idle,
            Reuse::Closing => State::Closing,
            Reuse::Broken => State::Stale,
        };
        Ok(self.reader.response())
    }

    /// Whether the next [`send`](Self::send) can go out on this connection (as far
    /// as is known now: `send` also asks the transport what arrived since).
    pub fn is_reusable(&self) -> bool {
        self.state == State::Idle
    }

    /// Close gracefully: half-close the transport (TCP FIN; TLS `close_notify`
    /// first) after what was written is acknowledged, then read and discard until
    /// the server's end of stream, within the close timeout. Further sends fail with
    /// [`RestError::ConnectionClosed`]. A second call does nothing.
    ///
    /// # Errors
    /// [`RestError::Io`] with `TimedOut` when the server did not end the stream in
    /// time, or the transport's error.
    pub async fn close(&mut self) -> Result<(), RestError> {
        if self.state == State::Closed {
            return Ok(());
        }
        self.state = State::Closed;
        self.reader.reset();
        transport::graceful_close(&mut self.io, self.reader.spare(), self.close_timeout).await.map_err(|e| match e {
            IoFail::Timeout => RestError::io_kind(IoErrorKind::TimedOut),
            IoFail::Io(kind) => RestError::io_kind(kind),
        })
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// The transport, mutably (for socket options; reading or writing through it
    /// corrupts the HTTP stream).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// Give back the transport.
    pub fn into_inner(self) -> T {
        self.io
    }
}

#[cfg(feature = "defmt")]
impl<T, const H: usize> defmt::Format for HttpClient<'_, T, H> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "HttpClient {{ state: {} }}", self.state)
    }
}

impl<T, const H: usize> core::fmt::Debug for HttpClient<'_, T, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpClient").field("state", &self.state).finish_non_exhaustive()
    }
}
