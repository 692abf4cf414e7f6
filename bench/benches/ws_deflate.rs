//! permessage-deflate echo over ws://127.0.0.1: a 2 KiB JSON message (a trade list, the
//! kind exchanges compress), one in flight, the full round trip timed.
//!
//! One nexus echo server with deflate on (its own thread, current-thread runtime)
//! serves every client, so the clients differ and the server work is the same:
//! - `nexus`: nexus-async-net with `.deflate(DeflateConfig::default())`;
//! - `yawc`: yawc 0.5 with compression (flate2 + zlib-rs, as ours), default level;
//! - `nexus_plain`: nexus-async-net without deflate (the server then runs plain too):
//!   the cost compression adds on loopback, where bandwidth is free.
//!
//! Each client sends a fresh variant of the message (a counter changes a price), so
//! context takeover helps as it would on a real feed, but never sees an exact repeat.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::{SinkExt, StreamExt};
use nexus_async_net::ws::{DeflateConfig, Message, WsStreamBuilder};
use tokio::net::{TcpListener, TcpStream};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn spawn_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let builder = WsStreamBuilder::new().disable_nagle().deflate(DeflateConfig::default());
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let builder = builder.clone();
                tokio::spawn(async move {
                    let ws = builder.accept_tcp(tcp).await.unwrap();
                    let (mut rx, tx) = ws.split();
                    while let Ok(Some(m)) = rx.recv().await {
                        if matches!(m, Message::Text(_) | Message::Binary(_)) && tx.send(m).await.is_err() {
                            break;
                        }
                    }
                });
            }
        })
    });
    rx.recv().unwrap()
}

/// 2 KiB of trade JSON; `n` changes one price.
fn message(n: u64) -> String {
    let mut s = String::new();
    let mut i = 0u64;
    while s.len() < 2048 {
        let p = if i == 7 { n % 10_000 } else { 43000 + i % 97 };
        s += &format!(
            "{{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":{},\"p\":\"{p}.{:02}\",\"q\":\"0.{:03}\"}},",
            1_700_000 + i,
            i % 100,
            i * 7 % 1000
        );
        i += 1;
    }
    s.truncate(2048);
    s
}

fn bench(c: &mut Criterion) {
    let addr = spawn_server();
    let url = format!("ws://{addr}/");
    let rt = runtime();
    let messages: Vec<String> = (0..256).map(message).collect();
    let mut group = c.benchmark_group("ws_deflate_echo_2KiB_json");
    group.throughput(Throughput::Bytes(2048));

    for (name, deflate) in [("nexus", true), ("nexus_plain", false)] {
        let mut builder = WsStreamBuilder::new().disable_nagle();
        if deflate {
            builder = builder.deflate(DeflateConfig::default());
        }
        let mut ws = rt.block_on(builder.connect(&url)).unwrap();
        assert_eq!(ws.deflate_params().is_some(), deflate);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let m = &messages[i as usize % messages.len()];
                        ws.send_text(m).await.unwrap();
                        match ws.recv().await.unwrap() {
                            Some(Message::Text(t)) => assert_eq!(t.len(), m.len()),
                            other => panic!("{other:?}"),
                        }
                    }
                    start.elapsed()
                })
            })
        });
    }

    let mut ws = rt.block_on(async {
        let tcp = TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let options = yawc::Options::default().with_compression_level(yawc::CompressionLevel::default());
        yawc::WebSocket::handshake(url::Url::parse(&url).unwrap(), tcp, options).await.unwrap()
    });
    group.bench_function("yawc", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    let m = &messages[i as usize % messages.len()];
                    ws.send(yawc::frame::Frame::text(m.clone())).await.unwrap();
                    let f = ws.next().await.unwrap();
                    assert_eq!(f.payload().len(), m.len());
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
