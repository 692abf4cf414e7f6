//! WsStream behaviour: cancel-safety, split and full duplex, Stream/Sink, automatic
//! pong, idle timeout, sends larger than the write buffer, EOF, Send-ness.

mod common;

use std::time::Duration;

use common::{listener, within};
use futures_util::{SinkExt, StreamExt};
use nexus_async_net::ws::{OwnedMessage, WsError, WsStream, WsStreamBuilder};
use nexus_net::rand_core::{impls, Error as RandError, RngCore};
use nexus_net::ws::{CloseCode, FrameWriter, Message, OpCode, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message as TMessage;

struct NoRng;
impl RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, d: &mut [u8]) {
        impls::fill_bytes_via_next(self, d)
    }
    fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), RandError> {
        self.fill_bytes(d);
        Ok(())
    }
}

/// Server-role frames for `messages`, as one byte string.
fn server_frames(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut writer = FrameWriter::new(Role::Server, NoRng);
    let mut out = Vec::new();
    for m in messages {
        let mut buf = vec![0; writer.encoded_len(m.len())];
        let n = writer.encode_message(OpCode::Binary, m, &mut buf).unwrap();
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// A connected pair of TCP streams.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (a, b) = tokio::join!(TcpStream::connect(addr), l.accept());
    (a.unwrap(), b.unwrap().0)
}

/// A nexus client and a nexus server over loopback, handshake done.
async fn nexus_pair(client: WsStreamBuilder, server: WsStreamBuilder) -> (WsStream, WsStream<TcpStream>) {
    let (l, addr) = listener().await;
    let accept = tokio::spawn(async move { server.accept(l.accept().await.unwrap().0).await.unwrap() });
    let c = client.connect(&format!("ws://{addr}/")).await.unwrap();
    (c, accept.await.unwrap())
}

#[tokio::test]
async fn recv_is_cancel_safe_in_select() {
    within(async {
        let messages: Vec<Vec<u8>> =
            (0..40u32).map(|i| (0..(i as usize * 997 % 70_000)).map(|j| (i as usize + j) as u8).collect()).collect();
        let wire = server_frames(&messages);
        let (client_tcp, mut server_tcp) = tcp_pair().await;
        // The peer trickles the frames in small pieces, so that many reads (and
        // cancellations) land inside frames and inside fragmented reads.
        let feeder = tokio::spawn(async move {
            for chunk in wire.chunks(1500) {
                server_tcp.write_all(chunk).await.unwrap();
                tokio::time::sleep(Duration::from_micros(300)).await;
            }
            server_tcp
        });
        let mut ws = WsStreamBuilder::new().buffer_capacity(4096).from_raw_socket(client_tcp, Role::Client);
        let mut got = Vec::new();
        let mut cancelled = 0u32;
        while got.len() < messages.len() {
            tokio::select! {
                m = ws.recv() => match m.unwrap() {
                    Some(Message::Binary(b)) => got.push(b.to_vec()),
                    other => panic!("unexpected {other:?}"),
                },
                _ = tokio::time::sleep(Duration::from_micros(200)) => cancelled += 1,
            }
        }
        assert_eq!(got, messages);
        assert!(cancelled > 10, "the timer never won ({cancelled}): the test did not exercise cancellation");
        drop(feeder.await.unwrap());
        assert_eq!(ws.recv().await.unwrap(), None);
    })
    .await
}

#[tokio::test]
async fn queued_replies_survive_cancellation() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            for i in 0..20u8 {
                ws.send(TMessage::Ping(vec![i].into())).await.unwrap();
            }
            let mut pongs = Vec::new();
            while pongs.len() < 20 {
                if let TMessage::Pong(p) = ws.next().await.unwrap().unwrap() {
                    pongs.push(p[0]);
                }
            }
            pongs
        });
        let mut ws = WsStreamBuilder::new().auto_pong(true).connect(&format!("ws://{addr}/")).await.unwrap();
        // Poll recv once and drop it, over and over: every await point gets cancelled
        // at some time, and no pong may be lost.
        let mut pings = 0;
        let mut dropped = 0;
        while pings < 20 {
            let polled = {
                let fut = std::pin::pin!(ws.recv());
                match futures_util::poll!(fut) {
                    std::task::Poll::Ready(m) => Some(matches!(m.unwrap(), Some(Message::Ping(_)))),
                    std::task::Poll::Pending => None,
                }
            };
            match polled {
                Some(true) => pings += 1,
                Some(false) => {}
                None => {
                    dropped += 1;
                    tokio::time::sleep(Duration::from_micros(100)).await;
                }
            }
        }
        assert!(dropped > 0);
        assert_eq!(server.await.unwrap(), (0..20).collect::<Vec<u8>>());
    })
    .await
}

#[tokio::test]
async fn split_full_duplex_across_tasks() {
    within(async {
        let (client, server) = nexus_pair(WsStreamBuilder::new(), WsStreamBuilder::new()).await;
        // Server: zero-copy echo through its halves.
        let server = tokio::spawn(async move {
            let (mut rx, tx) = server.split();
            while let Some(m) = rx.recv().await.unwrap() {
                if matches!(m, Message::Text(_) | Message::Binary(_)) {
                    tx.send(m).await.unwrap();
                }
            }
        });
        let (mut rx, tx) = client.split();
        const N: usize = 2000;
        let sender = tokio::spawn(async move {
            for i in 0..N {
                tx.send_text(&format!("message {i}")).await.unwrap();
            }
            tx
        });
        for i in 0..N {
            assert_eq!(rx.recv().await.unwrap(), Some(Message::Text(&format!("message {i}"))));
        }
        let tx = sender.await.unwrap();
        tx.close(CloseCode::Normal, "").await.unwrap();
        assert!(matches!(rx.recv().await.unwrap(), Some(Message::Close(_))));
        assert_eq!(rx.recv().await.unwrap(), None);
        assert!(matches!(tx.send_text("late").await, Err(WsError::Closed)));
        server.await.unwrap();
    })
    .await
}

#[tokio::test]
async fn stream_and_sink_of_owned_messages() {
    within(async {
        let (client, server) = nexus_pair(WsStreamBuilder::new(), WsStreamBuilder::new()).await;
        let server = tokio::spawn(async move {
            let (rx, tx) = server.split();
            let mut stream = rx.into_stream();
            let mut sink = tx.into_sink();
            while let Some(m) = stream.next().await {
                if let m @ (OwnedMessage::Text(_) | OwnedMessage::Binary(_)) = m.unwrap() {
                    sink.send(m).await.unwrap();
                }
            }
        });
        let (rx, tx) = client.split();
        let mut sink = tx.into_sink();
        let mut stream = rx.into_stream();
        for i in 0..10 {
            sink.send(OwnedMessage::Text(format!("n{i}"))).await.unwrap();
        }
        sink.send(OwnedMessage::Binary(vec![9; 100_000])).await.unwrap();
        for i in 0..10 {
            assert_eq!(stream.next().await.unwrap().unwrap(), OwnedMessage::Text(format!("n{i}")));
        }
        assert_eq!(stream.next().await.unwrap().unwrap(), OwnedMessage::Binary(vec![9; 100_000]));
        let close = nexus_net::ws::CloseFrame::new(CloseCode::Normal, "done").unwrap();
        sink.send(OwnedMessage::Close(close)).await.unwrap();
        assert!(matches!(stream.next().await.unwrap().unwrap(), OwnedMessage::Close(_)));
        assert!(stream.next().await.is_none());
        server.await.unwrap();
    })
    .await
}

#[tokio::test]
async fn sends_larger_than_the_write_buffer_never_panic() {
    within(async {
        // Both roles with a 256-byte write buffer: client (masked through the buffer)
        // and server (vectored writes straight from the slice).
        let small = WsStreamBuilder::new().write_buffer_capacity(256);
        let (mut client, server) = nexus_pair(small.clone(), small).await;
        let server = tokio::spawn(async move {
            let (mut rx, tx) = server.split();
            while let Some(m) = rx.recv().await.unwrap() {
                match m {
                    Message::Text(_) | Message::Binary(_) => tx.send(m).await.unwrap(),
                    Message::Ping(p) => tx.send_pong(p).await.unwrap(),
                    _ => {}
                }
            }
        });
        let text: String = (0..300_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let sizes = [0usize, 1, 125, 126, 255, 256, 257, 65535, 65536, 1 << 20];
        for &n in &sizes {
            // One at a time: an echo peer and a sender that reads nothing would fill
            // both socket buffers with 1 MiB messages.
            client.send_text(&text[..n.min(text.len())]).await.unwrap();
            assert_eq!(client.recv().await.unwrap(), Some(Message::Text(&text[..n.min(text.len())])));
            let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            client.send_binary(&data).await.unwrap();
            assert_eq!(client.recv().await.unwrap(), Some(Message::Binary(&data)));
        }
        // Control payloads over 125 bytes are an error, not a panic, and the stream lives on.
        assert!(matches!(client.send_ping([0u8; 126]).await, Err(WsError::Encode(_))));
        client.send_ping(b"ok").await.unwrap();
        assert!(matches!(client.recv().await.unwrap(), Some(Message::Pong(p)) if &p[..] == b"ok"));
        // An invalid close code is refused before anything is sent.
        assert!(matches!(client.close(CloseCode::Abnormal, "").await, Err(WsError::Encode(_))));
        client.close(CloseCode::Normal, "").await.unwrap();
        while client.recv().await.unwrap().is_some() {}
        server.await.unwrap();
    })
    .await
}

#[tokio::test]
async fn auto_pong_answers_and_still_reports_the_ping() {
    within(async {
        let (mut client, mut server) = nexus_pair(WsStreamBuilder::new().auto_pong(true), WsStreamBuilder::new()).await;
        server.send_ping(b"are you there").await.unwrap();
        server.send_text("after").await.unwrap();
        assert!(matches!(client.recv().await.unwrap(), Some(Message::Ping(p)) if &p[..] == b"are you there"));
        assert_eq!(client.recv().await.unwrap(), Some(Message::Text("after")));
        assert!(matches!(server.recv().await.unwrap(), Some(Message::Pong(p)) if &p[..] == b"are you there"));
    })
    .await
}

#[tokio::test]
async fn nothing_follows_our_close_not_even_an_automatic_pong() {
    within(async {
        let (client_tcp, mut peer) = tcp_pair().await;
        let mut ws = WsStreamBuilder::new().auto_pong(true).from_raw_socket(client_tcp, Role::Client);
        ws.close(CloseCode::Normal, "").await.unwrap();
        let mut close = [0u8; 8];
        peer.read_exact(&mut close).await.unwrap();
        assert_eq!(close[..2], [0x88, 0x82], "a masked Close with a code");
        // A ping that crossed our Close, then the peer's Close.
        peer.write_all(&[0x89, 0x01, b'x', 0x88, 0x02, 0x03, 0xe8]).await.unwrap();
        peer.shutdown().await.unwrap();
        assert!(matches!(ws.recv().await.unwrap(), Some(Message::Ping(p)) if &p[..] == b"x"));
        assert!(matches!(ws.recv().await.unwrap(), Some(Message::Close(f)) if f.code() == CloseCode::Normal));
        assert_eq!(ws.recv().await.unwrap(), None);
        drop(ws);
        let mut rest = Vec::new();
        peer.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "no pong (or anything) after our Close: {rest:?}");

        // The same through the halves of a split stream.
        let (client_tcp, mut peer) = tcp_pair().await;
        let ws = WsStreamBuilder::new().auto_pong(true).from_raw_socket(client_tcp, Role::Client);
        let (mut reader, writer) = ws.split();
        writer.close(CloseCode::Normal, "").await.unwrap();
        peer.read_exact(&mut close).await.unwrap();
        peer.write_all(&[0x89, 0x01, b'x', 0x88, 0x02, 0x03, 0xe8]).await.unwrap();
        peer.shutdown().await.unwrap();
        assert!(matches!(reader.recv().await.unwrap(), Some(Message::Ping(p)) if &p[..] == b"x"));
        assert!(matches!(reader.recv().await.unwrap(), Some(Message::Close(_))));
        assert_eq!(reader.recv().await.unwrap(), None);
        drop((reader, writer));
        peer.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "split: nothing after our Close: {rest:?}");
    })
    .await
}

#[tokio::test]
async fn idle_timeout_pings_then_fails_a_half_open_connection() {
    within(async {
        let (client_tcp, mut peer) = tcp_pair().await;
        let mut ws =
            WsStreamBuilder::new().idle_timeout(Duration::from_millis(200)).from_raw_socket(client_tcp, Role::Client);
        let started = std::time::Instant::now();
        let result = ws.recv().await;
        assert!(matches!(result, Err(WsError::Timeout)), "{result:?}");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(380) && elapsed < Duration::from_secs(3), "{elapsed:?}");
        // The silent peer did get a (masked, empty) ping after the first period.
        let mut head = [0u8; 2];
        peer.read_exact(&mut head).await.unwrap();
        assert_eq!(head, [0x89, 0x80]);
        assert_eq!(ws.recv().await.unwrap(), None);
    })
    .await
}

#[tokio::test]
async fn idle_timeout_is_reset_by_traffic() {
    within(async {
        let (mut client, mut server) =
            nexus_pair(WsStreamBuilder::new().idle_timeout(Duration::from_millis(150)), WsStreamBuilder::new()).await;
        let peer = tokio::spawn(async move {
            // Answer pings (manually) and send something now and then for a while.
            for i in 0..6 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                server.send_text(&format!("{i}")).await.unwrap();
            }
            server
        });
        for i in 0..6 {
            assert_eq!(client.recv().await.unwrap(), Some(Message::Text(&format!("{i}"))));
        }
        drop(peer.await.unwrap());
    })
    .await
}

#[tokio::test]
async fn eof_at_a_frame_boundary_is_none_and_mid_frame_is_an_error() {
    within(async {
        let (client_tcp, mut peer) = tcp_pair().await;
        let mut ws = WsStreamBuilder::new().from_raw_socket(client_tcp, Role::Client);
        peer.write_all(&server_frames(&[b"whole".to_vec()])).await.unwrap();
        drop(peer);
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Binary(b"whole")));
        assert_eq!(ws.recv().await.unwrap(), None);

        let (client_tcp, mut peer) = tcp_pair().await;
        let mut ws = WsStreamBuilder::new().from_raw_socket(client_tcp, Role::Client);
        let wire = server_frames(&[vec![1; 1000]]);
        peer.write_all(&wire[..500]).await.unwrap();
        drop(peer);
        match ws.recv().await {
            Err(WsError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof),
            other => panic!("unexpected {other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn peer_close_is_answered_even_if_the_application_drops_the_stream() {
    within(async {
        let (mut client, server) = nexus_pair(WsStreamBuilder::new(), WsStreamBuilder::new()).await;
        let server = tokio::spawn(async move {
            let mut ws = server;
            // The gateway recipe: break on Close and drop.
            while let Some(m) = ws.recv().await.unwrap() {
                if let Message::Close(_) = m {
                    break;
                }
            }
        });
        client.close(CloseCode::Normal, "bye").await.unwrap();
        match client.recv().await.unwrap() {
            Some(Message::Close(frame)) => assert_eq!(frame.code(), CloseCode::Normal),
            other => panic!("no close reply: {other:?}"),
        }
        assert_eq!(client.recv().await.unwrap(), None);
        server.await.unwrap();
    })
    .await
}

#[test]
fn public_types_and_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn sync<T: Sync>() {}
    sync::<WsStreamBuilder>();
    sync::<WsError>();
    sync::<nexus_net::tls::TlsConfig>();
    let builder = WsStreamBuilder::new();
    send(&builder);
    send(&builder.connect("ws://127.0.0.1:1/"));
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let _ = a;
    async fn uses(mut ws: WsStream<TcpStream>, mut c: WsStream) {
        let _ = ws.recv().await;
        let _ = ws.send_text("x").await;
        let _ = ws.send_pong([1u8]).await;
        let _ = ws.close(CloseCode::Normal, "").await;
        let _ = c.recv().await;
        let (mut r, w) = c.split();
        let _ = r.recv().await;
        let _ = w.send_binary(b"x").await;
    }
    fn check<F: std::future::Future + Send>(_: F) {}
    check(async {
        let tcp = TcpStream::connect("127.0.0.1:1").await.unwrap();
        let ws = WsStreamBuilder::new().accept(tcp).await.unwrap();
        let c = WsStreamBuilder::new().connect("ws://x/").await.unwrap();
        uses(ws, c).await;
    });
}

#[tokio::test]
async fn close_from_a_peer_that_hangs_up_at_once_is_still_delivered() {
    within(async {
        for split in [false, true] {
            let (client_tcp, mut peer) = tcp_pair().await;
            peer.write_all(&[0x88, 0x02, 0x03, 0xe8]).await.unwrap();
            drop(peer);
            tokio::time::sleep(Duration::from_millis(20)).await;
            let ws = WsStreamBuilder::new().from_raw_socket(client_tcp, Role::Client);
            if split {
                let (mut rx, tx) = ws.split();
                assert!(matches!(rx.recv().await.unwrap(), Some(Message::Close(f)) if f.code() == CloseCode::Normal));
                assert_eq!(rx.recv().await.unwrap(), None);
                assert!(matches!(tx.send_text("x").await, Err(WsError::Closed)));
            } else {
                let mut ws = ws;
                assert!(matches!(ws.recv().await.unwrap(), Some(Message::Close(f)) if f.code() == CloseCode::Normal));
                assert_eq!(ws.recv().await.unwrap(), None);
                assert!(matches!(ws.send_text("x").await, Err(WsError::Closed)));
                ws.close(CloseCode::Normal, "").await.unwrap();
            }
        }
    })
    .await
}

#[tokio::test]
async fn split_reader_answers_pings_with_auto_pong() {
    within(async {
        let (client, mut server) = nexus_pair(WsStreamBuilder::new().auto_pong(true), WsStreamBuilder::new()).await;
        let (mut rx, tx) = client.split();
        let reader = tokio::spawn(async move {
            let mut pings = 0;
            while let Some(m) = rx.recv().await.unwrap() {
                if let Message::Ping(_) = m {
                    pings += 1;
                }
            }
            pings
        });
        for i in 0..5u8 {
            server.send_ping([i]).await.unwrap();
            assert!(matches!(server.recv().await.unwrap(), Some(Message::Pong(p)) if p[..] == [i]));
        }
        server.close(CloseCode::Normal, "").await.unwrap();
        assert!(matches!(server.recv().await.unwrap(), Some(Message::Close(_))));
        assert_eq!(server.recv().await.unwrap(), None);
        assert_eq!(reader.await.unwrap(), 5);
        drop(tx);
    })
    .await
}
