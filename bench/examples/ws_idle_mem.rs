//! Memory of idle WebSocket connections: opens N loopback connections (default 10,000)
//! and reports the resident-set growth per connection on the client side and on the
//! server side, each in its own process (this binary re-runs itself as the server).
//!
//! `cd bench && cargo run --release --example ws_idle_mem -- [LIB] [N]`, LIB one of
//! `nexus` (default), `nexus07`, `tungstenite`, `tokio-websockets`, `fastwebsockets`.
//!
//! Every connection is a handshaken WebSocket with a task parked in its receive call
//! (what an idle subscription is), on a current-thread tokio runtime. Read buffers are
//! set to 4 KiB where the library lets us: nexus `buffer_capacity(4096)`, nexus 0.7
//! `buffer_capacity(4096)`, tungstenite `read_buffer_size(4096)`; tokio-websockets and
//! fastwebsockets have no such option and run with their defaults. Write buffers keep
//! each library's default (nexus: 64 KiB, allocated zeroed and never written while idle)
//! unless `WS_MEM_WRITE_BUFFER=BYTES` is set (nexus, nexus07, tungstenite).
//! RSS is `VmRSS` from `/proc/self/status`; kernel socket buffers are not in it.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::LocalSet;

const READ_BUFFER: usize = 4096;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Raise the soft limit on open files to the hard limit.
fn raise_nofile(need: u64) {
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        assert!(
            lim.rlim_cur >= need + 64,
            "open-file limit {} is too low for {need} connections: run with `ulimit -n {}`",
            lim.rlim_cur,
            need + 1024
        );
    }
}

fn write_buffer() -> Option<usize> {
    std::env::var("WS_MEM_WRITE_BUFFER").ok().map(|v| v.parse().expect("WS_MEM_WRITE_BUFFER"))
}

fn nexus_builder() -> nexus_async_net::ws::WsStreamBuilder {
    let b = nexus_async_net::ws::WsStreamBuilder::new().disable_nagle().buffer_capacity(READ_BUFFER);
    match write_buffer() {
        Some(n) => b.write_buffer_capacity(n),
        None => b,
    }
}

fn nexus07_builder() -> nexus_async_net_07::ws::WsStreamBuilder {
    let b = nexus_async_net_07::ws::WsStreamBuilder::new().disable_nagle().buffer_capacity(READ_BUFFER);
    match write_buffer() {
        Some(n) => b.write_buffer_capacity(n),
        None => b,
    }
}

fn tungstenite_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    let c = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    match write_buffer() {
        Some(n) => c.write_buffer_size(n),
        None => c,
    }
}

/// Accept one connection and park a task in its receive call.
async fn accept_one(lib: &str, tcp: TcpStream) {
    tcp.set_nodelay(true).unwrap();
    match lib {
        "nexus" => {
            let mut ws = nexus_builder().accept(tcp).await.unwrap();
            tokio::task::spawn_local(async move { while let Ok(Some(_)) = ws.recv().await {} });
        }
        "nexus07" => {
            let tcp = nexus_async_net_07::maybe_tls::MaybeTls::Plain(tcp);
            let mut ws = nexus07_builder().accept(tcp).await.unwrap();
            tokio::task::spawn_local(async move { while let Ok(Some(_)) = ws.recv().await {} });
        }
        "tungstenite" => {
            let mut ws = tokio_tungstenite::accept_async_with_config(tcp, Some(tungstenite_config())).await.unwrap();
            tokio::task::spawn_local(async move { while let Some(Ok(_)) = ws.next().await {} });
        }
        "tokio-websockets" => {
            let (_, mut ws) = tokio_websockets::ServerBuilder::new().accept(tcp).await.unwrap();
            tokio::task::spawn_local(async move { while let Some(Ok(_)) = ws.next().await {} });
        }
        "fastwebsockets" => {
            let mut ws = fastwebsockets::WebSocket::after_handshake(tcp, fastwebsockets::Role::Server);
            tokio::task::spawn_local(async move { while ws.read_frame().await.is_ok() {} });
        }
        other => panic!("unknown library {other}"),
    }
}

/// Connect one client and park a task in its receive call.
async fn connect_one(lib: &str, addr: SocketAddr) {
    let url = format!("ws://{addr}/");
    match lib {
        "nexus" => {
            let mut ws = nexus_builder().connect(&url).await.unwrap();
            tokio::task::spawn_local(async move { while let Ok(Some(_)) = ws.recv().await {} });
        }
        "nexus07" => {
            let mut ws = nexus07_builder().connect(&url).await.unwrap();
            tokio::task::spawn_local(async move { while let Ok(Some(_)) = ws.recv().await {} });
        }
        other => {
            let tcp = TcpStream::connect(addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            match other {
                "tungstenite" => {
                    let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(tungstenite_config()))
                        .await
                        .unwrap();
                    tokio::task::spawn_local(async move { while let Some(Ok(_)) = ws.next().await {} });
                }
                "tokio-websockets" => {
                    let (mut ws, _) =
                        tokio_websockets::ClientBuilder::new().uri(&url).unwrap().connect_on(tcp).await.unwrap();
                    tokio::task::spawn_local(async move { while let Some(Ok(_)) = ws.next().await {} });
                }
                "fastwebsockets" => {
                    let mut ws = fastwebsockets::WebSocket::after_handshake(tcp, fastwebsockets::Role::Client);
                    tokio::task::spawn_local(async move { while ws.read_frame().await.is_ok() {} });
                }
                other => panic!("unknown library {other}"),
            }
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Server process: print the address, accept `n` connections, print the RSS figures.
fn server(lib: &str, n: usize) {
    raise_nofile(n as u64);
    let rt = runtime();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let before = rss_kib();
        println!("{}", listener.local_addr().unwrap());
        std::io::stdout().flush().unwrap();
        let done = Rc::new(Cell::new(0usize));
        for _ in 0..n {
            let (tcp, _) = listener.accept().await.unwrap();
            let (lib, done) = (lib.to_string(), done.clone());
            tokio::task::spawn_local(async move {
                accept_one(&lib, tcp).await;
                done.set(done.get() + 1);
            });
        }
        while done.get() < n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        println!("{before} {}", rss_kib());
        std::io::stdout().flush().unwrap();
        // Stay up (connections open) until the client says it is done.
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--server") {
        return server(&args[2], args[3].parse().unwrap());
    }
    let lib = args.get(1).cloned().unwrap_or_else(|| "nexus".into());
    let n: usize = args.get(2).map_or(10_000, |a| a.parse().expect("N"));
    raise_nofile(n as u64);

    let mut child = Command::new(&args[0])
        .args(["--server", &lib, &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr: SocketAddr = line.trim().parse().unwrap();

    let rt = runtime();
    let local = LocalSet::new();
    let (before, after) = local.block_on(&rt, async {
        let before = rss_kib();
        for _ in 0..n {
            connect_one(&lib, addr).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        (before, rss_kib())
    });
    line.clear();
    out.read_line(&mut line).unwrap();
    let mut it = line.split_whitespace().map(|v| v.parse::<u64>().unwrap());
    let (s_before, s_after) = (it.next().unwrap(), it.next().unwrap());
    let _ = child.stdin.take().unwrap().write_all(b"done\n");
    let _ = child.wait();

    let per = |b: u64, a: u64| (a.saturating_sub(b)) as f64 * 1024.0 / n as f64;
    println!(
        "{lib}: {n} idle connections, read buffer {READ_BUFFER} B, write buffer {}",
        write_buffer().map_or("default".to_string(), |w| format!("{w} B"))
    );
    println!("client: RSS {before} KiB -> {after} KiB, {:.0} bytes per connection", per(before, after));
    println!("server: RSS {s_before} KiB -> {s_after} KiB, {:.0} bytes per connection", per(s_before, s_after));
    drop(local);
}
