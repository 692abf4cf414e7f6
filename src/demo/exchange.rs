//! The simulated exchange: a `wss://` market-data feed and an `https://` REST API on
//! 127.0.0.1, built with our own server side (`WsStreamBuilder::accept_tls`) and a
//! hyper REST server, both behind a self-signed certificate made at start-up.
//!
//! Each symbol has a publisher that appends events to a history at a steady rate;
//! each feed connection sends from the history, so a client that reconnects and
//! names the last sequence numbers it saw gets everything it missed, replayed.
//! A fault task breaks one feed connection and kills one REST connection every
//! `fault_every`, abruptly (the task owning the socket is aborted: no close frame,
//! no TLS close_notify).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use nexus_async_net::ws::{WsStreamBuilder, WsWriter};
use nexus_net::tls::{TlsConfig, TlsServerConfig};
use nexus_net::ws::Message;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::stats::ExchangeCounts;
use super::wire::{format_event, parse_subscribe, Event, Stream};

/// The API key the simulated REST API accepts.
pub const API_KEY: &str = "demo-key";

/// How many events of each symbol the simulator keeps for replay.
const HISTORY: usize = 1 << 20;

/// Options of the simulator.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// Symbols (`SYM0`, `SYM1`, ...), one publisher each.
    pub symbols: usize,
    /// Events per second per symbol (3 trades for each depth update).
    pub rate: u64,
    /// Break one feed connection and kill one REST connection this often
    /// (`None`: never).
    pub fault_every: Option<Duration>,
    /// Interval of the server's pings on each feed connection.
    pub ping_every: Duration,
}

/// A running simulator; dropping it stops it.
pub struct Exchange {
    /// `wss://127.0.0.1:<port>/ws`.
    pub ws_url: String,
    /// `https://127.0.0.1:<port>`.
    pub rest_url: String,
    /// A client TLS config that trusts the simulator's certificate (and nothing else).
    pub client_tls: TlsConfig,
    counters: Arc<Counters>,
    runtime: Option<tokio::runtime::Runtime>,
}

#[derive(Default)]
struct Counters {
    published: AtomicU64,
    replayed: AtomicU64,
    feed_breaks: AtomicU64,
    rest_kills: AtomicU64,
    pongs_received: AtomicU64,
}

/// The events of one symbol published so far (the last [`HISTORY`] of them).
struct Book {
    events: Mutex<VecDeque<Event>>,
    /// Index of `events[0]` among all events ever published.
    first: AtomicU64,
    /// Number of events published (the watch wakes the connections).
    published: watch::Sender<u64>,
}

/// Connections the fault task may kill.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    live: Mutex<Vec<(u64, AbortHandle)>>,
}

impl Registry {
    fn add(self: &Arc<Self>, spawn: impl FnOnce(Unregister) -> AbortHandle) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let handle = spawn(Unregister { registry: Arc::clone(self), id });
        self.live.lock().unwrap().push((id, handle));
    }

    /// Abort the oldest live connection; true when there was one.
    fn kill_oldest(&self) -> bool {
        let mut live = self.live.lock().unwrap();
        if live.is_empty() {
            return false;
        }
        let (_, handle) = live.remove(0);
        handle.abort();
        true
    }
}

/// Removes a connection from its registry when its task ends (or is aborted).
struct Unregister {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Unregister {
    fn drop(&mut self) {
        self.registry.live.lock().unwrap().retain(|(id, _)| *id != self.id);
    }
}

impl Exchange {
    /// Start the simulator on its own two-thread runtime; `epoch` is the instant the
    /// feed's send stamps count from (shared with the client).
    ///
    /// # Errors
    /// Certificate generation, TLS configuration, or binding the listeners.
    pub fn start(config: ExchangeConfig, epoch: Instant) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("exchange")
            .enable_all()
            .build()?;
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])?;
        let server_tls = TlsServerConfig::new(cert.cert.pem(), cert.key_pair.serialize_pem())?;
        let client_tls = TlsConfig::builder().skip_system_certs().add_root_cert(cert.cert.pem()).build()?;
        // Bound with std, then registered with the simulator's runtime: `start` may be
        // called inside another runtime, where `block_on` would panic.
        let bind = || -> std::io::Result<TcpListener> {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.set_nonblocking(true)?;
            let _guard = runtime.enter();
            TcpListener::from_std(listener)
        };
        let (ws_listener, rest_listener) = (bind()?, bind()?);
        let ws_url = format!("wss://127.0.0.1:{}/ws", ws_listener.local_addr()?.port());
        let rest_url = format!("https://127.0.0.1:{}", rest_listener.local_addr()?.port());

        let counters = Arc::new(Counters::default());
        let books: Arc<Vec<Book>> = Arc::new(
            (0..config.symbols.max(1))
                .map(|_| Book {
                    events: Mutex::new(VecDeque::new()),
                    first: AtomicU64::new(0),
                    published: watch::channel(0).0,
                })
                .collect(),
        );
        let feeds = Arc::new(Registry::default());
        let rests = Arc::new(Registry::default());

        for (symbol, _) in books.iter().enumerate() {
            runtime.spawn(publish(Arc::clone(&books), symbol, config.rate.max(1), Arc::clone(&counters)));
        }
        let feed_server = FeedServer {
            books: Arc::clone(&books),
            tls: server_tls.clone(),
            counters: Arc::clone(&counters),
            epoch,
            ping_every: config.ping_every,
        };
        runtime.spawn(accept_feeds(ws_listener, Arc::new(feed_server), Arc::clone(&feeds)));
        runtime.spawn(accept_rest(rest_listener, server_tls, Arc::clone(&rests)));
        if let Some(every) = config.fault_every {
            runtime.spawn(inject_faults(every, feeds, rests, Arc::clone(&counters)));
        }
        tracing::info!(%ws_url, %rest_url, "simulated exchange started");
        Ok(Self { ws_url, rest_url, client_tls, counters, runtime: Some(runtime) })
    }

    /// What the simulator has done so far.
    pub fn counts(&self) -> ExchangeCounts {
        let c = &self.counters;
        ExchangeCounts {
            published: c.published.load(Ordering::Relaxed),
            replayed: c.replayed.load(Ordering::Relaxed),
            feed_breaks: c.feed_breaks.load(Ordering::Relaxed),
            rest_kills: c.rest_kills.load(Ordering::Relaxed),
            pongs_received: c.pongs_received.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Append events to `books[symbol]` at `rate` per second: 1 ms ticks, carrying the
/// fraction so the long-run rate is exact.
async fn publish(books: Arc<Vec<Book>>, symbol: usize, rate: u64, counters: Arc<Counters>) {
    let book = &books[symbol];
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let (mut total, mut seqs, mut price) = (0u64, [0u64; 2], 9_700_000u64);
    loop {
        tick.tick().await;
        let due = (start.elapsed().as_micros() as u64).saturating_mul(rate) / 1_000_000;
        if due <= total {
            continue;
        }
        {
            let mut events = book.events.lock().unwrap();
            for i in total..due {
                let stream = if i % 4 == 3 { Stream::Depth } else { Stream::Trade };
                seqs[stream.index()] += 1;
                price = (price as i64 + (i.wrapping_mul(2_654_435_761) % 7) as i64 - 3).max(100) as u64;
                events.push_back(Event {
                    stream,
                    seq: seqs[stream.index()],
                    price_cents: price,
                    qty_milli: 1 + i % 997,
                });
                if events.len() > HISTORY {
                    events.pop_front();
                    book.first.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        counters.published.fetch_add(due - total, Ordering::Relaxed);
        total = due;
        book.published.send_replace(total);
    }
}

struct FeedServer {
    books: Arc<Vec<Book>>,
    tls: TlsServerConfig,
    counters: Arc<Counters>,
    epoch: Instant,
    ping_every: Duration,
}

async fn accept_feeds(listener: TcpListener, server: Arc<FeedServer>, registry: Arc<Registry>) {
    while let Ok((sock, _)) = listener.accept().await {
        let server = Arc::clone(&server);
        registry.add(|unregister| {
            tokio::spawn(async move {
                let _unregister = unregister;
                if let Err(e) = server.serve(sock).await {
                    tracing::debug!(error = %e, "simulated feed connection ended");
                }
            })
            .abort_handle()
        });
    }
}

impl FeedServer {
    /// One feed connection: TLS and upgrade, wait for the subscription, then stream
    /// from the resume point (or from now), ping now and then, count pongs.
    async fn serve(&self, sock: TcpStream) -> anyhow::Result<()> {
        sock.set_nodelay(true)?;
        let ws = WsStreamBuilder::new().buffer_capacity(16 << 10).accept_tls(sock, &self.tls).await?;
        let (mut reader, writer) = ws.split();
        let (symbol, resume) = loop {
            match reader.recv().await? {
                Some(Message::Text(text)) => match parse_subscribe(text) {
                    Some((symbol, resume)) if symbol < self.books.len() => break (symbol, resume),
                    _ => anyhow::bail!("bad subscription: {text}"),
                },
                Some(Message::Ping(data)) => writer.send_pong(data).await?,
                Some(Message::Close(_)) | None => return Ok(()),
                Some(_) => {}
            }
        };
        writer.send_text(r#"{"result":null,"id":1}"#).await?;
        let book = &self.books[symbol];
        let cursor = match resume {
            Some(seen) => self.resume_index(book, seen),
            None => *book.published.borrow(),
        };
        // The reader half answers nothing itself (the client only sends pongs and a
        // close); run it beside the sender so a close or a reset is noticed.
        let pongs = async {
            loop {
                match reader.recv().await {
                    Ok(Some(Message::Pong(_))) => {
                        self.counters.pongs_received.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Some(Message::Close(_))) | Ok(None) | Err(_) => return,
                    Ok(Some(_)) => {}
                }
            }
        };
        tokio::select! {
            r = self.stream(&writer, book, symbol, cursor, resume.is_some()) => r,
            () = pongs => Ok(()),
        }
    }

    /// Index of the first event the client has not seen.
    fn resume_index(&self, book: &Book, seen: [u64; 2]) -> u64 {
        let events = book.events.lock().unwrap();
        let first = book.first.load(Ordering::Relaxed);
        let skip = events.iter().position(|e| e.seq > seen[e.stream.index()]).unwrap_or(events.len());
        first + skip as u64
    }

    async fn stream(
        &self,
        writer: &WsWriter<tokio_rustls::server::TlsStream<TcpStream>>,
        book: &Book,
        symbol: usize,
        mut cursor: u64,
        replaying: bool,
    ) -> anyhow::Result<()> {
        let mut updates = book.published.subscribe();
        let mut ping = tokio::time::interval(self.ping_every);
        ping.tick().await;
        let (mut batch, mut text) = (Vec::<Event>::new(), String::with_capacity(256));
        let mut replay_until = if replaying { *updates.borrow_and_update() } else { 0 };
        loop {
            batch.clear();
            {
                let events = book.events.lock().unwrap();
                let first = book.first.load(Ordering::Relaxed);
                // A client away for longer than the history misses what fell out of
                // it; it sees the gap in the sequence numbers.
                cursor = cursor.max(first);
                let from = (cursor - first) as usize;
                batch.extend(events.iter().skip(from));
            }
            if cursor < replay_until {
                let replayed = (replay_until - cursor).min(batch.len() as u64);
                self.counters.replayed.fetch_add(replayed, Ordering::Relaxed);
                replay_until = 0;
            }
            for event in &batch {
                let sent = self.epoch.elapsed().as_nanos() as u64;
                format_event(&mut text, symbol, event, sent);
                writer.send_text(&text).await?;
            }
            cursor += batch.len() as u64;
            tokio::select! {
                changed = updates.changed() => changed?,
                _ = ping.tick() => writer.send_ping(b"hb").await?,
            }
        }
    }
}

async fn accept_rest(listener: TcpListener, tls: TlsServerConfig, registry: Arc<Registry>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(tls.server_config()));
    let orders = Arc::new(AtomicU64::new(0));
    while let Ok((sock, _)) = listener.accept().await {
        let (acceptor, orders) = (acceptor.clone(), Arc::clone(&orders));
        registry.add(|unregister| {
            tokio::spawn(async move {
                let _unregister = unregister;
                let _ = sock.set_nodelay(true);
                let Ok(tls) = acceptor.accept(sock).await else { return };
                let service = hyper::service::service_fn(move |req| rest_api(req, Arc::clone(&orders)));
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
            })
            .abort_handle()
        });
    }
}

/// `GET /api/v3/account`, `GET /api/v3/ticker/price?symbol=..`, `POST /api/v3/order`;
/// every request needs the `X-MBX-APIKEY` header.
async fn rest_api(req: Request<Incoming>, orders: Arc<AtomicU64>) -> Result<Response<Full<Bytes>>, Infallible> {
    let authorised = req.headers().get("x-mbx-apikey").is_some_and(|v| v == API_KEY);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let (status, text) = match (authorised, method.as_str(), path.as_str()) {
        (false, _, _) => (StatusCode::UNAUTHORIZED, r#"{"code":-2015,"msg":"Invalid API-key"}"#.to_owned()),
        (true, "GET", "/api/v3/account") => (
            StatusCode::OK,
            r#"{"balances":[{"asset":"BTC","free":"1.25000000"},{"asset":"USDT","free":"100000.00"}]}"#.to_owned(),
        ),
        (true, "GET", "/api/v3/ticker/price") => {
            let symbol = query.strip_prefix("symbol=").unwrap_or("?");
            (StatusCode::OK, format!(r#"{{"symbol":"{symbol}","price":"97000.01"}}"#))
        }
        (true, "POST", "/api/v3/order") if !body.is_empty() => {
            let id = orders.fetch_add(1, Ordering::Relaxed) + 1;
            (StatusCode::OK, format!(r#"{{"orderId":{id},"status":"NEW"}}"#))
        }
        (true, "POST", "/api/v3/order") => (StatusCode::BAD_REQUEST, r#"{"code":-1102,"msg":"empty"}"#.to_owned()),
        _ => (StatusCode::NOT_FOUND, r#"{"code":-1,"msg":"not found"}"#.to_owned()),
    };
    Ok(Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(text)))
        .expect("static response parts are valid"))
}

async fn inject_faults(every: Duration, feeds: Arc<Registry>, rests: Arc<Registry>, counters: Arc<Counters>) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        if feeds.kill_oldest() {
            counters.feed_breaks.fetch_add(1, Ordering::Relaxed);
            tracing::info!("simulated exchange: broke a feed connection");
        }
        if rests.kill_oldest() {
            counters.rest_kills.fetch_add(1, Ordering::Relaxed);
            tracing::info!("simulated exchange: killed a REST connection");
        }
    }
}
