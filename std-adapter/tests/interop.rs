//! nexus-async-net against tokio-tungstenite, both roles, over ws:// and wss://.

mod common;

use std::time::Duration;

use common::{listener, localhost_cert, within};
use futures_util::{SinkExt, StreamExt};
use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::ws::{CloseCode, Message};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode as TCode, Data, OpCode as TOp};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame as TCloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message as TMessage;

const BIG: usize = 16 << 20;

fn big_payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

fn tung_config() -> WebSocketConfig {
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(64 << 20);
    config.max_frame_size = Some(64 << 20);
    config
}

/// A tokio-tungstenite echo server for one connection; returns what it saw last
/// (the close frame it received).
async fn tung_echo_server(listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<Option<TCloseFrame>> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async_with_config(tcp, Some(tung_config())).await.unwrap();
        let mut close = None;
        while let Some(msg) = ws.next().await {
            match msg.unwrap() {
                m @ (TMessage::Text(_) | TMessage::Binary(_)) => ws.send(m).await.unwrap(),
                TMessage::Close(frame) => close = frame,
                _ => {}
            }
        }
        close
    })
}

// ---- our client, tungstenite server ----

#[tokio::test]
async fn client_echo_text_binary_and_16mib_then_close() {
    within(async {
        let (l, addr) = listener().await;
        let server = tung_echo_server(l).await;
        let mut ws = WsStreamBuilder::new().disable_nagle().connect(&format!("ws://{addr}/echo")).await.unwrap();
        ws.send_text("hello").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("hello")));
        ws.send_binary(&[1, 2, 3]).await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Binary(&[1, 2, 3])));
        // 16 MiB: far over the 64 KiB write buffer (streamed, masked in chunks) and over
        // the 1 MiB read buffer (grows).
        let big = big_payload(BIG);
        ws.send_binary(&big).await.unwrap();
        match ws.recv().await.unwrap() {
            Some(Message::Binary(b)) => assert!(b == &big[..], "16 MiB echo differs"),
            other => panic!("unexpected {other:?}"),
        }
        ws.close(CloseCode::Normal, "bye").await.unwrap();
        match ws.recv().await.unwrap() {
            Some(Message::Close(frame)) => assert_eq!(frame.code(), CloseCode::Normal),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(ws.recv().await.unwrap(), None);
        assert!(matches!(ws.send_text("late").await, Err(WsError::Closed)));
        let seen = server.await.unwrap().expect("server saw a close frame");
        assert_eq!(seen.code, TCode::Normal);
        assert_eq!(seen.reason.as_str(), "bye");
    })
    .await
}

#[tokio::test]
async fn client_receives_fragments_with_interleaved_ping_and_server_close() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(TMessage::Frame(Frame::message("Hel", TOp::Data(Data::Text), false))).await.unwrap();
            ws.send(TMessage::Ping(b"p1".to_vec().into())).await.unwrap();
            ws.send(TMessage::Frame(Frame::message("lo, ", TOp::Data(Data::Continue), false))).await.unwrap();
            ws.send(TMessage::Frame(Frame::message("world", TOp::Data(Data::Continue), true))).await.unwrap();
            // Expect the pong for p1 (sent manually by the client).
            match ws.next().await.unwrap().unwrap() {
                TMessage::Pong(p) => assert_eq!(&p[..], b"p1"),
                other => panic!("unexpected {other:?}"),
            }
            ws.close(Some(TCloseFrame { code: TCode::Away, reason: "restart".into() })).await.unwrap();
            // The client's reply completes the handshake: the stream ends.
            while let Some(m) = ws.next().await {
                if m.is_err() {
                    break;
                }
            }
        });
        let mut ws = WsStreamBuilder::new().connect(&format!("ws://{addr}/")).await.unwrap();
        match ws.recv().await.unwrap() {
            Some(Message::Ping(p)) => ws.send_pong(p).await.unwrap(),
            other => panic!("expected the ping first, got {other:?}"),
        }
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("Hello, world")));
        match ws.recv().await.unwrap() {
            Some(Message::Close(frame)) => {
                assert_eq!(frame.code(), CloseCode::GoingAway);
                assert_eq!(frame.reason(), "restart");
            }
            other => panic!("unexpected {other:?}"),
        }
        // The seed's pattern: close after the peer's close is fine.
        ws.close(CloseCode::Normal, "").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), None);
        server.await.unwrap();
    })
    .await
}

#[tokio::test]
async fn client_fails_on_invalid_utf8_with_1007() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(TMessage::Frame(Frame::message(vec![b'a', 0xff, 0xfe], TOp::Data(Data::Text), true)))
                .await
                .unwrap();
            // tungstenite surfaces the client's close frame.
            match ws.next().await {
                Some(Ok(TMessage::Close(Some(frame)))) => u16::from(frame.code),
                other => panic!("unexpected {other:?}"),
            }
        });
        let mut ws = WsStreamBuilder::new().connect(&format!("ws://{addr}/")).await.unwrap();
        match ws.recv().await {
            Err(WsError::Protocol { code, .. }) => assert_eq!(code, CloseCode::InvalidPayload),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(ws.recv().await.unwrap(), None);
        assert_eq!(server.await.unwrap(), 1007);
    })
    .await
}

#[tokio::test]
#[allow(clippy::result_large_err)] // tungstenite's callback signature
async fn client_subprotocol_and_extra_headers() {
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let ws = tokio_tungstenite::accept_hdr_async(tcp, |req: &Request, mut resp: Response| {
                assert_eq!(req.headers().get("x-api-key").unwrap(), "k-123");
                assert_eq!(req.uri().path(), "/v1/stream");
                assert_eq!(req.uri().query(), Some("a=1"));
                let offered = req.headers().get("sec-websocket-protocol").unwrap().to_str().unwrap().to_string();
                assert_eq!(offered, "v2.feed, v1.feed");
                resp.headers_mut().insert("sec-websocket-protocol", "v1.feed".parse().unwrap());
                Ok(resp)
            })
            .await
            .unwrap();
            drop(ws);
        });
        let ws = WsStreamBuilder::new()
            .subprotocols(["v2.feed", "v1.feed"])
            .header("X-API-KEY", "k-123")
            .connect(&format!("ws://{addr}/v1/stream?a=1"))
            .await
            .unwrap();
        assert_eq!(ws.subprotocol(), Some("v1.feed"));
        server.await.unwrap();
    })
    .await
}

#[tokio::test]
async fn client_handshake_rejected_status() {
    within(async {
        let (l, addr) = listener().await;
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut tcp, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf).await.unwrap();
            tcp.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n").await.unwrap();
        });
        match WsStreamBuilder::new().connect(&format!("ws://{addr}/")).await {
            Err(WsError::Handshake(nexus_net::ws::handshake::HandshakeError::Status(401))) => {}
            other => panic!("unexpected {other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn connect_timeout_against_a_listener_that_never_answers() {
    within(async {
        let (l, addr) = listener().await;
        // The kernel completes the TCP handshake; nobody ever answers the upgrade.
        let started = std::time::Instant::now();
        let result =
            WsStreamBuilder::new().connect_timeout(Duration::from_millis(300)).connect(&format!("ws://{addr}/")).await;
        assert!(matches!(result, Err(WsError::Timeout)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(l);
    })
    .await
}

#[tokio::test]
async fn invalid_urls() {
    let builder = WsStreamBuilder::new();
    assert!(matches!(builder.connect("http://example.com/").await, Err(WsError::InvalidUrl(_))));
    assert!(matches!(builder.connect("example.com").await, Err(WsError::InvalidUrl(_))));
}

// ---- tungstenite client, our server ----

/// Our echo server (the gateway recipe, zero-copy through split) for one connection;
/// returns how `recv` ended.
async fn nexus_echo_server(
    listener: tokio::net::TcpListener,
    builder: WsStreamBuilder,
) -> tokio::task::JoinHandle<Result<Option<CloseCode>, WsError>> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = builder.accept(tcp).await?;
        let mut close = None;
        loop {
            match ws.recv().await? {
                Some(Message::Text(t)) => {
                    let t = t.to_owned();
                    ws.send_text(&t).await?
                }
                Some(Message::Binary(b)) => {
                    let b = b.to_vec();
                    ws.send_binary(&b).await?
                }
                Some(Message::Ping(p)) => ws.send_pong(p).await?,
                Some(Message::Pong(_)) => {}
                Some(Message::Close(frame)) => close = Some(frame.code()),
                None => return Ok(close),
            }
        }
    })
}

#[tokio::test]
async fn server_echo_fragments_ping_16mib_and_client_close() {
    within(async {
        let (l, addr) = listener().await;
        let server = nexus_echo_server(l, WsStreamBuilder::new()).await;
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(format!("ws://{addr}/"), tcp, Some(tung_config()))
                .await
                .unwrap();
        ws.send(TMessage::text("hi")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("hi"));
        // Fragmented text with a ping in the middle.
        ws.send(TMessage::Frame(Frame::message("frag", TOp::Data(Data::Text), false))).await.unwrap();
        ws.send(TMessage::Ping(b"mid".to_vec().into())).await.unwrap();
        ws.send(TMessage::Frame(Frame::message("mented", TOp::Data(Data::Continue), true))).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::Pong(b"mid".to_vec().into()));
        assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("fragmented"));
        // Between 16 KiB and the 64 KiB write buffer: sent back in one vectored write
        // straight from the caller's slice.
        let mid = big_payload(40_000);
        ws.send(TMessage::binary(mid.clone())).await.unwrap();
        match ws.next().await.unwrap().unwrap() {
            TMessage::Binary(b) => assert!(b[..] == mid[..]),
            other => panic!("unexpected {:?}", other.len()),
        }
        // 16 MiB each way: the server streams it back from the caller's slice.
        let big = big_payload(BIG);
        ws.send(TMessage::binary(big.clone())).await.unwrap();
        match ws.next().await.unwrap().unwrap() {
            TMessage::Binary(b) => assert!(b[..] == big[..]),
            other => panic!("unexpected {:?}", other.len()),
        }
        ws.close(Some(TCloseFrame { code: TCode::Normal, reason: "done".into() })).await.unwrap();
        // tungstenite reports our echo of its close, then the end of the stream.
        match ws.next().await {
            Some(Ok(TMessage::Close(Some(frame)))) => assert_eq!(frame.code, TCode::Normal),
            other => panic!("unexpected {other:?}"),
        }
        assert!(ws.next().await.is_none());
        assert_eq!(server.await.unwrap().unwrap(), Some(CloseCode::Normal));
    })
    .await
}

#[tokio::test]
async fn server_oversize_message_gets_1009() {
    within(async {
        let (l, addr) = listener().await;
        let server = nexus_echo_server(l, WsStreamBuilder::new().max_message_size(1024)).await;
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp).await.unwrap();
        ws.send(TMessage::binary(vec![7u8; 2048])).await.unwrap();
        match ws.next().await {
            Some(Ok(TMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1009),
            other => panic!("unexpected {other:?}"),
        }
        match server.await.unwrap() {
            Err(WsError::Protocol { code, .. }) => assert_eq!(code, CloseCode::MessageTooBig),
            other => panic!("unexpected {other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn server_oversize_fragmented_message_gets_1009() {
    within(async {
        let (l, addr) = listener().await;
        let server = nexus_echo_server(l, WsStreamBuilder::new().max_message_size(1000)).await;
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp).await.unwrap();
        ws.send(TMessage::Frame(Frame::message(vec![1u8; 600], TOp::Data(Data::Binary), false))).await.unwrap();
        ws.send(TMessage::Frame(Frame::message(vec![1u8; 600], TOp::Data(Data::Continue), true))).await.unwrap();
        match ws.next().await {
            Some(Ok(TMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1009),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(server.await.unwrap(), Err(WsError::Protocol { code: CloseCode::MessageTooBig, .. })));
    })
    .await
}

#[tokio::test]
async fn server_invalid_utf8_gets_1007() {
    within(async {
        let (l, addr) = listener().await;
        let server = nexus_echo_server(l, WsStreamBuilder::new()).await;
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp).await.unwrap();
        // Invalid in the first fragment already: failed before the message completes.
        ws.send(TMessage::Frame(Frame::message(vec![0xce, 0xba, 0xed, 0xa0, 0x80], TOp::Data(Data::Text), false)))
            .await
            .unwrap();
        match ws.next().await {
            Some(Ok(TMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1007),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(server.await.unwrap(), Err(WsError::Protocol { code: CloseCode::InvalidPayload, .. })));
    })
    .await
}

#[tokio::test]
async fn server_initiated_close() {
    within(async {
        let (l, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = WsStreamBuilder::new().accept(tcp).await.unwrap();
            ws.send_text("last words").await.unwrap();
            ws.close(CloseCode::GoingAway, "maintenance").await.unwrap();
            let mut seen = Vec::new();
            while let Some(m) = ws.recv().await.unwrap() {
                seen.push(format!("{m:?}"));
            }
            seen
        });
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("last words"));
        match ws.next().await {
            Some(Ok(TMessage::Close(Some(frame)))) => {
                assert_eq!(frame.code, TCode::Away);
                assert_eq!(frame.reason.as_str(), "maintenance");
            }
            other => panic!("unexpected {other:?}"),
        }
        // tungstenite replied to the close; it then sees the server close the TCP stream.
        assert!(ws.next().await.is_none());
        let seen = server.await.unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].contains("GoingAway"), "{seen:?}");
    })
    .await
}

// ---- wss:// ----

#[tokio::test]
async fn wss_client_against_tungstenite_server() {
    within(async {
        let cert = localhost_cert();
        let (l, addr) = listener().await;
        let port = l.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(cert.rustls_server());
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let tls = acceptor.accept(tcp).await.unwrap();
            let mut ws = tokio_tungstenite::accept_async_with_config(tls, Some(tung_config())).await.unwrap();
            while let Some(Ok(m)) = ws.next().await {
                if m.is_text() || m.is_binary() {
                    ws.send(m).await.unwrap();
                }
            }
        });
        let tls = cert.client();
        let mut ws = WsStreamBuilder::new()
            .tls(&tls)
            .disable_nagle()
            .connect(&format!("wss://localhost:{port}/secure"))
            .await
            .unwrap();
        ws.send_text("over tls").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("over tls")));
        let big = big_payload(3 << 20);
        ws.send_binary(&big).await.unwrap();
        match ws.recv().await.unwrap() {
            Some(Message::Binary(b)) => assert!(b == &big[..]),
            other => panic!("unexpected {other:?}"),
        }
        ws.close(CloseCode::Normal, "").await.unwrap();
        assert!(matches!(ws.recv().await.unwrap(), Some(Message::Close(_))));
        assert_eq!(ws.recv().await.unwrap(), None);
        server.await.unwrap();
        let _ = addr;
    })
    .await
}

#[tokio::test]
async fn wss_wrong_host_name_is_refused() {
    within(async {
        let cert = localhost_cert();
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(cert.rustls_server());
        tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let _ = acceptor.accept(tcp).await;
        });
        // The certificate names `localhost`; 127.0.0.1 is not in it.
        let result = WsStreamBuilder::new().tls(&cert.client()).connect(&format!("wss://127.0.0.1:{port}/")).await;
        match result {
            Err(WsError::Tls(e)) => assert!(format!("{e}").to_lowercase().contains("not valid for"), "{e}"),
            other => panic!("unexpected {other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn wss_untrusted_certificate_is_refused() {
    within(async {
        let cert = localhost_cert();
        let other = localhost_cert();
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(cert.rustls_server());
        tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let _ = acceptor.accept(tcp).await;
        });
        let result = WsStreamBuilder::new().tls(&other.client()).connect(&format!("wss://localhost:{port}/")).await;
        assert!(matches!(result, Err(WsError::Tls(_))), "{result:?}");
    })
    .await
}

#[tokio::test]
async fn wss_server_against_tungstenite_client() {
    within(async {
        let cert = localhost_cert();
        let (l, addr) = listener().await;
        let port = l.local_addr().unwrap().port();
        let server_tls = cert.server();
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let mut ws = WsStreamBuilder::new().accept_tls(tcp, &server_tls).await.unwrap();
            while let Some(m) = ws.recv().await.unwrap() {
                if let Message::Text(t) = m {
                    let reply = t.to_uppercase();
                    ws.send_text(&reply).await.unwrap();
                }
            }
        });
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let connector = tokio_tungstenite::Connector::Rustls(cert.rustls_client());
        let (mut ws, _) = tokio_tungstenite::client_async_tls_with_config(
            format!("wss://localhost:{port}/"),
            tcp,
            None,
            Some(connector),
        )
        .await
        .unwrap();
        ws.send(TMessage::text("shout")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("SHOUT"));
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        server.await.unwrap();
    })
    .await
}

/// One accepted wss:// connection on our server; returns the ALPN it negotiated.
async fn one_tls_echo(
    l: tokio::net::TcpListener,
    tls: nexus_net::tls::TlsServerConfig,
) -> tokio::task::JoinHandle<Option<Vec<u8>>> {
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut ws = WsStreamBuilder::new().accept_tls(tcp, &tls).await.unwrap();
        let alpn = ws.get_ref().get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        while let Some(m) = ws.recv().await.unwrap() {
            if let Message::Text(t) = m {
                let t = t.to_owned();
                ws.send_text(&t).await.unwrap();
            }
        }
        alpn
    })
}

#[tokio::test]
async fn wss_danger_no_verify_and_alpn() {
    within(async {
        let cert = localhost_cert();
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let server_tls = nexus_net::tls::TlsServerConfig::builder(&cert.cert_pem, &cert.key_pem)
            .alpn(&[b"http/1.1"])
            .build()
            .unwrap();
        let server = one_tls_echo(l, server_tls).await;
        // Self-signed and for another name, but verification is off; TLS 1.3 only.
        let tls =
            nexus_net::tls::TlsConfig::builder().danger_no_verify().tls13_only().alpn(&[b"http/1.1"]).build().unwrap();
        let mut ws = WsStreamBuilder::new().tls(&tls).connect(&format!("wss://127.0.0.1:{port}/")).await.unwrap();
        assert_eq!(ws.get_ref().alpn_protocol(), Some(&b"http/1.1"[..]));
        ws.send_text("unverified").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("unverified")));
        ws.close(CloseCode::Normal, "").await.unwrap();
        while ws.recv().await.unwrap().is_some() {}
        assert_eq!(server.await.unwrap(), Some(b"http/1.1".to_vec()));
    })
    .await
}

#[tokio::test]
async fn wss_client_certificate() {
    use nexus_net::tls::rustls;
    use rustls::pki_types::pem::PemObject;
    within(async {
        let server_cert = localhost_cert();
        let client_cert = localhost_cert();
        // A server that requires a client certificate signed by (here: equal to) client_cert.
        let mut roots = rustls::RootCertStore::empty();
        roots.add(client_cert.cert_der.clone().into()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            roots.into(),
            nexus_net::tls::crypto_provider(),
        )
        .build()
        .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(server_cert.key_pem.as_bytes()).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(nexus_net::tls::crypto_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.cert_der.clone().into()], key)
            .unwrap();
        let server_tls = nexus_net::tls::TlsServerConfig::from_server_config(std::sync::Arc::new(config));

        // Without a client certificate: refused.
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let st = server_tls.clone();
        tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let _ = WsStreamBuilder::new().accept_tls(tcp, &st).await;
        });
        let anonymous = server_cert.client();
        assert!(WsStreamBuilder::new().tls(&anonymous).connect(&format!("wss://localhost:{port}/")).await.is_err());

        // With it: accepted.
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let server = one_tls_echo(l, server_tls).await;
        let tls = nexus_net::tls::TlsConfig::builder()
            .skip_system_certs()
            .add_root_cert(&server_cert.cert_pem)
            .client_cert(&client_cert.cert_pem, &client_cert.key_pem)
            .build()
            .unwrap();
        let mut ws = WsStreamBuilder::new().tls(&tls).connect(&format!("wss://localhost:{port}/")).await.unwrap();
        ws.send_text("mutual").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("mutual")));
        ws.close(CloseCode::Normal, "").await.unwrap();
        while ws.recv().await.unwrap().is_some() {}
        server.await.unwrap();
    })
    .await
}

/// `split` over TLS (which goes through `tokio::io::split`, the session being shared by
/// both directions) on both ends: our client against our server, full duplex from
/// separate tasks, messages larger than the buffers, then the close handshake.
#[tokio::test]
async fn wss_split_both_ends() {
    within(async {
        let cert = localhost_cert();
        let (l, _) = listener().await;
        let port = l.local_addr().unwrap().port();
        let server_tls = cert.server();
        let server = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            let ws = WsStreamBuilder::new().accept_tls(tcp, &server_tls).await.unwrap();
            let (mut rx, tx) = ws.split();
            let mut echoed = 0;
            while let Some(m) = rx.recv().await.unwrap() {
                if matches!(m, Message::Text(_) | Message::Binary(_)) {
                    tx.send(m).await.unwrap();
                    echoed += 1;
                }
            }
            echoed
        });
        let ws = WsStreamBuilder::new()
            .tls(&cert.client())
            .write_buffer_capacity(4096)
            .connect(&format!("wss://localhost:{port}/"))
            .await
            .unwrap();
        let (mut rx, tx) = ws.split();
        // 20 000 and 40 000: the server's sends from the caller's slice (vectored).
        let sizes = [0usize, 40, 5000, 20_000, 100_000, 40_000, 128];
        let sender = tokio::spawn(async move {
            for (i, &len) in sizes.iter().enumerate() {
                tx.send_binary(&vec![i as u8; len]).await.unwrap();
            }
            tx
        });
        for (i, &len) in sizes.iter().enumerate() {
            match rx.recv().await.unwrap() {
                Some(Message::Binary(b)) => assert_eq!(b, &vec![i as u8; len][..], "message {i}"),
                other => panic!("message {i}: {other:?}"),
            }
        }
        let tx = sender.await.unwrap();
        tx.close(CloseCode::Normal, "done").await.unwrap();
        match rx.recv().await.unwrap() {
            Some(Message::Close(frame)) => assert_eq!(frame.code(), CloseCode::Normal),
            other => panic!("expected the close echo, got {other:?}"),
        }
        assert!(rx.recv().await.unwrap().is_none());
        assert_eq!(server.await.unwrap(), sizes.len());
    })
    .await
}
