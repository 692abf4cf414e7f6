//! TLS 1.3: the clients over embedded-tls against a rustls server (ring provider)
//! fed through the second in-process stack, with rcgen certificates.
#![cfg(feature = "tls")]

mod common;

use std::sync::Arc;

use common::{rng, run, SERVER_IP};
use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embedded_io_async::Write as _;
use nexus_embassy_net::http::HttpClientBuilder;
use nexus_embassy_net::net::ConnectError;
use nexus_embassy_net::tls::{TlsBuffers, TlsConfig, TlsStream};
use nexus_net::rest::TlsError;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const PORT: u16 = 8443;
const HOST: &str = "nexus.test";

struct Pki {
    ca_der: Vec<u8>,
    server: Arc<rustls::ServerConfig>,
}

/// A CA and a leaf for `HOST` signed by it (ECDSA P-256, rcgen's default).
fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![HOST.to_string()]).unwrap().signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    Pki { ca_der: ca.der().to_vec(), server: Arc::new(server) }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A rustls server (sans-IO) over one embassy-net connection: answers each HTTP
/// request head with `200 secret`, logs what happened, ends at the client's FIN.
async fn server(stack: Stack<'static>, config: Arc<rustls::ServerConfig>) -> Vec<String> {
    let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
    let mut sock = TcpSocket::new(stack, &mut rx, &mut tx);
    sock.accept(PORT).await.unwrap();
    let mut conn = rustls::ServerConnection::new(config).unwrap();
    let mut log = Vec::new();
    let mut net = vec![0u8; 8192];
    let mut plain = Vec::new();
    let mut done = false;
    loop {
        while conn.wants_write() {
            let mut out = Vec::new();
            conn.write_tls(&mut out).unwrap();
            if sock.write_all(&out).await.is_err() {
                log.push("write failed".into());
                return log;
            }
        }
        if done {
            break;
        }
        let n = sock.read(&mut net).await.unwrap_or(0);
        if n == 0 {
            log.push("eof before close_notify".into());
            return log;
        }
        let mut input = &net[..n];
        while !input.is_empty() {
            conn.read_tls(&mut input).unwrap();
        }
        match conn.process_new_packets() {
            Err(e) => {
                log.push(format!("tls error: {e}"));
                done = true;
                continue;
            }
            Ok(state) => {
                let mut chunk = vec![0u8; state.plaintext_bytes_to_read()];
                std::io::Read::read_exact(&mut conn.reader(), &mut chunk).unwrap();
                plain.extend_from_slice(&chunk);
                if state.peer_has_closed() {
                    log.push("close_notify".into());
                    conn.send_close_notify();
                    done = true;
                }
            }
        }
        while let Some(end) = find(&plain, b"\r\n\r\n") {
            let line_end = find(&plain, b"\r\n").unwrap();
            log.push(String::from_utf8_lossy(&plain[..line_end]).into_owned());
            plain.drain(..end + 4);
            std::io::Write::write_all(&mut conn.writer(), b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
                .unwrap();
        }
    }
    sock.close();
    let _ = sock.flush().await;
    while sock.read(&mut net).await.unwrap_or(0) > 0 {}
    log.push("eof".into());
    log
}

/// TCP to the server by address, then TLS for `server_name` with `config`.
async fn client_http(
    client: Stack<'static>,
    server_name: &str,
    config: TlsConfig<'_>,
) -> Result<Vec<u8>, ConnectError> {
    let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
    let mut sock = TcpSocket::new(client, &mut rx, &mut tx);
    sock.connect((SERVER_IP, PORT)).await.unwrap();
    let (mut record_read, mut record_write) = (vec![0u8; 16640], vec![0u8; 4096]);
    let buffers = TlsBuffers { record_read: &mut record_read, record_write: &mut record_write };
    let tls = TlsStream::connect(sock, server_name, &config, buffers, &mut rng(7)).await?;
    let (mut req_buf, mut resp_buf) = ([0u8; 512], [0u8; 2048]);
    let mut http =
        HttpClientBuilder::new().connect_with(tls, "https://nexus.test/", &mut req_buf, &mut resp_buf).unwrap();
    let req = http.writer().get("/").finish().unwrap();
    let body = http.send(req).await.unwrap().body().to_vec();
    let req = http.writer().get("/again").finish().unwrap();
    assert_eq!(http.send(req).await.unwrap().body(), b"secret", "keep-alive over TLS");
    http.close().await.unwrap();
    Ok(body)
}

#[test]
fn verified_handshake_then_http_and_graceful_close() {
    let pki = pki();
    let (body, log) = run(20, |client, srv| async move {
        let config = TlsConfig::new(&pki.ca_der);
        embassy_futures::join::join(client_http(client, HOST, config), server(srv, pki.server.clone())).await
    });
    assert_eq!(body.unwrap(), b"secret");
    assert_eq!(log, ["GET / HTTP/1.1", "GET /again HTTP/1.1", "close_notify", "eof"]);
}

#[test]
fn wrong_host_name_is_refused() {
    let pki = pki();
    let (result, log) = run(20, |client, srv| async move {
        let config = TlsConfig::new(&pki.ca_der);
        embassy_futures::join::join(client_http(client, "other.test", config), server(srv, pki.server.clone())).await
    });
    assert_eq!(result.unwrap_err(), ConnectError::Tls(TlsError::BadCertificate));
    assert!(!log.iter().any(|l| l.starts_with("GET")), "{log:?}");
}

#[test]
fn wrong_ca_is_refused() {
    let pki = pki();
    let other = self::pki();
    let (result, log) = run(20, |client, srv| async move {
        let config = TlsConfig::new(&other.ca_der);
        embassy_futures::join::join(client_http(client, HOST, config), server(srv, pki.server.clone())).await
    });
    assert_eq!(result.unwrap_err(), ConnectError::Tls(TlsError::BadCertificate));
    assert!(!log.iter().any(|l| l.starts_with("GET")), "{log:?}");
}

#[test]
fn danger_no_verify_accepts_what_verification_refuses() {
    let pki = pki();
    let (result, _) = run(20, |client, srv| async move {
        embassy_futures::join::join(
            client_http(client, "other.test", TlsConfig::danger_no_verify()),
            server(srv, pki.server.clone()),
        )
        .await
    });
    assert_eq!(result.unwrap(), b"secret");
}

/// The server end of a rustls connection over an embassy-net socket, plaintext in
/// and out (the WebSocket server below runs on it).
struct ServerTls<'a> {
    sock: TcpSocket<'a>,
    conn: rustls::ServerConnection,
    net: Vec<u8>,
}

impl<'a> ServerTls<'a> {
    async fn accept(mut sock: TcpSocket<'a>, config: Arc<rustls::ServerConfig>) -> Self {
        sock.accept(PORT).await.unwrap();
        Self { sock, conn: rustls::ServerConnection::new(config).unwrap(), net: vec![0u8; 8192] }
    }

    async fn flush_tls(&mut self) {
        while self.conn.wants_write() {
            let mut out = Vec::new();
            self.conn.write_tls(&mut out).unwrap();
            self.sock.write_all(&out).await.unwrap();
        }
    }

    /// Plaintext into `buf`; 0 once the client sent close_notify (or hung up).
    async fn read(&mut self, buf: &mut [u8]) -> usize {
        loop {
            match std::io::Read::read(&mut self.conn.reader(), buf) {
                Ok(n) => return n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return 0,
            }
            self.flush_tls().await;
            let n = self.sock.read(&mut self.net).await.unwrap_or(0);
            if n == 0 {
                return 0;
            }
            let mut input = &self.net[..n];
            while !input.is_empty() {
                self.conn.read_tls(&mut input).unwrap();
            }
            self.conn.process_new_packets().unwrap();
        }
    }

    async fn write_all(&mut self, data: &[u8]) {
        std::io::Write::write_all(&mut self.conn.writer(), data).unwrap();
        self.flush_tls().await;
    }

    /// close_notify, FIN, then wait for the client's FIN.
    async fn close(&mut self) {
        self.conn.send_close_notify();
        self.flush_tls().await;
        self.sock.close();
        let _ = self.sock.flush().await;
        while self.sock.read(&mut self.net).await.unwrap_or(0) > 0 {}
    }
}

/// A WebSocket echo server over TLS (nexus-net's core in the server role).
async fn wss_server(stack: Stack<'static>, config: Arc<rustls::ServerConfig>) -> Vec<String> {
    use nexus_net::ws::handshake::{parse_request, write_accept};
    use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
    let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
    let mut tls = ServerTls::accept(TcpSocket::new(stack, &mut rx, &mut tx), config).await;
    let mut log = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut reader = FrameReader::new(Role::Server, &mut buf[..], Limits::default());
    let head_len = loop {
        let n = tls.read(reader.spare()).await;
        assert!(n > 0, "client left during the upgrade");
        reader.commit(n);
        if let Some(req) = parse_request(reader.buffered(), 8192).unwrap() {
            let mut out = [0u8; 256];
            let m = write_accept(&mut out, req.key(), None, &[]).unwrap();
            log.push(format!("upgrade {}", req.path()));
            let head_len = req.head_len();
            tls.write_all(&out[..m]).await;
            break head_len;
        }
    };
    reader.consume(head_len);
    let mut writer = FrameWriter::new(Role::Server, rng(11));
    let mut out = vec![0u8; 80 * 1024];
    loop {
        if reader.advance().unwrap() == Progress::NeedMore {
            let n = tls.read(reader.spare()).await;
            if n == 0 {
                log.push("eof without close".into());
                return log;
            }
            reader.commit(n);
            continue;
        }
        let n = match reader.message().unwrap() {
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
            Message::Close(frame) => {
                log.push(format!("close {}", frame.code().as_u16()));
                let n = writer.encode_close(frame.code(), "", &mut out).unwrap();
                tls.write_all(&out[..n]).await;
                tls.close().await;
                log.push("eof".into());
                return log;
            }
            other => panic!("unexpected {other:?}"),
        };
        tls.write_all(&out[..n]).await;
    }
}

#[test]
fn websocket_over_verified_tls() {
    use nexus_embassy_net::ws::{CloseCode, Message, WsClientBuilder};
    let pki = pki();
    let log = run(20, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
            let mut sock = TcpSocket::new(client, &mut rx, &mut tx);
            sock.connect((SERVER_IP, PORT)).await.unwrap();
            let (mut record_read, mut record_write) = (vec![0u8; 16640], vec![0u8; 2048]);
            let buffers = TlsBuffers { record_read: &mut record_read, record_write: &mut record_write };
            let tls =
                TlsStream::connect(sock, HOST, &TlsConfig::new(&pki.ca_der), buffers, &mut rng(12)).await.unwrap();
            let (mut read_buf, mut write_buf) = (vec![0u8; 48 * 1024], vec![0u8; 1024]);
            let mut ws = WsClientBuilder::new()
                .connect_with(tls, "wss://nexus.test/echo", &mut read_buf, &mut write_buf, rng(13))
                .await
                .unwrap();
            ws.send_text("over tls").await.unwrap();
            assert_eq!(ws.recv().await.unwrap(), Some(Message::Text("over tls")));
            // Larger than a TLS record (16 KiB) and than the record write buffer.
            let big: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
            ws.send_binary(&big).await.unwrap();
            match ws.recv().await.unwrap() {
                Some(Message::Binary(b)) => assert!(b == &big[..]),
                other => panic!("expected binary, got {:?}", other.map(|_| ())),
            }
            ws.close(CloseCode::Normal, "").await.unwrap();
        };
        embassy_futures::join::join(wss_server(srv, pki.server.clone()), client_side).await.0
    });
    assert_eq!(log, ["upgrade /echo", "text 8", "binary 40000", "close 1000", "eof"]);
}
