//! WebSocket echo over loopback with tokio, every peer in the same run, interleaved.
//!
//! Candidates (each is both the client and the server of its own connections):
//!
//! - `raw`: a length-prefixed echo over plain tokio `TcpStream`s (4-byte length, then
//!   the payload, copied into one write buffer per message): the floor;
//! - `nexus`: this workspace's `nexus_async_net::ws` (client `WsStream` from `connect`,
//!   server `accept` + `split` for a zero-copy echo);
//! - `nexus-aa`: the same again, as a second candidate: the A/A control, whose ratio
//!   to `nexus` shows the noise floor of the run;
//! - `nexus07`: crates.io nexus-async-net 0.7 (its `WsStream` cannot echo a borrowed
//!   message, so its server copies the payload into a reused `Vec` first);
//! - `tungstenite`: tokio-tungstenite 0.28 (`Stream`/`Sink`, `Bytes` payloads);
//! - `fastwebsockets`: fastwebsockets 0.10 (`WebSocket::after_handshake` on both ends:
//!   its handshake needs a hyper server; frames are what is measured; the client masks a
//!   reused scratch buffer in place);
//! - `tokio-websockets`: tokio-websockets 0.13 (`Stream`/`Sink`, `Bytes` payloads).
//!
//! Every message is a binary message, masked by the client, with `TCP_NODELAY` on both
//! ends. All servers share one thread and one current-thread runtime; the clients run on
//! the bench thread, also a current-thread runtime.
//!
//! Sections (env `WS_BENCH_SECTIONS`, comma-separated, default all):
//!
//! - `latency`: one connection per candidate, one message at a time; the runtimes park
//!   in `epoll_wait` when idle (the normal case);
//! - `latency-busy`: the same with both runtimes busy-polling: a task that yields
//!   forever plus `event_interval(1)`, so neither thread ever sleeps and I/O is polled
//!   on every tick (costs two cores);
//! - `throughput`: 50 connections per candidate, each with one message in flight
//!   (uWS `load_test` style), messages per second.
//!
//! Latency: `rounds` x (every candidate in turn, the order rotated each round: warm-up,
//! then `samples` timed round trips). Reported: p50/p99 over all samples, and the median
//! over rounds of the candidate's round p50 divided by raw's (and by nexus's) in the
//! same round. Throughput: `rounds` x (every candidate in turn: a `window` of 50 lanes),
//! median rate and median same-round ratio.
//!
//! `cd bench && cargo bench --bench ws_echo`. A full run took 7-9 minutes at load average
//! 15-23 on 2 vCPUs, most of it the busy-polling section (spinning threads descheduled
//! for whole time slices); the throughput section is 13 x 7 x 0.2 s of windows per size.
//! Env: `WS_BENCH_QUICK=1` (short run), `WS_BENCH_SIZES=40,16384`,
//! `WS_BENCH_PEERS=nexus,tungstenite` (raw always included), `WS_BENCH_SECTIONS`,
//! `WS_BENCH_ROUNDS=40` and `WS_BENCH_WINDOW_MS=500` (more and longer throughput windows).

use std::cell::Cell;
use std::collections::HashMap;
use std::hint::black_box;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nexus_bench::ws_peers::{serve, Client, Lib};
use tokio::net::TcpListener;
use tokio::task::LocalSet;

const SIZES: [usize; 4] = [40, 128, 512, 16 * 1024];
const LANES: usize = 50;

/// Connections of the throughput section (`WS_BENCH_LANES`, default 50).
fn lanes() -> usize {
    std::env::var("WS_BENCH_LANES").ok().and_then(|v| v.parse().ok()).unwrap_or(LANES)
}

const CANDIDATES: [(&str, Lib); 7] = [
    ("raw", Lib::Raw),
    ("nexus", Lib::Nexus),
    ("nexus-aa", Lib::Nexus),
    ("nexus07", Lib::Nexus07),
    ("tungstenite", Lib::Tungstenite),
    ("fastwebsockets", Lib::FastWs),
    ("tokio-websockets", Lib::TokioWs),
];

/// The candidates to run: all, or raw plus those named in `WS_BENCH_PEERS`.
fn candidates() -> Vec<(&'static str, Lib)> {
    let only = std::env::var("WS_BENCH_PEERS").unwrap_or_default();
    CANDIDATES.into_iter().filter(|(n, _)| only.is_empty() || *n == "raw" || only.split(',').any(|o| o == *n)).collect()
}

/// The servers of every library on one thread with its own current-thread runtime,
/// parking or busy-polling. Dropping it stops the thread.
struct Servers {
    addrs: HashMap<Lib, SocketAddr>,
    stop: Arc<AtomicBool>,
    stop_tx: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Servers {
    fn start(busy: bool) -> Servers {
        let mut addrs = HashMap::new();
        let mut listeners = Vec::new();
        for lib in Lib::ALL {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.set_nonblocking(true).unwrap();
            addrs.insert(lib, l.local_addr().unwrap());
            listeners.push((lib, l));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let rt = runtime(busy);
            let local = LocalSet::new();
            local.block_on(&rt, async move {
                if busy {
                    tokio::task::spawn_local(spin(flag));
                }
                for (lib, l) in listeners {
                    let l = TcpListener::from_std(l).unwrap();
                    tokio::task::spawn_local(async move {
                        loop {
                            let (tcp, _) = l.accept().await.unwrap();
                            tokio::task::spawn_local(serve(lib, tcp));
                        }
                    });
                }
                let _ = stop_rx.await;
            });
        });
        Servers { addrs, stop, stop_tx: Some(stop_tx), thread: Some(thread) }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.stop_tx.take().unwrap().send(());
        let _ = self.thread.take().unwrap().join();
    }
}

// ---- clients ----------------------------------------------------------------------------

// ---- measurement ------------------------------------------------------------------------

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

struct Config {
    rounds: usize,
    samples: usize,
    busy_samples: usize,
    warmup: usize,
    window: Duration,
}

struct LatencyRow {
    name: &'static str,
    p50: u64,
    p99: u64,
    /// Median over rounds of round p50 / raw's round p50.
    vs_raw: f64,
    /// Median over rounds of nexus's round p50 / this round p50 (> 1: nexus slower).
    nexus_vs: f64,
}

fn index_of(cands: &[(&str, Lib)], name: &str) -> Option<usize> {
    cands.iter().position(|(n, _)| *n == name)
}

async fn latency(servers: &Servers, size: usize, samples: usize, cfg: &Config) -> Vec<LatencyRow> {
    let cands = candidates();
    let mut clients = Vec::new();
    for (_, lib) in &cands {
        clients.push(Client::connect(*lib, servers.addrs[lib]).await);
    }
    let payload = Bytes::from(vec![0x5au8; size]);
    let nexus = index_of(&cands, "nexus");
    let mut all: Vec<Vec<u64>> = vec![Vec::new(); cands.len()];
    let mut vs_raw: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    let mut nexus_vs: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    for round in 0..cfg.rounds {
        let mut p50 = vec![0f64; cands.len()];
        for k in 0..cands.len() {
            let i = (k + round) % cands.len();
            let c = &mut clients[i];
            for _ in 0..cfg.warmup {
                black_box(c.echo(&payload).await);
            }
            let mut times = Vec::with_capacity(samples);
            for _ in 0..samples {
                let t = Instant::now();
                black_box(c.echo(&payload).await);
                times.push(t.elapsed().as_nanos() as u64);
            }
            all[i].extend_from_slice(&times);
            times.sort_unstable();
            p50[i] = pct(&times, 0.5) as f64;
        }
        for i in 0..cands.len() {
            vs_raw[i].push(p50[i] / p50[0]);
            if let Some(n) = nexus {
                nexus_vs[i].push(p50[n] / p50[i]);
            }
        }
    }
    let mut rows = Vec::new();
    for i in 0..cands.len() {
        all[i].sort_unstable();
        rows.push(LatencyRow {
            name: cands[i].0,
            p50: pct(&all[i], 0.5),
            p99: pct(&all[i], 0.99),
            vs_raw: median(&mut vs_raw[i]),
            nexus_vs: if nexus.is_some() { median(&mut nexus_vs[i]) } else { f64::NAN },
        });
    }
    rows
}

struct RateRow {
    name: &'static str,
    rate: f64,
    vs_raw: f64,
    nexus_vs: f64,
}

async fn throughput(servers: &Servers, size: usize, cfg: &Config) -> Vec<RateRow> {
    let cands = candidates();
    let mut pools: Vec<Vec<Client>> = Vec::new();
    for (_, lib) in &cands {
        let mut v = Vec::new();
        for _ in 0..lanes() {
            v.push(Client::connect(*lib, servers.addrs[lib]).await);
        }
        pools.push(v);
    }
    let payload = Bytes::from(vec![0x5au8; size]);
    let nexus = index_of(&cands, "nexus");
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    // Round 0 is a warm-up and not recorded.
    for round in 0..=cfg.rounds {
        for k in 0..cands.len() {
            let i = (k + round) % cands.len();
            let stop = Rc::new(Cell::new(false));
            let start = Instant::now();
            let mut tasks = Vec::new();
            for mut c in pools[i].drain(..) {
                let (stop, payload) = (stop.clone(), payload.clone());
                tasks.push(tokio::task::spawn_local(async move {
                    let mut n = 0u64;
                    while !stop.get() {
                        black_box(c.echo(&payload).await);
                        n += 1;
                    }
                    (c, n)
                }));
            }
            tokio::time::sleep(cfg.window).await;
            stop.set(true);
            let mut total = 0;
            for t in tasks {
                let (c, n) = t.await.unwrap();
                pools[i].push(c);
                total += n;
            }
            if round > 0 {
                rates[i].push(total as f64 / start.elapsed().as_secs_f64());
            }
        }
    }
    let mut rows = Vec::new();
    for i in 0..cands.len() {
        let mut vs_raw: Vec<f64> = (0..cfg.rounds).map(|r| rates[i][r] / rates[0][r]).collect();
        let mut nexus_vs: Vec<f64> =
            (0..cfg.rounds).map(|r| nexus.map_or(f64::NAN, |n| rates[n][r] / rates[i][r])).collect();
        rows.push(RateRow {
            name: cands[i].0,
            rate: median(&mut rates[i].clone()),
            vs_raw: median(&mut vs_raw),
            nexus_vs: median(&mut nexus_vs),
        });
    }
    rows
}

fn runtime(busy: bool) -> tokio::runtime::Runtime {
    let mut b = tokio::runtime::Builder::new_current_thread();
    b.enable_all();
    if busy {
        b.event_interval(1);
    }
    b.build().unwrap()
}

/// Keeps the runtime from ever parking: it polls I/O on every tick instead.
async fn spin(flag: Arc<AtomicBool>) {
    while !flag.load(Ordering::Relaxed) {
        tokio::task::yield_now().await;
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string()
}

fn print_latency(title: &str, rows: &[LatencyRow]) {
    println!("\n{title} (load average: {})", loadavg());
    println!("| candidate | p50 us | p99 us | p50 / raw | nexus p50 / this |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.2} | {:.2} | {:.3} | {:.3} |",
            r.name,
            r.p50 as f64 / 1e3,
            r.p99 as f64 / 1e3,
            r.vs_raw,
            r.nexus_vs
        );
    }
}

fn print_rate(title: &str, rows: &[RateRow]) {
    println!("\n{title} (load average: {})", loadavg());
    println!("| candidate | messages/s | x raw | nexus / this |");
    println!("|---|---:|---:|---:|");
    for r in rows {
        println!("| {} | {:.0} | {:.3} | {:.3} |", r.name, r.rate, r.vs_raw, r.nexus_vs);
    }
}

fn main() {
    let quick = std::env::var_os("WS_BENCH_QUICK").is_some();
    let mut cfg = if quick {
        Config { rounds: 3, samples: 300, busy_samples: 600, warmup: 50, window: Duration::from_millis(150) }
    } else {
        Config { rounds: 12, samples: 800, busy_samples: 300, warmup: 100, window: Duration::from_millis(200) }
    };
    // WS_BENCH_ROUNDS and WS_BENCH_WINDOW_MS (throughput window) override either
    // preset, for a long run that narrows the spread of the same-round ratios.
    if let Some(n) = std::env::var("WS_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()) {
        cfg.rounds = n;
    }
    if let Some(ms) = std::env::var("WS_BENCH_WINDOW_MS").ok().and_then(|v| v.parse().ok()) {
        cfg.window = Duration::from_millis(ms);
    }
    let sections = std::env::var("WS_BENCH_SECTIONS").unwrap_or_default();
    let want = |s: &str| sections.is_empty() || sections.split(',').any(|f| f == s);
    let sizes: Vec<usize> = match std::env::var("WS_BENCH_SIZES") {
        Ok(s) if !s.is_empty() => s.split(',').map(|x| x.trim().parse().expect("WS_BENCH_SIZES")).collect(),
        _ => SIZES.to_vec(),
    };
    println!(
        "loopback WebSocket echo; {} rounds, candidates interleaved (order rotated each round); load average: {}",
        cfg.rounds,
        loadavg()
    );

    for busy in [false, true] {
        if !want(if busy { "latency-busy" } else { "latency" }) {
            continue;
        }
        let servers = Servers::start(busy);
        let rt = runtime(busy);
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let done = Arc::new(AtomicBool::new(false));
            if busy {
                tokio::task::spawn_local(spin(done.clone()));
            }
            for &size in &sizes {
                let samples = if busy { cfg.busy_samples } else { cfg.samples };
                let rows = latency(&servers, size, samples, &cfg).await;
                let mode = if busy { "busy-polling" } else { "parking" };
                print_latency(&format!("round trip, {size} B, 1 connection, {mode}"), &rows);
            }
            done.store(true, Ordering::Relaxed);
        });
        drop(local);
        drop(servers);
    }

    if want("throughput") {
        let servers = Servers::start(false);
        let rt = runtime(false);
        let local = LocalSet::new();
        local.block_on(&rt, async {
            for &size in &sizes {
                let rows = throughput(&servers, size, &cfg).await;
                print_rate(&format!("throughput, {size} B, {} connections x 1 in flight", lanes()), &rows);
            }
        });
        drop(local);
        drop(servers);
    }
}
