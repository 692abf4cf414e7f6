//! Server-side hardening of `accept`: timeouts, head limits, refusals with the right
//! status, and the application's say before the 101.

mod common;

use std::time::{Duration, Instant};

use common::{listener, within};
use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::ws::handshake::HandshakeError;
use nexus_net::ws::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GOOD_REQUEST: &str = "GET /feed HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/// Start `builder.accept` on one connection; send `request`; return what the server
/// answered (until it closed) and how `accept` ended.
async fn exchange(builder: WsStreamBuilder, request: &[u8]) -> (String, Result<(), WsError>) {
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        builder.accept(tcp).await.map(drop)
    });
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    (String::from_utf8_lossy(&answer).into_owned(), server.await.unwrap())
}

#[tokio::test]
async fn wrong_version_gets_426_with_the_supported_version() {
    within(async {
        let request = GOOD_REQUEST.replace("Version: 13", "Version: 8") + "\r\n";
        let (answer, result) = exchange(WsStreamBuilder::new(), request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
        assert!(answer.contains("Sec-WebSocket-Version: 13\r\n"), "{answer}");
        assert!(matches!(result, Err(WsError::Handshake(HandshakeError::UnsupportedVersion))), "{result:?}");
    })
    .await
}

#[tokio::test]
async fn bad_upgrades_get_400() {
    within(async {
        for request in [
            GOOD_REQUEST.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "") + "\r\n",
            GOOD_REQUEST.replace("Upgrade: websocket\r\n", "") + "\r\n",
            GOOD_REQUEST.replace("dGhlIHNhbXBsZSBub25jZQ==", "short") + "\r\n",
            "\x16\x03\x01garbage that is not http\r\n\r\n".to_string(),
        ] {
            let (answer, result) = exchange(WsStreamBuilder::new(), request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 400 "), "{request:?} -> {answer}");
            assert!(matches!(result, Err(WsError::Handshake(_))), "{result:?}");
        }
    })
    .await
}

#[tokio::test]
async fn oversize_head_is_refused_with_431() {
    within(async {
        let filler = format!("X-Filler: {}\r\n", "a".repeat(1000));
        let request = format!("{GOOD_REQUEST}{}\r\n", filler.repeat(20));
        let (answer, result) = exchange(WsStreamBuilder::new().max_handshake_size(8192), request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert!(matches!(result, Err(WsError::Handshake(HandshakeError::HeadTooLarge))), "{result:?}");
        // The limit can be raised: the same request is accepted with 64 KiB.
        let (answer, result) = exchange(WsStreamBuilder::new().max_handshake_size(64 << 10), request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
        assert!(result.is_ok());
    })
    .await
}

#[tokio::test]
async fn endless_request_is_dropped_at_the_head_limit() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            WsStreamBuilder::new().max_handshake_size(4096).accept(tcp).await.map(drop)
        });
        let mut tcp = TcpStream::connect(&addr).await.unwrap();
        tcp.write_all(GOOD_REQUEST.as_bytes()).await.unwrap();
        // Headers forever, until the server gives up on us.
        let line = format!("X-More: {}\r\n", "y".repeat(200));
        let line = line.as_bytes();
        let mut sent = 0;
        while tcp.write_all(line).await.is_ok() && sent < 1 << 20 {
            sent += line.len();
            if sent > 64 << 10 {
                break;
            }
        }
        let result = server.await.unwrap();
        assert!(matches!(result, Err(WsError::Handshake(HandshakeError::HeadTooLarge))), "{result:?}");
    })
    .await
}

#[tokio::test]
async fn slow_client_is_dropped_at_the_handshake_timeout() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let started = Instant::now();
            let result = WsStreamBuilder::new().handshake_timeout(Duration::from_millis(1500)).accept(tcp).await;
            (result.map(drop), started.elapsed())
        });
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut rd, mut wr) = tcp.into_split();
        // One byte a second, as a slowloris client would.
        let writer = tokio::spawn(async move {
            for b in GOOD_REQUEST.bytes() {
                if wr.write_all(&[b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let (result, elapsed) = server.await.unwrap();
        assert!(matches!(result, Err(WsError::Timeout)), "{result:?}");
        assert!(elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(4), "{elapsed:?}");
        // The connection was dropped: the client reads EOF, not a 101.
        let mut rest = Vec::new();
        let _ = rd.read_to_end(&mut rest).await;
        assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
        writer.abort();
    })
    .await
}

#[tokio::test]
async fn application_inspects_and_refuses_before_the_101() {
    within(async {
        let builder = WsStreamBuilder::new().subprotocols(["v2", "v1"]).on_request(|req| {
            if req.path() != "/feed" {
                return Err(404);
            }
            if req.origin() != Some("https://app.example") {
                return Err(403);
            }
            if req.header("x-api-key") != Some(&b"k"[..]) {
                return Err(401);
            }
            assert_eq!(req.subprotocols().collect::<Vec<_>>(), ["v1", "v3"]);
            Ok(())
        });
        let with = |path: &str, origin: &str, key: &str| {
            format!(
                "{}Origin: {origin}\r\nX-Api-Key: {key}\r\nSec-WebSocket-Protocol: v1, v3\r\n\r\n",
                GOOD_REQUEST.replace("/feed", path)
            )
        };
        let (answer, result) = exchange(builder.clone(), with("/other", "https://app.example", "k").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 404 "), "{answer}");
        assert!(matches!(result, Err(WsError::Refused(404))));
        let (answer, _) = exchange(builder.clone(), with("/feed", "https://evil.example", "k").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
        let (answer, _) = exchange(builder.clone(), with("/feed", "https://app.example", "nope").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
        let (answer, result) = exchange(builder, with("/feed", "https://app.example", "k").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
        assert!(answer.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), "{answer}");
        assert!(answer.contains("Sec-WebSocket-Protocol: v1\r\n"), "{answer}");
        assert!(result.is_ok());
    })
    .await
}

#[tokio::test]
async fn frames_sent_right_after_the_request_are_not_lost() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = WsStreamBuilder::new().accept(tcp).await.unwrap();
            let first = match ws.recv().await.unwrap() {
                Some(Message::Text(t)) => t.to_owned(),
                other => panic!("unexpected {other:?}"),
            };
            first
        });
        let mut tcp = TcpStream::connect(&addr).await.unwrap();
        // The request and a masked "Hi" text frame in one write.
        let mut bytes = format!("{GOOD_REQUEST}\r\n").into_bytes();
        let key = [1u8, 2, 3, 4];
        bytes.extend_from_slice(&[0x81, 0x82]);
        bytes.extend_from_slice(&key);
        bytes.extend(b"Hi".iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        tcp.write_all(&bytes).await.unwrap();
        assert_eq!(server.await.unwrap(), "Hi");
    })
    .await
}
