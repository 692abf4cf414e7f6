//! The WebSocket client against a server on a second embassy-net stack (nexus-net's
//! core in the server role), all in-process.

mod common;

use common::{rng, run, SERVER_IP};
use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embedded_io_async::Write as _;
use nexus_embassy_net::net::TcpBuffers;
use nexus_embassy_net::ws::{CloseCode, Message, WsClientBuilder, WsError};
use nexus_net::ws::handshake::{parse_request, write_accept, write_reject};
use nexus_net::ws::{FrameReader, FrameWriter, Limits, OpCode, Progress, ProtocolError, Role};

const PORT: u16 = 8080;

fn url() -> String {
    format!("ws://{SERVER_IP}:{PORT}/chat")
}

/// A scripted server: echoes data, answers pings, obeys a few text commands, and
/// logs what it saw. Returns the log when the connection ends.
async fn server(stack: Stack<'static>, fragment: usize, reject: Option<u16>) -> Vec<String> {
    let (mut rx, mut tx) = (vec![0u8; 16384], vec![0u8; 16384]);
    let mut sock = TcpSocket::new(stack, &mut rx, &mut tx);
    sock.accept(PORT).await.unwrap();
    let mut log = Vec::new();
    let mut buf = vec![0u8; 128 * 1024];
    let mut len = 0;
    let head_len = loop {
        let n = sock.read(&mut buf[len..]).await.unwrap();
        assert!(n > 0, "client closed during handshake");
        len += n;
        if let Some(req) = parse_request(&buf[..len], 8192).unwrap() {
            let mut out = [0u8; 512];
            let m = match reject {
                Some(status) => write_reject(&mut out, status, &[]).unwrap(),
                None => {
                    let chosen = req.subprotocols().find(|p| *p == "v2");
                    log.push(format!("path {} subprotocol {:?}", req.path(), chosen));
                    write_accept(&mut out, req.key(), chosen, &[]).unwrap()
                }
            };
            sock.write_all(&out[..m]).await.unwrap();
            break req.head_len();
        }
    };
    if reject.is_some() {
        sock.close();
        let _ = sock.flush().await;
        return log;
    }
    let mut reader =
        FrameReader::new(Role::Server, &mut buf[..], Limits { max_frame_size: 1 << 20, max_message_size: 1 << 20 });
    // The request head is already in the reader's storage: skip it.
    reader.commit(len);
    reader.consume(head_len);
    let mut writer = FrameWriter::new(Role::Server, rng(9)).with_fragment_size(fragment);
    let mut out = vec![0u8; 200 * 1024];
    let mut ping_on_close = false;
    loop {
        let progress = match reader.advance() {
            Ok(p) => p,
            Err(e) => {
                log.push(format!("protocol error {e:?}"));
                return log;
            }
        };
        if progress == Progress::NeedMore {
            let n = sock.read(reader.spare()).await.unwrap_or(0);
            if n == 0 {
                log.push("eof without close".into());
                return log;
            }
            reader.commit(n);
            continue;
        }
        let n = match reader.message().unwrap() {
            Message::Text("ping me") => writer.encode_control(OpCode::Ping, b"srv", &mut out).unwrap(),
            Message::Text("hang up") => {
                // TCP FIN without a WebSocket Close, then wait for the client's FIN.
                sock.close();
                sock.flush().await.unwrap();
                let mut scratch = [0u8; 256];
                while sock.read(&mut scratch).await.unwrap_or(0) > 0 {}
                log.push("eof after hang-up".into());
                return log;
            }
            Message::Text("close me") => writer.encode_close(CloseCode::GoingAway, "going", &mut out).unwrap(),
            Message::Text("ping on close") => {
                ping_on_close = true;
                writer.encode_message(OpCode::Text, b"ok", &mut out).unwrap()
            }
            Message::Text(t) if t.starts_with("big ") => {
                let size: usize = t[4..].parse().unwrap();
                let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
                writer.encode_message(OpCode::Binary, &payload, &mut out).unwrap()
            }
            Message::Text(t) => {
                log.push(format!("text {}", t.len()));
                let t = t.to_owned();
                writer.encode_message(OpCode::Text, t.as_bytes(), &mut out).unwrap()
            }
            Message::Binary(b) => {
                log.push(format!("binary {}", b.len()));
                let b = b.to_owned();
                writer.encode_message(OpCode::Binary, &b, &mut out).unwrap()
            }
            Message::Ping(p) => writer.encode_control(OpCode::Pong, &p, &mut out).unwrap(),
            Message::Pong(p) => {
                let text = format!("got pong {}", String::from_utf8_lossy(&p));
                writer.encode_message(OpCode::Text, text.as_bytes(), &mut out).unwrap()
            }
            Message::Close(frame) => {
                log.push(format!("close {} {}", frame.code().as_u16(), frame.reason()));
                if ping_on_close {
                    // A ping crossing the client's Close: the client must not answer it.
                    let n = writer.encode_control(OpCode::Ping, b"late", &mut out).unwrap();
                    sock.write_all(&out[..n]).await.unwrap();
                }
                if frame.code() != CloseCode::GoingAway {
                    let n = writer.encode_close(frame.code(), "", &mut out).unwrap();
                    sock.write_all(&out[..n]).await.unwrap();
                }
                // Server closes first (RFC 6455 7.1.1), then waits for the client's FIN.
                sock.close();
                sock.flush().await.unwrap();
                let mut scratch = [0u8; 256];
                loop {
                    match sock.read(&mut scratch).await {
                        Ok(0) => break,
                        Ok(_) => log.push("bytes after close".into()),
                        Err(e) => {
                            log.push(format!("read error after close {e:?}"));
                            return log;
                        }
                    }
                }
                log.push("eof".into());
                return log;
            }
        };
        sock.write_all(&out[..n]).await.unwrap();
    }
}

#[test]
fn text_binary_ping_pong_close() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 2048], [0u8; 1024]);
            let mut ws = WsClientBuilder::new()
                .subprotocols(&["v1", "v2"])
                .headers(&[("User-Agent", "nexus-embassy-test")])
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(1))
                .await
                .unwrap();
            assert_eq!(ws.subprotocol(), Some(1));

            ws.send_text("hello").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("hello")));
            ws.send_binary(&[1, 2, 3]).await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Binary(&[1, 2, 3])));

            ws.send_ping("hi").await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Pong(p)) => assert_eq!(&*p, b"hi"),
                other => panic!("expected pong, got {other:?}"),
            }
            // Server-initiated ping, answered the way the recipes do.
            ws.send_text("ping me").await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Ping(data)) => ws.send_pong(data).await.unwrap(),
                other => panic!("expected ping, got {other:?}"),
            }
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("got pong srv")));

            ws.close(CloseCode::Normal, "bye").await.unwrap();
            assert!(ws.is_closed());
            assert_eq!(ws.recv().await.unwrap(), None);
            assert_eq!(ws.send_text("late").await, Err(WsError::Closed));
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(
        log,
        ["path /chat subprotocol Some(\"v2\")", "text 5", "binary 3", "close 1000 bye", "eof"],
        "the server saw the close and then the client's FIN"
    );
}

#[test]
fn auto_pong_answers_pings_inside_recv() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 2048], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .auto_pong(true)
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(3))
                .await
                .unwrap();
            // The server pings; recv answers it, still hands the ping out (as the
            // tokio adapter does), then returns what the server sends on seeing the pong.
            ws.send_text("ping me").await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Ping(p)) => assert_eq!(&*p, b"srv"),
                other => panic!("expected the answered ping, got {other:?}"),
            }
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("got pong srv")));
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(log, ["path /chat subprotocol None", "close 1000 ", "eof"]);
}

#[test]
fn nothing_follows_our_close_not_even_an_automatic_pong() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 2048], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .auto_pong(true)
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(3))
                .await
                .unwrap();
            ws.send_text("ping on close").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("ok")));
            // The server answers our Close with a Ping first, then its Close.
            ws.close(CloseCode::Normal, "").await.unwrap();
            assert!(ws.is_closed());
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(log, ["path /chat subprotocol None", "close 1000 ", "eof"], "no pong after the client's Close");
}

#[test]
fn fragmentation_and_64k_messages() {
    let log = run(20, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
            let (mut read_buf, mut write_buf) = (vec![0u8; 70 * 1024], vec![0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .fragment_size(1000)
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(2))
                .await
                .unwrap();
            // 64 KiB out through a 512-byte write buffer, in 1000-byte fragments;
            // echoed back by the server in 4096-byte fragments.
            let big: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 + 3) as u8).collect();
            ws.send_binary(&big).await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Binary(b)) => assert!(b == &big[..], "64 KiB binary echo differs"),
                other => panic!("expected binary, got {:?}", other.map(|_| ())),
            }
            let text: String = "héllo wörld ".repeat(4700);
            assert!(text.len() > 64 * 1024);
            ws.send_text(&text).await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Text(t)) => assert_eq!(t, text),
                other => panic!("expected text, got {:?}", other.map(|_| ())),
            }
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        embassy_futures::join::join(server(srv, 4096, None), client_side).await.0
    });
    assert_eq!(
        log,
        [
            "path /chat subprotocol None".to_string(),
            format!("binary {}", 64 * 1024),
            format!("text {}", "héllo wörld ".len() * 4700),
            "close 1000 ".into(),
            "eof".into()
        ]
    );
}

#[test]
fn oversize_message_is_refused_with_1009() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 4096], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .max_message_size(1024)
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(3))
                .await
                .unwrap();
            ws.send_text("big 1000").await.unwrap();
            assert!(matches!(ws.recv().await.unwrap(), Some(Message::Binary(b)) if b.len() == 1000));
            ws.send_text("big 2000").await.unwrap();
            let err = ws.recv().await.unwrap_err();
            assert!(
                matches!(
                    err,
                    WsError::Protocol { error: ProtocolError::MessageTooLarge { .. }, code: CloseCode::MessageTooBig }
                ),
                "{err:?}"
            );
            assert_eq!(err.close_code(), Some(CloseCode::MessageTooBig));
            assert!(ws.is_closed());
            assert_eq!(ws.recv().await.unwrap(), None);
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    // On a host the Close carries the error's description (core's `FAIL_REASONS`);
    // firmware sends the bare code.
    assert_eq!(
        log,
        ["path /chat subprotocol None", "close 1009 message of 2000+ bytes exceeds the limit of 1024", "eof"]
    );
}

#[test]
fn server_initiated_close_is_echoed() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(4))
                .await
                .unwrap();
            ws.send_text("close me").await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Close(frame)) => {
                    assert_eq!((frame.code(), frame.reason()), (CloseCode::GoingAway, "going"));
                }
                other => panic!("expected close, got {other:?}"),
            }
            assert_eq!(ws.recv().await.unwrap(), None);
            assert!(ws.is_closed());
            // Closing again after a complete close handshake is fine.
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(log, ["path /chat subprotocol None", "close 1001 ", "eof"]);
}

#[test]
fn peer_hang_up_without_close_ends_recv_and_our_side() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(4))
                .await
                .unwrap();
            ws.send_text("hang up").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), None);
            assert!(ws.is_closed());
            assert_eq!(ws.send_text("late").await, Err(WsError::Closed));
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(log, ["path /chat subprotocol None", "eof after hang-up"], "the client sent its FIN");
}

#[test]
fn read_timeout_leaves_the_connection_usable() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .read_timeout(Some(nexus_embassy_net::Duration::from_millis(100)))
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(4))
                .await
                .unwrap();
            assert_eq!(ws.recv().await, Err(WsError::Timeout));
            ws.send_text("still here").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("still here")));
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        embassy_futures::join::join(server(srv, usize::MAX, None), client_side).await.0
    });
    assert_eq!(log, ["path /chat subprotocol None", "text 10", "close 1000 ", "eof"]);
}

#[test]
fn refused_upgrade_reports_the_status() {
    run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            let err = WsClientBuilder::new()
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(5))
                .await
                .unwrap_err();
            assert_eq!(err, WsError::Handshake(nexus_net::ws::handshake::HandshakeError::Status(403)));
        };
        embassy_futures::join::join(server(srv, usize::MAX, Some(403)), client_side).await;
    });
}

#[test]
fn connect_refused_and_bad_urls() {
    run(10, |client, _srv| async move {
        let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
        let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
        // Nobody listens on this port: the server stack answers with a reset.
        let err = WsClientBuilder::new()
            .connect(
                client,
                &format!("ws://{SERVER_IP}:9/"),
                TcpBuffers { rx: &mut rx, tx: &mut tx },
                &mut read_buf,
                &mut write_buf,
                rng(6),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err,
            WsError::Connect(nexus_embassy_net::net::ConnectError::Io(nexus_net::rest::IoErrorKind::ConnectionRefused))
        );
        let err = WsClientBuilder::new()
            .connect(
                client,
                "wss://example.invalid/",
                TcpBuffers { rx: &mut rx, tx: &mut tx },
                &mut read_buf,
                &mut write_buf,
                rng(6),
            )
            .await
            .unwrap_err();
        assert_eq!(err, WsError::UnsupportedScheme);
        let err = WsClientBuilder::new()
            .connect(client, "ws://", TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut read_buf, &mut write_buf, rng(6))
            .await
            .unwrap_err();
        assert!(matches!(err, WsError::InvalidUrl(_)), "{err:?}");
    });
}

/// The adapter's own per-connection state (caller buffers excluded) stays under
/// 1 KiB. Host pointers are 8 bytes; on a 32-bit MCU it is smaller still (the
/// firmware demo asserts the same at compile time for thumbv7em).
#[test]
fn per_connection_state_is_under_1_kib() {
    use nexus_embassy_net::http::HttpClient;
    use nexus_embassy_net::ws::WsClient;
    let ws = std::mem::size_of::<WsClient<'static, TcpSocket<'static>, rand::rngs::StdRng>>();
    let http = std::mem::size_of::<HttpClient<'static, TcpSocket<'static>>>();
    println!("WsClient: {ws} bytes, HttpClient: {http} bytes (host, 64-bit)");
    assert!(ws < 1024, "WsClient is {ws} bytes");
    assert!(http < 1024, "HttpClient is {http} bytes");
}

/// A one-question DNS server (UDP, port 53) on the server stack: answers every `A`
/// query for `name` with `addr`, and logs each question's name.
async fn dns_server(stack: Stack<'static>, name: &str, addr: [u8; 4]) -> Vec<String> {
    use embassy_net::udp::{PacketMetadata, UdpSocket};
    let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 4], [PacketMetadata::EMPTY; 4]);
    let (mut rx, mut tx) = (vec![0u8; 1024], vec![0u8; 1024]);
    let mut sock = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
    sock.bind(53).unwrap();
    let mut log = Vec::new();
    let mut buf = [0u8; 512];
    let (n, meta) = sock.recv_from(&mut buf).await.unwrap();
    let query = &buf[..n];
    // Header (12 bytes), then the question: labels, a zero byte, QTYPE, QCLASS.
    let mut at = 12;
    let mut labels = Vec::new();
    while query[at] != 0 {
        let len = query[at] as usize;
        labels.push(String::from_utf8_lossy(&query[at + 1..at + 1 + len]).into_owned());
        at += 1 + len;
    }
    let question_end = at + 5;
    let qname = labels.join(".");
    log.push(format!("query {qname}"));
    let mut answer = Vec::new();
    answer.extend_from_slice(&query[..2]); // id
                                           // Response, recursion desired and available; NXDOMAIN for other names.
    let rcode = if qname == name { 0 } else { 3 };
    answer.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1, 0, u8::from(qname == name), 0, 0, 0, 0]);
    answer.extend_from_slice(&query[12..question_end]);
    if qname == name {
        answer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        answer.extend_from_slice(&addr);
    }
    sock.send_to(&answer, meta.endpoint).await.unwrap();
    // Dropping the socket unsends what is still queued: wait until it is out.
    sock.flush().await;
    log
}

#[test]
fn connect_by_host_name_resolves_through_embassy_net_dns() {
    let (dns_log, ws_log) = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            let mut ws = WsClientBuilder::new()
                .connect(
                    client,
                    &format!("ws://echo.nexus.test:{PORT}/chat"),
                    TcpBuffers { rx: &mut rx, tx: &mut tx },
                    &mut read_buf,
                    &mut write_buf,
                    rng(8),
                )
                .await
                .unwrap();
            ws.send_text("named").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("named")));
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        let servers = embassy_futures::join::join(
            dns_server(srv, "echo.nexus.test", SERVER_IP.octets()),
            server(srv, usize::MAX, None),
        );
        let ((dns, ws), ()) = embassy_futures::join::join(servers, client_side).await;
        (dns, ws)
    });
    assert_eq!(dns_log, ["query echo.nexus.test"]);
    assert_eq!(ws_log, ["path /chat subprotocol None", "text 5", "close 1000 ", "eof"]);
}

#[test]
fn unknown_host_name_is_a_dns_error() {
    run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
            let (mut read_buf, mut write_buf) = ([0u8; 1024], [0u8; 512]);
            WsClientBuilder::new()
                .connect(
                    client,
                    "ws://nowhere.nexus.test/",
                    TcpBuffers { rx: &mut rx, tx: &mut tx },
                    &mut read_buf,
                    &mut write_buf,
                    rng(8),
                )
                .await
                .unwrap_err()
        };
        let (log, err) = embassy_futures::join::join(dns_server(srv, "echo.nexus.test", [0; 4]), client_side).await;
        assert_eq!(log, ["query nowhere.nexus.test"]);
        assert_eq!(err, WsError::Connect(nexus_embassy_net::net::ConnectError::Dns));
    });
}
