//! Loopback echo round trips over ws://127.0.0.1, ours against tokio-tungstenite.
//!
//! Each side's echo server runs on its own thread (a current-thread tokio runtime);
//! the client, on the bench thread, sends one message and waits for its echo. The
//! time is the full round trip: client encode + mask, two loopback hops, server
//! decode + unmask + re-encode, client decode. Nagle is off on both sides.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::{SinkExt, StreamExt};
use nexus_async_net::ws::WsStreamBuilder;
use nexus_net::ws::Message;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message as TMessage;

const SIZES: [usize; 4] = [40, 512, 16 * 1024, 256 * 1024];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Start an echo server on its own thread; returns its address.
fn spawn_server(nexus: bool) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                tcp.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    if nexus {
                        let ws = WsStreamBuilder::new().accept(tcp).await.unwrap();
                        let (mut rx, tx) = ws.split();
                        while let Ok(Some(m)) = rx.recv().await {
                            if matches!(m, Message::Text(_) | Message::Binary(_)) && tx.send(m).await.is_err() {
                                break;
                            }
                        }
                    } else {
                        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
                        while let Some(Ok(m)) = ws.next().await {
                            if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                                break;
                            }
                        }
                    }
                });
            }
        })
    });
    rx.recv().unwrap()
}

fn echo(c: &mut Criterion) {
    let nexus_addr = spawn_server(true);
    let tung_addr = spawn_server(false);
    let rt = runtime();
    let mut group = c.benchmark_group("ws_echo_roundtrip");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    for &len in &SIZES {
        let payload = vec![0x5au8; len];
        group.throughput(Throughput::Bytes(len as u64));

        let mut ws = rt.block_on(async {
            WsStreamBuilder::new().disable_nagle().connect(&format!("ws://{nexus_addr}/")).await.unwrap()
        });
        group.bench_with_input(BenchmarkId::new("nexus-async-net", len), &len, |b, _| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        ws.send_binary(&payload).await.unwrap();
                        match ws.recv().await.unwrap() {
                            Some(Message::Binary(b)) => assert_eq!(b.len(), len),
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                    start.elapsed()
                })
            })
        });

        let mut tws = rt.block_on(async {
            let tcp = TcpStream::connect(tung_addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            tokio_tungstenite::client_async(format!("ws://{tung_addr}/"), tcp).await.unwrap().0
        });
        group.bench_with_input(BenchmarkId::new("tokio-tungstenite", len), &len, |b, _| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        tws.send(TMessage::binary(payload.clone())).await.unwrap();
                        match tws.next().await.unwrap().unwrap() {
                            TMessage::Binary(b) => assert_eq!(b.len(), len),
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, echo);
criterion_main!(benches);
