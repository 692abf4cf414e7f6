//! REST client round trips on loopback against a keep-alive server, every peer in the
//! same run, interleaved round by round:
//!
//! - `raw`: a hand-written exchange of the same request bytes over a tokio
//!   `TcpStream` (write, then read the known response length): the floor;
//! - `nexus`: this workspace's `nexus_async_net::rest::ClientPool`;
//! - `nexus07`: crates.io nexus-async-net 0.7 `ClientPool`;
//! - `reqwest`: one `reqwest::Client`;
//! - `hyper`: hyper-util's legacy `Client`;
//! - `raw2`: the A/A control, a second `raw` client (its ratio to `raw` is noise).
//!
//! Requests: a Binance-style signed GET (query with timestamp, recvWindow and a
//! 64-hex signature, API-key header) and a POST with a 100-byte JSON body. The server
//! (its own thread and current-thread runtime) answers each with a fixed 2xx JSON
//! response. Every round runs every candidate once, in an order rotated by one each
//! round. The client runs on a current-thread runtime in a `LocalSet`; "busy"
//! runs the same with a task that never lets the runtime sleep (I/O polled every
//! tick). Then acquire/release of a pool slot with criterion. Ratios to raw are the
//! median over rounds of the same-round ratio, with a 95 % bootstrap confidence
//! interval.
//!
//! `cargo bench --bench rest` (env `REST_BENCH_QUICK=1` for a short run,
//! `REST_BENCH_ROUNDS=40` and `REST_BENCH_WINDOW_MS=500` for more rounds and longer
//! throughput windows,
//! `REST_BENCH_SECTIONS=latency,latency-busy,throughput,acquire` to pick sections,
//! `REST_BENCH_LANES=4` to pick the throughput connection counts;
//! criterion's filter applies to the acquire section; `REST_BENCH_PIN=1` pins the
//! client and server threads to two different cores; the opt-in section `profile`
//! runs a plain request loop per candidate for callgrind, perf or strace).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::Criterion;
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::LocalSet;

const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SIGNED_QUERY: &str = "symbol=BTCUSDT&orderId=28457&recvWindow=5000&timestamp=1700000000000&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const ORDER_JSON: &[u8] =
    br#"{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.01","price":"97000"}"#;
const RESPONSE_BODY: &str = r#"{"symbol":"BTCUSDT","orderId":28457,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1700000000000,"price":"97000.00","origQty":"0.01","executedQty":"0.00","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY"}"#;

fn response() -> &'static [u8] {
    let r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nx-mbx-used-weight: 4\r\nx-mbx-used-weight-1m: 4\r\n\r\n{}",
        RESPONSE_BODY.len(),
        RESPONSE_BODY
    );
    Box::leak(r.into_bytes().into_boxed_slice())
}

// ---- server -------------------------------------------------------------------------

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> usize {
    let text = std::str::from_utf8(head).unwrap_or("");
    text.split("\r\n")
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

async fn serve(mut sock: TcpStream, resp: &'static [u8]) {
    sock.set_nodelay(true).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0;
    loop {
        let n = match sock.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        len += n;
        let mut start = 0;
        while let Some(h) = find(&buf[start..len], b"\r\n\r\n") {
            let total = h + 4 + content_length(&buf[start..start + h]);
            if start + total > len {
                break;
            }
            if sock.write_all(resp).await.is_err() {
                return;
            }
            start += total;
        }
        buf.copy_within(start..len, 0);
        len -= start;
    }
}

/// CPU pinning (`REST_BENCH_PIN=1`, default off): the server thread on one core, the
/// client thread on another, the same for every candidate, so that a client that
/// spins (busy-polling) never competes with the server for a core, as on a
/// dedicated trading host. Off by default: on a shared, loaded machine a pinned
/// thread can't move away from a core another process is using, which costs more
/// than it saves. Returns the (client, server) CPUs, or None.
fn pin_plan() -> Option<(usize, usize)> {
    if !std::env::var("REST_BENCH_PIN").is_ok_and(|v| v == "1") {
        return None;
    }
    // SAFETY: a zeroed cpu_set_t is a valid empty set; the call only writes it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return None;
    }
    // SAFETY: CPU_ISSET reads a valid set within its size.
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect();
    (cpus.len() >= 2).then(|| (cpus[0], cpus[1]))
}

/// Pin the calling thread to `cpu`.
fn pin_to(cpu: usize) {
    // SAFETY: as above; `set` holds one valid CPU index.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        let rc = libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        assert_eq!(rc, 0, "sched_setaffinity({cpu}) failed");
    }
}

fn start_server() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let resp = response();
    let pin = pin_plan();
    std::thread::spawn(move || {
        if let Some((_, server)) = pin {
            pin_to(server);
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            loop {
                let (sock, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(sock, resp));
            }
        });
    });
    addr
}

// ---- clients ------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Get,
    Post,
}

enum Client {
    Raw {
        conns: Vec<tokio::sync::Mutex<TcpStream>>,
        get: Vec<u8>,
        post: Vec<u8>,
        resp_len: usize,
    },
    Nexus(nexus_async_net::rest::ClientPool),
    /// `nexus-pre`: the pool and the request last built on its (single) slot.
    #[cfg(feature = "ablation")]
    NexusPre(nexus_async_net::rest::ClientPool, std::cell::Cell<Option<(Kind, nexus_net::http::Request)>>),
    /// `conn-pre`: one connection, its writer and reader, and the request last built.
    #[cfg(feature = "ablation")]
    ConnPre(Box<tokio::sync::Mutex<ConnPre>>),
    Nexus07(nexus_async_net_07::rest::ClientPool),
    Reqwest {
        client: reqwest::Client,
        base: String,
    },
    Hyper {
        client: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
        base: String,
    },
}

/// `raw2` is the A/A control: a second, identical raw client, whose ratio to `raw`
/// shows how far same-run ratios move by noise alone.
const NAMES: [&str; 9] = ["raw", "nexus", "nexus07", "reqwest", "hyper", "raw2", "nexus-nt", "nexus-pre", "conn-pre"];

/// Ablations, run only when named in `REST_BENCH_CLIENTS`: `nexus-nt` (the pool
/// without a read timeout); with `--features ablation`, `nexus-pre` (the pool, sending
/// a request built once instead of building it per call: the builder's share) and
/// `conn-pre` (one `HttpConnection`, no pool, a request built once: what `send` and
/// the response parse cost over raw).
const ABLATIONS: [&str; 3] = ["nexus-nt", "nexus-pre", "conn-pre"];

/// The candidates to run: all, or raw plus those named in `REST_BENCH_CLIENTS`.
fn names() -> Vec<&'static str> {
    let only = std::env::var("REST_BENCH_CLIENTS").unwrap_or_default();
    // `-raw` drops the floor too (ratios are then against the first one left).
    let no_raw = only.split(',').any(|o| o == "-raw");
    NAMES
        .into_iter()
        .filter(|n| {
            (only.is_empty() && !ABLATIONS.contains(n)) || (*n == "raw" && !no_raw) || only.split(',').any(|o| o == *n)
        })
        .collect()
}

/// The exact request bytes our writer produces, for the raw floor.
fn raw_requests(port: u16) -> (Vec<u8>, Vec<u8>) {
    let mut w = nexus_net::http::RequestWriter::new(vec![0u8; 4096], "127.0.0.1", port, false).unwrap();
    w.set_base_path("/api/v3").unwrap();
    w.default_header("X-MBX-APIKEY", API_KEY).unwrap();
    let r = w.get(&format!("/order?{SIGNED_QUERY}")).finish().unwrap();
    let get = w.bytes(&r).unwrap().to_vec();
    let r = w.post("/order").header("Content-Type", "application/json").body(ORDER_JSON).finish().unwrap();
    (get, w.bytes(&r).unwrap().to_vec())
}

#[cfg(feature = "ablation")]
struct ConnPre {
    conn: nexus_async_net::rest::HttpConnection,
    writer: nexus_net::http::RequestWriter<Vec<u8>>,
    reader: nexus_net::http::ResponseReader<Vec<u8>>,
    req: Option<(Kind, nexus_net::http::Request)>,
}

/// The seed's signed GET, or a POST of JSON, built with a writer of this workspace
/// or of nexus-net 0.7 (the same builder calls on either).
macro_rules! build_request {
    ($w:expr, $kind:expr) => {
        match $kind {
            Kind::Get => $w
                .get("/order")
                .query("symbol", "BTCUSDT")
                .query("orderId", "28457")
                .query("recvWindow", "5000")
                .query("timestamp", "1700000000000")
                .query("signature", "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
                .finish(),
            Kind::Post => $w.post("/order").header("Content-Type", "application/json").body(ORDER_JSON).finish(),
        }
        .unwrap()
    };
}

/// The nexus candidates' requests.
#[inline(always)]
fn build(w: &mut nexus_net::http::RequestWriter<Vec<u8>>, kind: Kind) -> nexus_net::http::Request {
    build_request!(w, kind)
}

/// Our pool as the nexus candidates use it, with or without the read timeout.
async fn nexus_pool(base: &str, conns: usize, read_timeout: bool) -> nexus_async_net::rest::ClientPool {
    nexus_async_net::rest::ClientPool::builder()
        .url(base)
        .base_path("/api/v3")
        .default_header("X-MBX-APIKEY", API_KEY)
        .unwrap()
        .connections(conns)
        .disable_nagle()
        .pipe(|b| if read_timeout { b } else { b.no_read_timeout() })
        .build()
        .await
        .unwrap()
}

impl Client {
    async fn new(name: &str, addr: std::net::SocketAddr, conns: usize) -> Client {
        let base = format!("http://{addr}");
        match name {
            "raw" | "raw2" => {
                let mut v = Vec::new();
                for _ in 0..conns {
                    let s = TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    v.push(tokio::sync::Mutex::new(s));
                }
                let (get, post) = raw_requests(addr.port());
                Client::Raw { conns: v, get, post, resp_len: response().len() }
            }
            "nexus" | "nexus-nt" => Client::Nexus(nexus_pool(&base, conns, name != "nexus-nt").await),
            #[cfg(feature = "ablation")]
            "nexus-pre" => Client::NexusPre(nexus_pool(&base, 1, true).await, std::cell::Cell::new(None)),
            #[cfg(feature = "ablation")]
            "conn-pre" => {
                let conn =
                    nexus_async_net::rest::HttpConnectionBuilder::new().disable_nagle().connect(&base).await.unwrap();
                let mut writer =
                    nexus_net::http::RequestWriter::new(vec![0u8; 32 * 1024], "127.0.0.1", addr.port(), false).unwrap();
                writer.set_base_path("/api/v3").unwrap();
                writer.default_header("X-MBX-APIKEY", API_KEY).unwrap();
                let reader = nexus_net::http::ResponseReader::new(vec![0u8; 32 * 1024]);
                Client::ConnPre(Box::new(tokio::sync::Mutex::new(ConnPre { conn, writer, reader, req: None })))
            }
            "nexus07" => Client::Nexus07(
                nexus_async_net_07::rest::ClientPool::builder()
                    .url(&base)
                    .base_path("/api/v3")
                    .default_header("X-MBX-APIKEY", API_KEY)
                    .unwrap()
                    .connections(conns)
                    .disable_nagle()
                    .build()
                    .await
                    .unwrap(),
            ),
            "reqwest" => Client::Reqwest {
                client: reqwest::Client::builder().tcp_nodelay(true).pool_max_idle_per_host(conns).build().unwrap(),
                base,
            },
            "hyper" => {
                let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
                http.set_nodelay(true);
                let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .pool_max_idle_per_host(conns)
                    .build(http);
                Client::Hyper { client, base }
            }
            other => panic!("unknown client {other} (nexus-pre and conn-pre need `--features ablation`)"),
        }
    }

    /// One request; `lane` picks the raw connection. Returns the body length.
    async fn call(&self, kind: Kind, lane: usize) -> usize {
        match self {
            Client::Raw { conns, get, post, resp_len } => {
                let mut s = conns[lane % conns.len()].lock().await;
                s.write_all(if kind == Kind::Get { get } else { post }).await.unwrap();
                let mut buf = [0u8; 1024];
                let mut got = 0;
                while got < *resp_len {
                    let n = s.read(&mut buf[got..]).await.unwrap();
                    assert!(n > 0);
                    got += n;
                }
                got
            }
            Client::Nexus(pool) => {
                let mut slot = pool.acquire().await.unwrap();
                let s = &mut *slot;
                let req = build(&mut s.writer, kind);
                let (conn, reader) = s.conn_and_reader().unwrap();
                let resp = conn.send(req, reader).await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.body().len()
            }
            #[cfg(feature = "ablation")]
            Client::NexusPre(pool, last) => {
                let mut slot = pool.acquire().await.unwrap();
                let s = &mut *slot;
                let req = match last.get() {
                    Some((k, req)) if k == kind => req,
                    _ => {
                        let req = build(&mut s.writer, kind);
                        last.set(Some((kind, req)));
                        req
                    }
                };
                let (conn, reader) = s.conn_and_reader().unwrap();
                let resp = conn.send(req, reader).await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.body().len()
            }
            #[cfg(feature = "ablation")]
            Client::ConnPre(c) => {
                // Locked like raw's connection.
                let mut c = c.lock().await;
                let ConnPre { conn, writer, reader, req } = &mut *c;
                let r = match *req {
                    Some((k, r)) if k == kind => r,
                    _ => req.insert((kind, build(writer, kind))).1,
                };
                let resp = conn.send(writer, r, reader).await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.body().len()
            }
            Client::Nexus07(pool) => {
                let mut slot = pool.acquire().await.unwrap();
                let s: &mut nexus_async_net_07::rest::ClientSlot = &mut slot;
                let req = build_request!(s.writer, kind);
                let conn = s.conn.as_mut().unwrap();
                let resp = conn.send(req, &mut s.reader).await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.body().len()
            }
            Client::Reqwest { client, base } => {
                let rb = match kind {
                    Kind::Get => client.get(format!("{base}/api/v3/order?{SIGNED_QUERY}")),
                    Kind::Post => client
                        .post(format!("{base}/api/v3/order"))
                        .header("Content-Type", "application/json")
                        .body(ORDER_JSON),
                };
                let resp = rb.header("X-MBX-APIKEY", API_KEY).send().await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.bytes().await.unwrap().len()
            }
            Client::Hyper { client, base } => {
                let req = match kind {
                    Kind::Get => hyper::Request::get(format!("{base}/api/v3/order?{SIGNED_QUERY}"))
                        .header("X-MBX-APIKEY", API_KEY)
                        .body(Full::new(Bytes::new())),
                    Kind::Post => hyper::Request::post(format!("{base}/api/v3/order"))
                        .header("X-MBX-APIKEY", API_KEY)
                        .header("Content-Type", "application/json")
                        .body(Full::new(Bytes::from_static(ORDER_JSON))),
                }
                .unwrap();
                let resp = client.request(req).await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.into_body().collect().await.unwrap().to_bytes().len()
            }
        }
    }
}

// ---- measurement ----------------------------------------------------------------------

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The median of per-round ratios with a 95 % bootstrap confidence interval (2000
/// resamples of the rounds with replacement, percentile method, a fixed seed): how
/// far the median could move from noise alone, so a target is judged by the whole
/// interval, not by a point that shifts a few percent from run to run.
#[derive(Clone, Copy)]
struct Ratio {
    median: f64,
    lo: f64,
    hi: f64,
}

impl Ratio {
    fn of(v: &mut [f64]) -> Ratio {
        let median = median(v);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            // xorshift64*: enough for resampling indices.
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let mut medians: Vec<f64> = (0..2000)
            .map(|_| {
                let mut r: Vec<f64> = (0..v.len()).map(|_| v[(next() % v.len() as u64) as usize]).collect();
                self::median(&mut r)
            })
            .collect();
        medians.sort_by(|a, b| a.partial_cmp(b).unwrap());
        Ratio { median, lo: medians[medians.len() * 25 / 1000], hi: medians[medians.len() * 975 / 1000] }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} [{:.3}, {:.3}]", self.median, self.lo, self.hi)
    }
}

struct Config {
    rounds: usize,
    samples: usize,
    warmup: usize,
    window: Duration,
}

/// Latency: `rounds` x (every candidate: warmup, then `samples` timed requests).
/// Returns per candidate: pooled p50, pooled p99, and the median over rounds of its
/// round p50 divided by raw's round p50 (robust to load drifting between rounds),
/// with its confidence interval.
async fn latency(addr: std::net::SocketAddr, kind: Kind, cfg: &Config) -> Vec<(&'static str, u64, u64, Ratio)> {
    let mut clients = Vec::new();
    let names = names();
    for name in &names {
        clients.push(Client::new(name, addr, 1).await);
    }
    let mut samples: Vec<Vec<u64>> = vec![Vec::new(); names.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for r in 0..cfg.rounds {
        let mut round_p50 = vec![0.0; names.len()];
        // The order rotates each round, so that no candidate always follows the same
        // one (and inherits its cache and scheduler state).
        for k in 0..names.len() {
            let (i, c) = ((k + r) % names.len(), &clients[(k + r) % names.len()]);
            for _ in 0..cfg.warmup {
                black_box(c.call(kind, 0).await);
            }
            let mut round = Vec::with_capacity(cfg.samples);
            for _ in 0..cfg.samples {
                let t = Instant::now();
                black_box(c.call(kind, 0).await);
                round.push(t.elapsed().as_nanos() as u64);
            }
            samples[i].extend_from_slice(&round);
            round.sort_unstable();
            round_p50[i] = pct(&round, 0.5) as f64;
        }
        for i in 0..names.len() {
            ratios[i].push(round_p50[i] / round_p50[0]);
        }
    }
    names
        .iter()
        .zip(samples.iter_mut())
        .zip(ratios.iter_mut())
        .map(|((n, s), r)| {
            s.sort_unstable();
            (*n, pct(s, 0.5), pct(s, 0.99), Ratio::of(r))
        })
        .collect()
}

/// Throughput with `lanes` concurrent tasks (one connection each): requests/s, median
/// over rounds.
/// Returns per candidate: median rate, and the median over rounds of its rate divided
/// by raw's rate in the same round, with its confidence interval.
async fn throughput(
    addr: std::net::SocketAddr,
    kind: Kind,
    lanes: usize,
    cfg: &Config,
) -> Vec<(&'static str, f64, Ratio)> {
    let names = names();
    let mut clients = Vec::new();
    for name in &names {
        clients.push(Rc::new(Client::new(name, addr, lanes).await));
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for r in 0..cfg.rounds {
        for k in 0..names.len() {
            let (i, c) = ((k + r) % names.len(), &clients[(k + r) % names.len()]);
            for _ in 0..cfg.warmup {
                c.call(kind, 0).await;
            }
            let stop = Rc::new(std::cell::Cell::new(false));
            let start = Instant::now();
            let mut tasks = Vec::new();
            for lane in 0..lanes {
                let (c, stop) = (c.clone(), stop.clone());
                tasks.push(tokio::task::spawn_local(async move {
                    let mut n = 0u64;
                    while !stop.get() {
                        black_box(c.call(kind, lane).await);
                        n += 1;
                    }
                    n
                }));
            }
            tokio::time::sleep(cfg.window).await;
            stop.set(true);
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            rates[i].push(total as f64 / start.elapsed().as_secs_f64());
        }
    }
    let rounds = rates[0].len();
    let mut ratios: Vec<Vec<f64>> = rates.iter().map(|r| (0..rounds).map(|k| r[k] / rates[0][k]).collect()).collect();
    names.iter().zip(rates.iter_mut()).zip(ratios.iter_mut()).map(|((n, r), q)| (*n, median(r), Ratio::of(q))).collect()
}

use std::rc::Rc;

trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}
impl<T> Pipe for T {}

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

fn print_latency(title: &str, rows: &[(&str, u64, u64, Ratio)]) {
    let reqwest = rows.iter().find(|r| r.0 == "reqwest").map_or(f64::NAN, |r| r.3.median);
    println!("\n{title}");
    println!("| client | p50 us | p99 us | p50 / raw (median of rounds) [95 % CI] | reqwest p50 / this p50 |");
    println!("|---|---|---|---|---|");
    for (n, p50, p99, ratio) in rows {
        println!(
            "| {n} | {:.2} | {:.2} | {ratio} | {:.2} |",
            *p50 as f64 / 1e3,
            *p99 as f64 / 1e3,
            reqwest / ratio.median
        );
    }
}

fn print_rate(title: &str, rows: &[(&str, f64, Ratio)]) {
    let reqwest = rows.iter().find(|r| r.0 == "reqwest").map_or(f64::NAN, |r| r.2.median);
    println!("\n{title}");
    println!("| client | req/s (median) | x raw (median of rounds) [95 % CI] | x reqwest |");
    println!("|---|---|---|---|");
    for (n, r, q) in rows {
        println!("| {n} | {r:.0} | {q} | {:.2} |", q.median / reqwest);
    }
}

/// The `profile` section's loop: `n` requests of `kind` per candidate.
async fn profile(addr: std::net::SocketAddr, kind: Kind, n: usize) {
    for name in names() {
        let c = Client::new(name, addr, 1).await;
        for _ in 0..1000 {
            black_box(c.call(kind, 0).await);
        }
        let t = Instant::now();
        for _ in 0..n {
            black_box(c.call(kind, 0).await);
        }
        let e = t.elapsed();
        println!(
            "profile {name} {kind:?}: {n} requests in {e:?} ({:.2} us each)",
            e.as_secs_f64() * 1e6 / n.max(1) as f64
        );
    }
}

fn main() {
    let quick = std::env::var_os("REST_BENCH_QUICK").is_some();
    let mut cfg = if quick {
        Config { rounds: 3, samples: 500, warmup: 100, window: Duration::from_millis(300) }
    } else {
        Config { rounds: 15, samples: 2000, warmup: 200, window: Duration::from_millis(400) }
    };
    // REST_BENCH_ROUNDS and REST_BENCH_WINDOW_MS (throughput window) override either
    // preset, for a long run that narrows the spread of the same-round ratios.
    if let Some(n) = std::env::var("REST_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()) {
        cfg.rounds = n;
    }
    if let Some(ms) = std::env::var("REST_BENCH_WINDOW_MS").ok().and_then(|v| v.parse().ok()) {
        cfg.window = Duration::from_millis(ms);
    }
    // REST_BENCH_SECTIONS=latency,latency-busy,throughput,acquire (default: all).
    let sections = std::env::var("REST_BENCH_SECTIONS").unwrap_or_default();
    let want = |s: &str| sections.is_empty() || sections.split(',').any(|f| f == s);
    let addr = start_server();
    let pin = pin_plan();
    if let Some((client, _)) = pin {
        pin_to(client);
    }
    println!(
        "loopback REST round trips; {} rounds x {} samples per candidate, interleaved; {}; load average: {}",
        cfg.rounds,
        cfg.samples,
        match pin {
            Some((c, s)) => format!("client thread pinned to CPU {c}, server thread to CPU {s}"),
            None => "threads not pinned".to_owned(),
        },
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );

    for busy in [false, true] {
        if !want(if busy { "latency-busy" } else { "latency" }) {
            continue;
        }
        let rt = runtime(busy);
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let done = Arc::new(AtomicBool::new(false));
            if busy {
                tokio::task::spawn_local(spin(done.clone()));
            }
            for kind in [Kind::Get, Kind::Post] {
                let rows = latency(addr, kind, &cfg).await;
                let mode = if busy { "busy-polling" } else { "parking" };
                print_latency(&format!("latency, signed {kind:?}, 1 connection, {mode}"), &rows);
            }
            done.store(true, Ordering::Relaxed);
        });
    }

    if want("throughput") {
        // REST_BENCH_LANES=1,4 (default): the connection counts to measure.
        let lanes: Vec<usize> = std::env::var("REST_BENCH_LANES")
            .ok()
            .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_else(|| vec![1, 4]);
        let rt = runtime(false);
        let local = LocalSet::new();
        local.block_on(&rt, async {
            for lanes in lanes.iter().copied() {
                for kind in [Kind::Get, Kind::Post] {
                    let rows = throughput(addr, kind, lanes, &cfg).await;
                    print_rate(&format!("throughput, {kind:?}, {lanes} connection(s)"), &rows);
                }
            }
        });
    }

    // Opt-in (not part of "all"): a plain loop of one kind of request per candidate,
    // for callgrind / perf / strace. REST_BENCH_PROFILE_N requests (default 20000),
    // REST_BENCH_PROFILE_KIND=get|post (default get), after 1000 warm-up requests.
    if sections.split(',').any(|f| f == "profile") {
        let n: usize = std::env::var("REST_BENCH_PROFILE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
        let kind = match std::env::var("REST_BENCH_PROFILE_KIND").as_deref() {
            Ok("post") => Kind::Post,
            _ => Kind::Get,
        };
        let rt = runtime(false);
        let local = LocalSet::new();
        // In a spawned task, as an application's requests usually are.
        local.block_on(&rt, async {
            tokio::task::spawn_local(profile(addr, kind, n)).await.unwrap();
        });
    }

    if want("acquire") {
        let rt = runtime(false);
        let local = LocalSet::new();
        let (pool, pool07) = local.block_on(&rt, async {
            let nexus = match Client::new("nexus", addr, 4).await {
                Client::Nexus(p) => p,
                _ => unreachable!(),
            };
            let n07 = match Client::new("nexus07", addr, 4).await {
                Client::Nexus07(p) => p,
                _ => unreachable!(),
            };
            (nexus, n07)
        });
        let _guard = rt.enter();
        let mut c = Criterion::default().configure_from_args().warm_up_time(Duration::from_millis(500));
        if quick {
            c = c.measurement_time(Duration::from_secs(1));
        }
        let mut g = c.benchmark_group("pool");
        g.bench_function("nexus try_acquire+release", |b| b.iter(|| drop(black_box(pool.try_acquire()))));
        g.bench_function("nexus07 try_acquire+release", |b| b.iter(|| drop(black_box(pool07.try_acquire()))));
        g.finish();
        c.final_summary();
    }
}
