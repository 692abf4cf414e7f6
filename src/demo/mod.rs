//! The market-data demo: a simulated exchange and a client that uses it the way the
//! seed recipes do. `examples/market_demo.rs` is a thin command line around [`run`].
//!
//! - [`exchange`]: the simulator (`wss://` feed with replay on resume, `https://`
//!   REST API, fault injection), on its own two-thread runtime.
//! - [`feed`]: the feed client (subscribe on connect, ping replies, reconnect with
//!   backoff, sequence-gap detection, latency).
//! - [`rest`]: the REST client (pool, idempotent GETs with retry, fail-fast orders).
//! - [`stats`]: counters, histograms, the [`Summary`].
//! - [`wire`]: the simulator's message format.
//!
//! The client runs on the calling thread: a current-thread runtime and a `LocalSet`,
//! so its tasks are started with `spawn_local` as in the combined recipe.
//!
//! ```no_run
//! use nexus_suite::demo::{run, DemoConfig};
//! use std::time::Duration;
//!
//! let summary = run(&DemoConfig { duration: Duration::from_secs(5), ..DemoConfig::default() })?;
//! assert_eq!(summary.lost, 0);
//! println!("{summary}");
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod exchange;
pub mod feed;
pub mod rest;
pub mod stats;
pub mod wire;

use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use nexus_net::tls::TlsConfig;
use tokio::sync::watch;

use exchange::{Exchange, ExchangeConfig, API_KEY};
use feed::FeedConfig;
use rest::RestLoad;
pub use stats::Summary;
use stats::{micros, ClientStats};

/// Options of a demo run. [`Default`] is the command line's default.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// How long the client runs (default 20 s).
    pub duration: Duration,
    /// Feed events per second per feed connection (default 5000).
    pub rate: u64,
    /// Feed connections, one symbol each (default 2).
    pub connections: usize,
    /// Break a feed connection and kill a REST connection this often (default 4 s;
    /// `None` never).
    pub fault_every: Option<Duration>,
    /// A real exchange's feed instead of the simulator's (no faults are injected in
    /// it, and its messages are counted but not sequence-checked).
    pub ws_url: Option<String>,
    /// A real exchange's REST API instead of the simulator's (then only public GETs
    /// are sent: the demo never places real orders).
    pub rest_url: Option<String>,
    /// Print a status line every second (default on).
    pub status_line: bool,
    /// Pause between REST rounds of each REST worker (default 20 ms).
    pub rest_interval: Duration,
    /// Interval of the simulator's pings on each feed connection (default 1 s).
    pub ping_every: Duration,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(20),
            rate: 5000,
            connections: 2,
            fault_every: Some(Duration::from_secs(4)),
            ws_url: None,
            rest_url: None,
            status_line: true,
            rest_interval: Duration::from_millis(20),
            ping_every: Duration::from_secs(1),
        }
    }
}

/// REST workers (tasks calling the pool concurrently).
const REST_WORKERS: usize = 2;

/// Run the demo: start the simulator (unless both URLs are given), run the client
/// for `config.duration`, and return what happened.
///
/// # Errors
/// The simulator could not start, or the REST pool could not be built.
pub fn run(config: &DemoConfig) -> anyhow::Result<Summary> {
    let epoch = Instant::now();
    let simulated = config.ws_url.is_none() || config.rest_url.is_none();
    let exchange = if simulated {
        Some(Exchange::start(
            ExchangeConfig {
                symbols: config.connections.max(1),
                rate: config.rate,
                fault_every: config.fault_every,
                ping_every: config.ping_every,
            },
            epoch,
        )?)
    } else {
        None
    };
    let sim_tls = exchange.as_ref().map(|x| x.client_tls.clone());
    let real_tls = TlsConfig::new();
    let (ws_url, ws_tls, ws_epoch) = match (&config.ws_url, &exchange) {
        (Some(url), _) => (url.clone(), real_tls.clone(), None),
        (None, Some(x)) => (x.ws_url.clone(), x.client_tls.clone(), Some(epoch)),
        (None, None) => unreachable!("the simulator runs when a URL is missing"),
    };
    let (rest_url, rest_tls, orders) = match (&config.rest_url, &exchange) {
        (Some(url), _) => (url.clone(), real_tls, false),
        (None, Some(x)) => (x.rest_url.clone(), sim_tls.clone().expect("simulator"), true),
        (None, None) => unreachable!("the simulator runs when a URL is missing"),
    };

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    let summary = local.block_on(&runtime, async {
        let stats = Rc::new(ClientStats::default());
        let (stop_tx, stop) = watch::channel(false);
        let pool = rest::build_pool(&rest_url, API_KEY, &rest_tls).await?;
        let start = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..config.connections.max(1) {
            let feed = FeedConfig {
                url: ws_url.clone(),
                symbol: if ws_epoch.is_some() { format!("SYM{i}") } else { "btcusdt".to_owned() },
                tls: ws_tls.clone(),
                epoch: ws_epoch,
            };
            tasks.push(tokio::task::spawn_local(feed::run_feed(feed, Rc::clone(&stats), stop.clone())));
        }
        for _ in 0..REST_WORKERS {
            let load = RestLoad { interval: config.rest_interval, orders };
            tasks.push(tokio::task::spawn_local(rest::run_rest_load(
                pool.clone(),
                load,
                Rc::clone(&stats),
                stop.clone(),
            )));
        }
        if config.status_line {
            tasks.push(tokio::task::spawn_local(status_line(Rc::clone(&stats), stop.clone())));
        }
        tokio::time::sleep(config.duration).await;
        let _ = stop_tx.send(true);
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        let elapsed = start.elapsed();
        let counts = exchange.as_ref().map(Exchange::counts);
        Ok::<_, anyhow::Error>(Summary::new(&stats, elapsed, config.connections.max(1), counts))
    })?;
    drop(exchange);
    Ok(summary)
}

/// Once a second: messages/s, feed p50/p99, REST p50/p99, reconnects (in place on a
/// terminal, one line per second otherwise).
async fn status_line(stats: Rc<ClientStats>, mut stop: watch::Receiver<bool>) {
    let tty = std::io::stdout().is_terminal();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let (mut last, mut last_at) = (stats.messages.get(), Instant::now());
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let (now, at) = (stats.messages.get(), Instant::now());
        let rate = (now - last) as f64 / at.duration_since(last_at).as_secs_f64();
        (last, last_at) = (now, at);
        let (f50, f99) = stats.feed_latency.take_interval();
        let (r50, r99) = stats.rest_latency.take_interval();
        let line = format!(
            "{rate:>8.0} msg/s | feed p50 {:>9} p99 {:>9} | REST p50 {:>9} p99 {:>9} | reconnects {} | lost {} | orders {} placed, {} rejected",
            micros(f50),
            micros(f99),
            micros(r50),
            micros(r99),
            stats.reconnects.get(),
            stats.lost.get(),
            stats.orders_placed.get(),
            stats.orders_rejected.get(),
        );
        let mut out = std::io::stdout().lock();
        let _ = if tty { write!(out, "\r{line}\x1b[K") } else { writeln!(out, "{line}") };
        let _ = out.flush();
    }
    if tty {
        println!();
    }
}
