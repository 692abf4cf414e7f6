//! [`ClientPool`]: a fixed set of keep-alive connections to one server that heals
//! itself, and its [`ClientPoolBuilder`].

use std::fmt;
use std::future::Future;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use nexus_net::http::{Request, RequestWriter, Response, ResponseReader, DEFAULT_MAX_BODY_SIZE};
use nexus_net::rest::RestError;
use nexus_net::tls::TlsConfig;
use nexus_net::url::Url;
use rand::Rng;
use tokio::runtime::Handle;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::connection::{HttpConnection, HttpConnectionBuilder, Target};
use super::transport;

/// Default [`ClientPoolBuilder::connections`]: 4.
pub const DEFAULT_CONNECTIONS: usize = 4;
/// Default [`ClientPoolBuilder::write_buffer_capacity`]: 16 KiB.
pub const DEFAULT_WRITE_BUFFER_CAPACITY: usize = 16 * 1024;
/// Default [`ClientPoolBuilder::response_buffer_capacity`]: 64 KiB.
pub const DEFAULT_RESPONSE_BUFFER_CAPACITY: usize = 64 * 1024;
/// Default [`ClientPoolBuilder::acquire_timeout`]: 5 s.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default [`ClientPoolBuilder::idle_timeout`]: 50 s (below the 60 s or more after
/// which common servers and load balancers drop idle connections).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(50);
/// Default first delay of [`ClientPoolBuilder::reconnect_backoff`]: 50 ms.
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(50);
/// Default longest delay of [`ClientPoolBuilder::reconnect_backoff`]: 5 s.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Options of a [`ClientPool`]; made by [`ClientPool::builder`], consumed by
/// [`build`](Self::build). Every option takes and returns the builder by value.
///
/// ```no_run
/// use nexus_async_net::rest::ClientPool;
/// use nexus_net::tls::TlsConfig;
/// use std::time::Duration;
/// # async fn run() -> Result<(), nexus_net::rest::RestError> {
/// let pool = ClientPool::builder()
///     .url("https://api.binance.com")
///     .base_path("/api/v3")
///     .default_header("X-MBX-APIKEY", "key")?
///     .connections(4)
///     .tls(&TlsConfig::new())
///     .disable_nagle()
///     .tcp_keepalive(Duration::from_secs(60))
///     .build()
///     .await?;
/// # let _ = pool; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientPoolBuilder {
    url: Option<String>,
    base_path: Option<String>,
    headers: Vec<(String, String)>,
    connections: usize,
    conn: HttpConnectionBuilder,
    write_capacity: usize,
    response_capacity: usize,
    max_body: usize,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    backoff: (Duration, Duration),
    keep_warm: Option<(Duration, String)>,
}

impl Default for ClientPoolBuilder {
    fn default() -> Self {
        Self {
            url: None,
            base_path: None,
            headers: Vec::new(),
            connections: DEFAULT_CONNECTIONS,
            conn: HttpConnectionBuilder::new(),
            write_capacity: DEFAULT_WRITE_BUFFER_CAPACITY,
            response_capacity: DEFAULT_RESPONSE_BUFFER_CAPACITY,
            max_body: DEFAULT_MAX_BODY_SIZE,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            backoff: (DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX),
            keep_warm: None,
        }
    }
}

impl ClientPoolBuilder {
    /// The server: `http://host[:port]` or `https://host[:port]` (required). A path
    /// in the URL is the base path, as with [`base_path`](Self::base_path) (give it
    /// one way or the other); a query in it is refused.
    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.to_owned());
        self
    }

    /// Prefix of every request path (e.g. `"/api/v3"`). Checked by `build`.
    pub fn base_path(mut self, path: &str) -> Self {
        self.base_path = Some(path.to_owned());
        self
    }

    /// A header sent with every request (an API key, say).
    ///
    /// # Errors
    /// [`RestError::CrlfInjection`] for CR, LF or NUL in the name or value;
    /// [`RestError::Http`] for a name or value a header can't hold, or a header the
    /// writer sets itself (`Host`, `Content-Length`, `Transfer-Encoding`).
    pub fn default_header(mut self, name: &str, value: &str) -> Result<Self, RestError> {
        RequestWriter::new(Vec::new(), "localhost", 80, false)?.default_header(name, value)?;
        self.headers.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Number of connections (slots) kept open (default [`DEFAULT_CONNECTIONS`];
    /// at least 1).
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = n.max(1);
        self
    }

    /// TLS configuration for an `https://` URL (default: [`TlsConfig::new`], the
    /// system roots). ALPN `http/1.1` is offered unless the config offers protocols.
    pub fn tls(mut self, tls: &TlsConfig) -> Self {
        self.conn = self.conn.tls(tls);
        self
    }

    /// Set `TCP_NODELAY` on every connection: a must for trading latency.
    pub fn disable_nagle(mut self) -> Self {
        self.conn = self.conn.disable_nagle();
        self
    }

    /// TCP keepalive probes after `idle` without traffic (default off).
    pub fn tcp_keepalive(mut self, idle: Duration) -> Self {
        self.conn = self.conn.tcp_keepalive(idle);
        self
    }

    /// Deadline of each connect, DNS + TCP + TLS (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.conn = self.conn.connect_timeout(timeout);
        self
    }

    /// Deadline of each exchange, from writing the request to the end of the
    /// response (default 10 s); past it, `send` fails with
    /// [`RestError::ReadTimeout`] and the slot is reconnected.
    ///
    /// Enforced per exchange by one reusable tokio timer per connection (reset for
    /// each request, which costs no timer-wheel insertion when the deadline moves
    /// later): the error comes at the deadline, to tokio's timer resolution (1 ms).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.conn = self.conn.read_timeout(timeout);
        self
    }

    /// No deadline on exchanges (not recommended: a stalled server then holds the
    /// slot and the caller until the connection breaks).
    pub fn no_read_timeout(mut self) -> Self {
        self.conn = self.conn.no_read_timeout();
        self
    }

    /// Size of each slot's request buffer (default
    /// [`DEFAULT_WRITE_BUFFER_CAPACITY`]), allocated once: a larger request is
    /// [`RestError::RequestTooLarge`], never a reallocation.
    pub fn write_buffer_capacity(mut self, n: usize) -> Self {
        self.write_capacity = n;
        self
    }

    /// Initial size of each slot's response buffer (default
    /// [`DEFAULT_RESPONSE_BUFFER_CAPACITY`]). It grows for a larger response, up to
    /// what `max_body_size` allows, and keeps its size afterwards.
    pub fn response_buffer_capacity(mut self, n: usize) -> Self {
        self.response_capacity = n;
        self
    }

    /// Largest response body accepted (default 16 MiB); a larger one is
    /// [`RestError::BodyTooLarge`] (and the slot is reconnected).
    pub fn max_body_size(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// How long [`ClientPool::acquire`] waits for a healthy slot (default
    /// [`DEFAULT_ACQUIRE_TIMEOUT`]).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// A connection idle for longer than this is not handed out: it is reconnected
    /// in the background first (default [`DEFAULT_IDLE_TIMEOUT`]). Set it below the
    /// server's keep-alive timeout.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Never reconnect a connection for being idle (the peer's close is still
    /// noticed).
    pub fn no_idle_timeout(mut self) -> Self {
        self.idle_timeout = None;
        self
    }

    /// Delays between reconnect attempts of a broken slot: the first retry after
    /// `min`, doubling up to `max`, each with up to 50% random jitter (default
    /// [`DEFAULT_BACKOFF_MIN`], [`DEFAULT_BACKOFF_MAX`]). The first attempt is
    /// immediate.
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff = (min, max.max(min));
        self
    }

    /// Keep connections warm (default off): a connection idle for `interval` is
    /// sent `GET path` in the background (its response discarded), so it stays open
    /// and its caches stay warm. While that request is in flight its slot is not
    /// available.
    pub fn keep_warm(mut self, interval: Duration, path: &str) -> Self {
        self.keep_warm = Some((interval, path.to_owned()));
        self
    }

    /// Open the connections (concurrently) and start the pool's background task.
    ///
    /// Connections that fail while at least one succeeds are reconnected in the
    /// background. Must be called within a tokio runtime (a `LocalSet` is fine).
    ///
    /// # Errors
    /// [`RestError::InvalidUrl`] without a usable `http(s)` URL or with a bad base
    /// path; the first connect error ([`RestError::Io`], [`RestError::Tls`]...) when
    /// no connection at all could be made.
    pub async fn build(self) -> Result<ClientPool, RestError> {
        let url = self.url.as_deref().ok_or(RestError::InvalidUrl("no URL: call ClientPoolBuilder::url"))?;
        let target = Target::parse(url)?;
        let url = Url::parse(url).map_err(transport::url_error)?;
        if self.base_path.is_some() && url.path() != "/" {
            return Err(RestError::InvalidUrl("base path given twice: in the URL and by base_path"));
        }
        let conn = self.conn.clone().resolved(target.tls);
        let config = Arc::new(Config {
            target,
            conn,
            acquire_timeout: self.acquire_timeout,
            idle_timeout: self.idle_timeout,
            backoff: self.backoff,
            keep_warm: self.keep_warm.clone(),
        });
        let mut slots = Vec::with_capacity(self.connections);
        for _ in 0..self.connections {
            slots.push(Box::new(self.new_slot(&url)?));
        }
        let attempts =
            futures_util::future::join_all(slots.iter().map(|_| config.conn.connect_to(&config.target))).await;
        let mut first_error = None;
        let mut healthy = Vec::new();
        let mut broken = Vec::new();
        for (mut slot, attempt) in slots.into_iter().zip(attempts) {
            match attempt {
                Ok(conn) => {
                    slot.attach(conn);
                    healthy.push(slot);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                    broken.push(slot);
                }
            }
        }
        if healthy.is_empty() {
            return Err(first_error.unwrap_or(RestError::ConnectionClosed("no connection")));
        }
        let (shutdown, _) = watch::channel(());
        let shared = Arc::new_cyclic(|me| Shared {
            free: Mutex::new(healthy),
            waiters: AtomicUsize::new(0),
            available: Notify::new(),
            reconnecting: AtomicUsize::new(0),
            last_error: Mutex::new(first_error.as_ref().map(ToString::to_string)),
            size: self.connections,
            config,
            shutdown,
            runtime: Handle::current(),
            me: me.clone(),
        });
        for slot in broken {
            shared.heal(slot);
        }
        if let Some(period) = shared.maintenance_period() {
            let task = maintain(shared.me.clone(), shared.shutdown.subscribe(), period);
            shared.runtime.spawn(task);
        }
        Ok(ClientPool { shared })
    }

    fn new_slot(&self, url: &Url<'_>) -> Result<Slot, RestError> {
        let mut writer = RequestWriter::for_url(vec![0u8; self.write_capacity], url)?;
        writer.set_max_request_size(self.write_capacity);
        if let Some(path) = &self.base_path {
            writer.set_base_path(path)?;
        }
        for (name, value) in &self.headers {
            writer.default_header(name, value)?;
        }
        let reader = ResponseReader::new(vec![0u8; self.response_capacity]).with_max_body_size(self.max_body);
        Ok(Slot { writer, conn: None, reader })
    }
}

/// What every background task needs; shared without keeping the pool alive.
#[derive(Debug)]
struct Config {
    target: Target,
    conn: HttpConnectionBuilder,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    backoff: (Duration, Duration),
    keep_warm: Option<(Duration, String)>,
}

struct Shared {
    /// Healthy idle slots; the last one is the most recently used (the warmest).
    /// Boxed so that taking and returning a slot moves a pointer, not the slot.
    #[allow(clippy::vec_box)]
    free: Mutex<Vec<Box<Slot>>>,
    /// Tasks waiting in `acquire`: a release notifies only when there are some.
    waiters: AtomicUsize,
    available: Notify,
    reconnecting: AtomicUsize,
    last_error: Mutex<Option<String>>,
    size: usize,
    config: Arc<Config>,
    /// Dropped with the pool: every background task sees it close and ends.
    shutdown: watch::Sender<()>,
    runtime: Handle,
    me: Weak<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock can't leave a Vec of slots inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Take a healthy slot if one is free. Slots found broken on the way are sent
    /// to be reconnected.
    fn take(&self) -> Option<Box<Slot>> {
        loop {
            let mut slot = lock(&self.free).pop()?;
            match slot.usable(self.config.idle_timeout) {
                Ok(()) => return Some(slot),
                Err(_) => self.heal(slot),
            }
        }
    }

    fn put(&self, slot: Box<Slot>) {
        lock(&self.free).push(slot);
        if self.waiters.load(Ordering::SeqCst) != 0 {
            self.available.notify_one();
        }
    }

    fn release(&self, slot: Box<Slot>) {
        if slot.conn.as_ref().is_some_and(HttpConnection::is_reusable) {
            self.put(slot);
        } else {
            self.heal(slot);
        }
    }

    /// Drop the slot's connection and reconnect it in the background.
    fn heal(&self, mut slot: Box<Slot>) {
        rest_debug!(had_connection = slot.conn.is_some(), "pool connection dropped, reconnecting in the background");
        slot.conn = None;
        slot.reader.reset();
        self.reconnecting.fetch_add(1, Ordering::SeqCst);
        let task = reconnect(slot, self.config.clone(), self.me.clone(), self.shutdown.subscribe());
        // The current runtime if there is one (a guard dropped on another runtime),
        // else the one the pool was built on.
        match Handle::try_current() {
            Ok(handle) => drop(handle.spawn(task)),
            Err(_) => drop(self.runtime.spawn(task)),
        }
    }

    fn maintenance_period(&self) -> Option<Duration> {
        let idle = self.config.idle_timeout.map(|d| d / 4);
        let warm = self.config.keep_warm.as_ref().map(|(d, _)| *d / 2);
        let period = [idle, warm].into_iter().flatten().min()?;
        Some(period.clamp(Duration::from_millis(5), Duration::from_secs(1)))
    }

    /// Reconnect idle slots that are broken or will be too old before the next
    /// sweep, so that `acquire` rarely meets one.
    fn sweep(&self, period: Duration) {
        let limit = self.config.idle_timeout.map(|d| d.saturating_sub(period));
        let mut ejected = Vec::new();
        {
            let mut free = lock(&self.free);
            let slots = std::mem::take(&mut *free);
            for mut slot in slots {
                if slot.usable(limit).is_ok() {
                    free.push(slot);
                } else {
                    ejected.push(slot);
                }
            }
        }
        for slot in ejected {
            self.heal(slot);
        }
    }

    /// The least recently used free slot, if it has been idle for `interval`.
    fn take_for_warming(&self, interval: Duration) -> Option<Box<Slot>> {
        let mut free = lock(&self.free);
        let idle = free.first()?.conn.as_ref().map_or(Duration::ZERO, HttpConnection::idle_for);
        (idle >= interval).then(|| free.remove(0))
    }

    fn timeout_error(&self) -> RestError {
        let reconnecting = self.reconnecting.load(Ordering::SeqCst);
        let last = lock(&self.last_error).clone();
        let msg = format!(
            "no healthy pool connection within acquire_timeout ({:?}): {} of {} reconnecting, the rest busy{}",
            self.config.acquire_timeout,
            reconnecting,
            self.size,
            last.map(|e| format!("; last connect error: {e}")).unwrap_or_default()
        );
        RestError::Io(io::Error::new(io::ErrorKind::TimedOut, msg))
    }
}

/// Reconnect `slot` with capped exponential backoff, then return it to the pool.
/// Ends as soon as the pool is dropped.
async fn reconnect(mut slot: Box<Slot>, config: Arc<Config>, pool: Weak<Shared>, mut shutdown: watch::Receiver<()>) {
    let (min, max) = config.backoff;
    let mut delay = min;
    loop {
        let attempt = tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            r = config.conn.connect_to(&config.target) => r,
        };
        match attempt {
            Ok(conn) => {
                slot.attach(conn);
                break;
            }
            Err(e) => {
                rest_warn!(error = %e, retry_in = ?delay, "pool reconnect failed");
                let Some(pool) = pool.upgrade() else { return };
                *lock(&pool.last_error) = Some(e.to_string());
            }
        }
        let jittered = delay.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
        tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(jittered) => {}
        }
        delay = (delay * 2).min(max);
    }
    if let Some(pool) = pool.upgrade() {
        rest_debug!("pool connection restored");
        pool.reconnecting.fetch_sub(1, Ordering::SeqCst);
        pool.put(slot);
    }
}

/// The pool's maintenance task: sweeps idle slots and keeps them warm.
async fn maintain(pool: Weak<Shared>, mut shutdown: watch::Receiver<()>, period: Duration) {
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(period) => {}
        }
        let Some(shared) = pool.upgrade() else { return };
        shared.sweep(period);
        let Some((interval, path)) = shared.config.keep_warm.clone() else { continue };
        let Some(mut slot) = shared.take_for_warming(interval) else { continue };
        // Don't keep the pool alive across the request.
        drop(shared);
        let warmed = tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            r = slot.warm(&path) => r,
        };
        if let Err(_e) = warmed {
            rest_debug!(error = %_e, "keep-warm request failed");
        }
        match pool.upgrade() {
            Some(shared) => shared.release(slot),
            None => return,
        }
    }
}

/// One pooled connection with its request writer and response reader.
///
/// Reached through a [`SlotGuard`]. Build a request with the public
/// [`writer`](Self::writer), then send it through
/// [`conn_and_reader`](Self::conn_and_reader):
///
/// ```no_run
/// # async fn run(pool: &nexus_async_net::rest::ClientPool) -> Result<(), nexus_net::rest::RestError> {
/// let mut slot = pool.acquire().await?;
/// let s = &mut *slot;
/// let req = s.writer.get("/ticker/price").query("symbol", "BTCUSDT").finish()?;
/// let (conn, reader) = s.conn_and_reader()?;
/// let resp = conn.send(req, reader).await?;
/// assert_eq!(resp.status(), 200);
/// # Ok(()) }
/// ```
pub struct Slot {
    /// The request writer of this slot, set up with the pool's host, base path and
    /// default headers. Settings changed on it stay with this slot.
    pub writer: RequestWriter<Vec<u8>>,
    conn: Option<HttpConnection>,
    reader: ResponseReader<Vec<u8>>,
}

impl Slot {
    fn attach(&mut self, conn: HttpConnection) {
        self.conn = Some(conn);
    }

    /// The connection (to send a request written by [`writer`](Self::writer)) and
    /// the response reader (which `send` reads into), borrowed together.
    ///
    /// # Errors
    /// [`RestError::ConnectionPoisoned`] or [`RestError::ConnectionClosed`] when the
    /// connection can't be used (an earlier send on this guard failed or was
    /// closed by the server): drop the guard and acquire another slot.
    pub fn conn_and_reader(&mut self) -> Result<(Conn<'_>, &mut ResponseReader<Vec<u8>>), RestError> {
        match &mut self.conn {
            Some(conn) if conn.is_reusable() => Ok((Conn { writer: &self.writer, conn }, &mut self.reader)),
            Some(_) => Err(RestError::ConnectionPoisoned),
            None => Err(RestError::ConnectionClosed("the slot has no connection")),
        }
    }

    /// The response reader (its last response, limits and buffer).
    pub fn reader(&self) -> &ResponseReader<Vec<u8>> {
        &self.reader
    }

    /// The connection, if the slot has one.
    pub fn connection(&self) -> Option<&HttpConnection> {
        self.conn.as_ref()
    }

    /// Whether the slot may be handed out: a reusable connection that is not idle
    /// past `idle_limit` and shows no sign of a peer close.
    fn usable(&mut self, idle_limit: Option<Duration>) -> Result<(), RestError> {
        let conn = self.conn.as_mut().ok_or(RestError::ConnectionClosed("the slot has no connection"))?;
        conn.check()?;
        if idle_limit.is_some_and(|limit| conn.idle_for() > limit) {
            conn.mark_stale();
            return Err(RestError::ConnectionStale);
        }
        Ok(())
    }

    async fn warm(&mut self, path: &str) -> Result<(), RestError> {
        let req = self.writer.get(path).finish()?;
        let (conn, reader) = self.conn_and_reader()?;
        conn.send(req, reader).await.map(drop)
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").field("conn", &self.conn).finish_non_exhaustive()
    }
}

/// A slot's connection, ready to send one request written by the slot's writer.
/// Made by [`Slot::conn_and_reader`].
#[derive(Debug)]
pub struct Conn<'a> {
    writer: &'a RequestWriter<Vec<u8>>,
    conn: &'a mut HttpConnection,
}

impl<'a> Conn<'a> {
    /// Send `req` and read the response into `reader`; see
    /// [`HttpConnection::send`] for the errors. When it fails after writing began,
    /// or the server closes the connection, the slot is reconnected in the
    /// background once its guard is dropped.
    pub fn send<'r>(
        self,
        req: Request,
        reader: &'r mut ResponseReader<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<'r>, RestError>> + use<'a, 'r> {
        // The connection's own future, not wrapped in another `async fn`: one state
        // machine less to move the request and the response through.
        self.conn.send(self.writer, req, reader)
    }
}

/// A pool of keep-alive HTTP/1.1 connections to one server, which heals itself.
///
/// Each of its `connections` slots holds a connection, a request writer and a
/// response reader with fixed buffers. [`acquire`](Self::acquire) and
/// [`try_acquire`](Self::try_acquire) hand out a healthy slot as a [`SlotGuard`];
/// dropping the guard returns the slot, or, if its connection broke (transport
/// error, a send cancelled half-way, closed by the server, idle past
/// `idle_timeout`), reconnects it in the background with capped exponential backoff
/// before it rejoins. A broken slot is never handed out.
///
/// `ClientPool` is `Send + Sync`; clones share the same slots. The background tasks
/// (reconnects, the idle sweep, keep-warm) are spawned with `tokio::spawn`, so the
/// pool works on multi-thread and current-thread runtimes and inside a `LocalSet`;
/// they end when the last clone is dropped.
#[derive(Clone)]
pub struct ClientPool {
    shared: Arc<Shared>,
}

impl ClientPool {
    /// A builder with the defaults listed on each of its options.
    pub fn builder() -> ClientPoolBuilder {
        ClientPoolBuilder::default()
    }

    /// A healthy slot, waiting up to `acquire_timeout` for one to be released or
    /// reconnected.
    ///
    /// # Errors
    /// [`RestError::Io`] of kind `TimedOut` when no slot became available in time;
    /// its message says how many slots are reconnecting and the last connect error.
    pub async fn acquire(&self) -> Result<SlotGuard<'_>, RestError> {
        if let Some(slot) = self.try_acquire() {
            return Ok(slot);
        }
        self.acquire_slow().await
    }

    #[cold]
    async fn acquire_slow(&self) -> Result<SlotGuard<'_>, RestError> {
        let shared = &*self.shared;
        let deadline = Instant::now() + shared.config.acquire_timeout;
        shared.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&shared.waiters);
        loop {
            let notified = shared.available.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(slot) = self.try_acquire() {
                return Ok(slot);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.try_acquire().ok_or_else(|| shared.timeout_error());
            }
        }
    }

    /// A healthy slot if one is free now, else `None`: never waits (the trading hot
    /// path: fail fast rather than wait for a reconnect).
    pub fn try_acquire(&self) -> Option<SlotGuard<'_>> {
        let slot = self.shared.take()?;
        Some(SlotGuard { pool: &self.shared, slot: Some(slot) })
    }

    /// Number of slots (connections) of the pool.
    pub fn size(&self) -> usize {
        self.shared.size
    }

    /// Slots free right now (healthy as far as is known).
    pub fn available(&self) -> usize {
        lock(&self.shared.free).len()
    }

    /// Slots being reconnected in the background right now.
    pub fn reconnecting(&self) -> usize {
        self.shared.reconnecting.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for ClientPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientPool")
            .field("target", &self.shared.config.target)
            .field("size", &self.size())
            .field("available", &self.available())
            .field("reconnecting", &self.reconnecting())
            .finish()
    }
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A slot borrowed from a [`ClientPool`]; derefs to [`Slot`]. Dropping it returns
/// the slot to the pool, or sends it to be reconnected if its connection broke.
pub struct SlotGuard<'a> {
    pool: &'a Shared,
    slot: Option<Box<Slot>>,
}

impl Deref for SlotGuard<'_> {
    type Target = Slot;

    #[inline]
    fn deref(&self) -> &Slot {
        self.slot.as_deref().expect("slot present until drop")
    }
}

impl DerefMut for SlotGuard<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Slot {
        self.slot.as_deref_mut().expect("slot present until drop")
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.pool.release(slot);
        }
    }
}

impl fmt::Debug for SlotGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SlotGuard").field(&**self).finish()
    }
}
