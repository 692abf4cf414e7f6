//! [`HttpConnection`]: one keep-alive HTTP/1.1 connection, and the options to make one
//! ([`HttpConnectionBuilder`]).

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use nexus_net::buf::Storage;
use nexus_net::http::{Progress, Request, RequestWriter, Response, ResponseReader, Reuse};
use nexus_net::rest::RestError;
use nexus_net::tls::TlsConfig;
use nexus_net::url::{Scheme, Url};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::clock::Stamp;
use super::transport;
use crate::connect::{self, MaybeTlsStream, TcpOptions};

/// Default [`HttpConnectionBuilder::connect_timeout`]: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`HttpConnectionBuilder::read_timeout`]: 10 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for HTTP/1.1 connections, and the way to make one
/// ([`connect`](Self::connect)). [`ClientPool`](super::ClientPool) uses the same
/// options for every connection it makes.
///
/// Cheap to clone; `connect` takes `&self`, so one builder serves every reconnect.
///
/// ```no_run
/// use nexus_async_net::rest::HttpConnectionBuilder;
/// use std::time::Duration;
/// # async fn run() -> Result<(), nexus_net::rest::RestError> {
/// let conn = HttpConnectionBuilder::new()
///     .disable_nagle()
///     .connect_timeout(Duration::from_secs(3))
///     .read_timeout(Duration::from_secs(2))
///     .connect("https://api.example.com")
///     .await?;
/// # let _ = conn; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HttpConnectionBuilder {
    tls: Option<TlsConfig>,
    tcp: TcpOptions,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
}

impl Default for HttpConnectionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpConnectionBuilder {
    /// Defaults: TLS (for `https://`) with [`TlsConfig::new`] (system roots), ALPN
    /// `http/1.1`; Nagle on; no TCP keepalive; connect timeout
    /// [`DEFAULT_CONNECT_TIMEOUT`]; read timeout [`DEFAULT_READ_TIMEOUT`].
    pub fn new() -> Self {
        Self {
            tls: None,
            tcp: TcpOptions::default(),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
        }
    }

    /// TLS configuration for `https://` URLs. SNI and certificate verification use
    /// the URL's host. If the configuration offers no ALPN protocol, `http/1.1` is
    /// offered.
    pub fn tls(mut self, tls: &TlsConfig) -> Self {
        self.tls = Some(tls.clone());
        self
    }

    /// Set `TCP_NODELAY` (disable Nagle's algorithm): a must for request/response
    /// latency.
    pub fn disable_nagle(mut self) -> Self {
        self.tcp.nodelay = true;
        self
    }

    /// Enable TCP keepalive probes after `idle` without traffic, repeated every
    /// `idle` (so a silently dead peer is found by the kernel).
    pub fn tcp_keepalive(mut self, idle: Duration) -> Self {
        self.tcp.keepalive = Some(idle);
        self
    }

    /// `SO_RCVBUF` of new sockets (default: the system's).
    pub fn recv_buffer_size(mut self, n: usize) -> Self {
        self.tcp.recv_buffer = Some(n);
        self
    }

    /// `SO_SNDBUF` of new sockets (default: the system's).
    pub fn send_buffer_size(mut self, n: usize) -> Self {
        self.tcp.send_buffer = Some(n);
        self
    }

    /// Deadline for one connect as a whole: DNS, TCP and TLS (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]). Exceeding it is [`RestError::Io`] of kind
    /// `TimedOut`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Deadline for one exchange on a connection: from the request's write (the
    /// clock is read when the exchange first waits on the socket, microseconds later)
    /// to the last byte of the response (default [`DEFAULT_READ_TIMEOUT`]).
    /// Exceeding it is [`RestError::ReadTimeout`], and the connection is not reused.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// No read deadline (not recommended: a stalled server then stalls the caller).
    pub fn no_read_timeout(mut self) -> Self {
        self.read_timeout = None;
        self
    }

    /// Connect to an `http://` or `https://` URL (its path is ignored).
    ///
    /// # Errors
    /// [`RestError::InvalidUrl`] for a URL that does not parse or has another scheme;
    /// [`RestError::Io`] when DNS or TCP fail or `connect_timeout` passes;
    /// [`RestError::Tls`] when the TLS handshake fails (untrusted certificate, wrong
    /// host name...).
    pub async fn connect(&self, url: &str) -> Result<HttpConnection, RestError> {
        let target = Target::parse(url)?;
        self.connect_to(&target).await
    }

    pub(crate) async fn connect_to(&self, target: &Target) -> Result<HttpConnection, RestError> {
        let fut = async {
            let tcp = connect::tcp_connect(&target.host, target.port, &self.tcp).await?;
            let stream = if target.tls {
                let tls = match &self.tls {
                    Some(tls) => transport::with_http11_alpn(tls),
                    None => transport::with_http11_alpn(&TlsConfig::new()),
                };
                let tls = connect::tls_connect(&tls, &target.host, tcp).await.map_err(transport::ws_to_rest)?;
                MaybeTlsStream::Tls(Box::new(tls))
            } else {
                MaybeTlsStream::Plain(tcp)
            };
            Ok(HttpConnection::new(stream, self.read_timeout))
        };
        match self.connect_timeout {
            None => fut.await,
            Some(d) => tokio::time::timeout(d, fut).await.unwrap_or_else(|_| {
                Err(RestError::Io(io::Error::new(io::ErrorKind::TimedOut, "connect timed out (DNS, TCP and TLS)")))
            }),
        }
    }

    /// The same builder with its TLS config resolved once (ALPN added), so that
    /// reconnects don't rebuild it.
    pub(crate) fn resolved(mut self, tls: bool) -> Self {
        if tls {
            let base = self.tls.take().unwrap_or_default();
            self.tls = Some(transport::with_http11_alpn(&base));
        }
        self
    }
}

/// Where a connection goes: host, port, TLS or not (from an `http(s)://` URL).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, RestError> {
        let url = Url::parse(url).map_err(transport::url_error)?;
        if !matches!(url.scheme(), Scheme::Http | Scheme::Https) {
            return Err(RestError::InvalidUrl("scheme must be http or https"));
        }
        Ok(Self { host: url.host().to_owned(), port: url.port(), tls: url.scheme().is_tls() })
    }
}

/// The state of a connection between exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    /// Idle and reusable.
    Ready,
    /// An exchange began and has not finished: if seen by a new send, the previous
    /// send was cancelled half-way (the future was dropped).
    InFlight,
    /// The peer closed the connection (or announced it would); the text says how.
    Closed(&'static str),
    /// An exchange failed: the framing of the stream is unknown.
    Broken,
    /// The server sent bytes nobody asked for (after a response, or while idle).
    Stale,
}

/// One keep-alive HTTP/1.1 connection over TCP or TLS.
///
/// [`send`](Self::send) writes one request from a [`RequestWriter`] and reads its
/// response into a [`ResponseReader`], under the read timeout. The connection knows
/// when it can't be reused, and refuses to be:
///
/// - a send that failed or was cancelled (its future dropped) half-way poisons it
///   ([`RestError::ConnectionPoisoned`] from then on);
/// - a response the server does not keep open closes it: `Connection: close`,
///   HTTP/1.0 without `Connection: keep-alive`, or a read-to-close body (the
///   decision is core's [`Response::keep_alive`](nexus_net::http::Response::keep_alive));
/// - before writing, it checks without blocking that the peer has not closed the
///   idle connection ([`RestError::ConnectionClosed`], nothing sent) nor sent bytes
///   nobody asked for ([`RestError::ConnectionStale`]).
///
/// [`ClientPool`](super::ClientPool) keeps several and replaces the ones that break;
/// use `HttpConnection` directly for a single connection you heal yourself.
///
/// ```no_run
/// use nexus_async_net::rest::HttpConnectionBuilder;
/// use nexus_net::http::{RequestWriter, ResponseReader};
/// # async fn run() -> Result<(), nexus_net::rest::RestError> {
/// let mut conn = HttpConnectionBuilder::new().disable_nagle().connect("http://127.0.0.1:8080").await?;
/// let mut writer = RequestWriter::new(vec![0u8; 4096], "127.0.0.1", 8080, false)?;
/// let mut reader = ResponseReader::new(vec![0u8; 64 * 1024]);
/// let req = writer.get("/time").finish()?;
/// let resp = conn.send(&writer, req, &mut reader).await?;
/// println!("{} {:?}", resp.status(), resp.body());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HttpConnection {
    stream: MaybeTlsStream,
    read_timeout: Option<Duration>,
    health: Health,
    last_used: Stamp,
    /// The read-timeout timer, made on the first send and reused (see `Timer`): a
    /// fresh `tokio::time::timeout` per exchange would insert into and remove from
    /// tokio's timer wheel, under its lock, every time.
    timer: Option<Timer>,
}

impl HttpConnection {
    /// Wrap a connected transport. `read_timeout` bounds each exchange (see
    /// [`HttpConnectionBuilder::read_timeout`]).
    pub fn new(stream: MaybeTlsStream, read_timeout: Option<Duration>) -> Self {
        Self { stream, read_timeout, health: Health::Ready, last_used: Stamp::now(), timer: None }
    }

    /// Connect with default options; see [`HttpConnectionBuilder::connect`].
    ///
    /// # Errors
    /// As [`HttpConnectionBuilder::connect`].
    pub async fn connect(url: &str) -> Result<Self, RestError> {
        HttpConnectionBuilder::new().connect(url).await
    }

    /// Whether the connection can carry another request: no exchange failed or was
    /// abandoned on it, and the peer did not announce or perform a close.
    /// (A peer close not yet seen is found by [`check`](Self::check).)
    pub fn is_reusable(&self) -> bool {
        self.health == Health::Ready
    }

    /// Time since the connection was made or its last response completed (coarse:
    /// a few milliseconds of resolution).
    pub fn idle_for(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// The transport.
    pub fn stream(&self) -> &MaybeTlsStream {
        &self.stream
    }

    /// The error a send on this connection would fail with before writing anything,
    /// or `Ok` if it is reusable as far as is known.
    fn health_error(&self) -> Result<(), RestError> {
        match self.health {
            Health::Ready => Ok(()),
            Health::InFlight | Health::Broken => Err(RestError::ConnectionPoisoned),
            Health::Stale => Err(RestError::ConnectionStale),
            Health::Closed(why) => Err(RestError::ConnectionClosed(why)),
        }
    }

    /// Check, without blocking, that the idle connection is still usable: not
    /// poisoned or closed, the peer has not closed it (TCP FIN, TLS close_notify) and
    /// has sent nothing unasked. Costs no system call unless the socket has become
    /// readable since the last check.
    ///
    /// # Errors
    /// [`RestError::ConnectionPoisoned`], [`RestError::ConnectionClosed`],
    /// [`RestError::ConnectionStale`] (unsolicited bytes), [`RestError::Io`]; the
    /// connection is then never reusable.
    pub fn check(&mut self) -> Result<(), RestError> {
        self.health_error()?;
        // Fast path: tokio's cached readiness says nothing arrived since the socket
        // was last drained, so no system call. Otherwise peek (consuming nothing): an
        // empty socket clears the readiness, so the next check is free again.
        let tcp = self.stream.tcp();
        let mut byte = [MaybeUninit::<u8>::uninit(); 1];
        let mut peeked = false;
        let r = tcp.try_io(Interest::READABLE, || {
            peeked = true;
            socket2::SockRef::from(tcp).peek(&mut byte)
        });
        match r {
            // Tokio's "not ready" (its closure not called: no need to decode the
            // error's kind), or the peek's `EAGAIN`. Neither owns memory: skipping
            // the out-of-line `io::Error` destructor saves a call on every check (two
            // per pooled request).
            Err(e) if !peeked || e.kind() == io::ErrorKind::WouldBlock => {
                debug_assert!(e.kind() == io::ErrorKind::WouldBlock && e.get_ref().is_none(), "{e:?}");
                std::mem::forget(e);
                Ok(())
            }
            Ok(0) => self.closed_while_idle(),
            // Bytes on a plain connection: nobody asked for them. On TLS they may be
            // a session ticket or a close_notify: let the TLS layer say.
            Ok(_) => match self.stream {
                MaybeTlsStream::Plain(_) => {
                    self.health = Health::Stale;
                    Err(RestError::ConnectionStale)
                }
                MaybeTlsStream::Tls(_) => self.check_tls(),
            },
            Err(e) => {
                self.health = Health::Broken;
                Err(RestError::Io(e))
            }
        }
    }

    fn closed_while_idle(&mut self) -> Result<(), RestError> {
        let why = "the server closed the idle connection";
        self.health = Health::Closed(why);
        Err(RestError::ConnectionClosed(why))
    }

    /// Read what the TLS layer has without waiting: records that carry no data (a
    /// session ticket) are fine, data is unsolicited, close_notify or EOF is a close.
    #[cold]
    fn check_tls(&mut self) -> Result<(), RestError> {
        let mut scratch = [0u8; 64];
        let mut buf = ReadBuf::new(&mut scratch);
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(&mut self.stream).poll_read(&mut cx, &mut buf) {
            Poll::Pending => Ok(()),
            Poll::Ready(Ok(())) if buf.filled().is_empty() => self.closed_while_idle(),
            Poll::Ready(Ok(())) => {
                self.health = Health::Stale;
                Err(RestError::ConnectionStale)
            }
            Poll::Ready(Err(e)) => {
                self.health = Health::Broken;
                Err(RestError::Io(e))
            }
        }
    }

    /// Mark the connection unusable, e.g. when it has been idle longer than the
    /// server keeps connections.
    pub(crate) fn mark_stale(&mut self) {
        if self.health == Health::Ready {
            self.health = Health::Broken;
        }
    }

    /// Send the request `req` (written by `writer`) and read its response into
    /// `reader`.
    ///
    /// The request goes out in one write; the response is parsed as it arrives, in
    /// `reader`'s buffer, and returned borrowed from it. The whole exchange must end
    /// within the read timeout.
    ///
    /// Cancel safety: dropping the future before it completes poisons the
    /// connection (the server may be answering a request nobody reads).
    ///
    /// # Errors
    /// Before anything is written (the connection is still fine unless said):
    /// [`RestError::StaleRequest`] for a token `writer` did not make or has
    /// overwritten since; [`RestError::ConnectionPoisoned`] or
    /// [`RestError::ConnectionClosed`] for a connection that can't be reused;
    /// [`RestError::ConnectionStale`] when the server sent bytes nobody asked for.
    ///
    /// After writing began (the connection is then poisoned, and the server may
    /// have acted on the request): [`RestError::Io`], [`RestError::ReadTimeout`],
    /// [`RestError::ConnectionClosed`] (EOF before the response was complete),
    /// [`RestError::Http`] (malformed response), [`RestError::BodyTooLarge`].
    pub async fn send<'r, W: Storage, R: Storage, const H: usize>(
        &mut self,
        writer: &RequestWriter<W>,
        req: Request,
        reader: &'r mut ResponseReader<R, H>,
    ) -> Result<Response<'r>, RestError> {
        let bytes = writer.bytes(&req)?;
        self.check()?;
        // Bytes left in the reader can't belong to this connection (a response
        // followed by extra bytes breaks the connection): they are from another one,
        // or from a failed exchange. Start clean.
        if reader.buffered() != 0 {
            reader.reset();
        }
        self.health = Health::InFlight;
        reader.begin(req.is_head());
        let (stream, timer, timeout) = (&mut self.stream, &mut self.timer, self.read_timeout);
        let mut exchange = Exchange { bytes, written: 0, flushed: !matches!(stream, MaybeTlsStream::Tls(_)) };
        let mut deadline = None;
        let result = std::future::poll_fn(|cx| {
            // The exchange first: a response that is already there never touches the
            // timer.
            if let Poll::Ready(r) = exchange.poll(stream, reader, cx) {
                return Poll::Ready(r);
            }
            match timeout {
                None => Poll::Pending,
                Some(d) => {
                    // The clock is read when the exchange first waits (the request
                    // written, or the socket's send buffer full): while the server
                    // works, not before the request goes out.
                    let deadline = *deadline.get_or_insert_with(|| Instant::now() + d);
                    timer.get_or_insert_with(|| Timer::new(deadline)).poll_deadline(deadline, cx)
                }
            }
        })
        .await;
        match result {
            Ok(closed) => {
                self.last_used = Stamp::now();
                self.health = match reader.reuse() {
                    _ if closed => Health::Closed("the server closed the connection after the response"),
                    Reuse::Ready => Health::Ready,
                    Reuse::Closing => Health::Closed(
                        "the server does not keep the connection open (Connection: close, or HTTP/1.0 without keep-alive)",
                    ),
                    Reuse::Broken => Health::Stale,
                };
                Ok(reader.response())
            }
            Err(e) => {
                self.health = Health::Broken;
                Err(e)
            }
        }
    }
}

/// The read-timeout timer of a connection: one tokio [`Sleep`], made on the first
/// send and reused by every exchange.
///
/// It is re-armed lazily: it may still hold an earlier exchange's deadline (always
/// earlier, since every exchange gets the same timeout). When that fires first, it
/// is moved to the current deadline and polled again, so an exchange fails exactly
/// at its own deadline (to tokio's 1 ms timer resolution), while a request costs a
/// clock read, not a timer reset (the timer fires at most once per timeout period
/// under steady traffic). It is polled only when it may not hold the current task's
/// waker; otherwise its registration from the last poll stands.
#[derive(Debug)]
struct Timer {
    sleep: Pin<Box<Sleep>>,
    /// The waker the sleep holds from its last `Pending` poll.
    waker: Option<Waker>,
}

impl Timer {
    fn new(deadline: Instant) -> Self {
        Self { sleep: Box::pin(tokio::time::sleep_until(deadline)), waker: None }
    }

    /// `Ready(Err(ReadTimeout))` once `deadline` has passed; otherwise `Pending`, with
    /// the task's waker registered to be woken at (or, lazily, before) `deadline`.
    ///
    /// The common case (already registered for this task) is inlined into the
    /// caller; the rest is [`poll_deadline_slow`](Self::poll_deadline_slow).
    #[inline]
    fn poll_deadline(&mut self, deadline: Instant, cx: &mut Context<'_>) -> Poll<Result<bool, RestError>> {
        // Registered (a `Pending` poll and not fired since) for this task, at or before
        // the deadline: when it fires, this task is woken and the slow path runs.
        if !self.sleep.is_elapsed()
            && self.sleep.deadline() <= deadline
            && self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        self.poll_deadline_slow(deadline, cx)
    }

    /// [`poll_deadline`](Self::poll_deadline) when the sleep is not registered for
    /// this task at or before `deadline`: re-arm it if needed and poll it.
    #[inline(never)]
    fn poll_deadline_slow(&mut self, deadline: Instant, cx: &mut Context<'_>) -> Poll<Result<bool, RestError>> {
        let sleep = &mut self.sleep;
        if sleep.deadline() > deadline {
            sleep.as_mut().reset(deadline);
        }
        loop {
            match sleep.as_mut().poll(cx) {
                Poll::Pending => {
                    if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        self.waker = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                Poll::Ready(()) if sleep.deadline() >= deadline => {
                    return Poll::Ready(Err(RestError::ReadTimeout));
                }
                Poll::Ready(()) => sleep.as_mut().reset(deadline),
            }
        }
    }
}

/// One exchange on a connection, polled by [`HttpConnection::send`]: write the request
/// (and flush it through TLS), then read until the response is complete. One poll
/// function rather than nested futures: a response wakes the task into a single
/// call that reads and parses it.
struct Exchange<'b> {
    bytes: &'b [u8],
    /// Bytes of `bytes` written so far.
    written: usize,
    /// Whether the write is flushed (always, on plain TCP).
    flushed: bool,
}

impl Exchange<'_> {
    /// `Ready(Ok(closed))` once the response is complete, `closed` when the peer
    /// closed the connection to end it (a read-to-close body).
    #[inline]
    fn poll<R: Storage, const H: usize>(
        &mut self,
        stream: &mut MaybeTlsStream,
        reader: &mut ResponseReader<R, H>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<bool, RestError>> {
        while self.written < self.bytes.len() {
            match std::task::ready!(Pin::new(&mut *stream).poll_write(cx, &self.bytes[self.written..]))? {
                0 => return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero).into())),
                n => self.written += n,
            }
        }
        if !self.flushed {
            std::task::ready!(Pin::new(&mut *stream).poll_flush(cx))?;
            self.flushed = true;
        }
        // `send` starts every exchange with nothing buffered, so there is nothing to
        // parse before the first read.
        loop {
            let mut buf = ReadBuf::new(reader.spare());
            std::task::ready!(Pin::new(&mut *stream).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                reader.eof()?;
                return Poll::Ready(Ok(true));
            }
            reader.commit(n);
            if reader.advance()? == Progress::Complete {
                return Poll::Ready(Ok(false));
            }
        }
    }
}
