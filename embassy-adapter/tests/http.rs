//! The HTTP client against a hand-written HTTP/1.1 server on a second embassy-net
//! stack, all in-process.

mod common;

use common::{run, SERVER_IP};
use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embedded_io_async::Write as _;
use nexus_embassy_net::http::HttpClientBuilder;
use nexus_embassy_net::net::TcpBuffers;
use nexus_net::rest::RestError;

const PORT: u16 = 8081;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Serves one connection: answers each request by its path and logs
/// `"<method> <path> <body-len>"`; ends at the client's FIN (logging `eof`).
async fn server(stack: Stack<'static>) -> Vec<String> {
    let (mut rx, mut tx) = (vec![0u8; 8192], vec![0u8; 8192]);
    let mut sock = TcpSocket::new(stack, &mut rx, &mut tx);
    sock.accept(PORT).await.unwrap();
    let mut log = Vec::new();
    let mut buf = Vec::new();
    let mut count = 0;
    loop {
        // One request: head, then Content-Length bytes of body.
        let (head_end, body_len) = loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if buf.len() >= end + 4 + len {
                    break (end + 4, len);
                }
            }
            let mut chunk = [0u8; 1024];
            let n = sock.read(&mut chunk).await.unwrap();
            if n == 0 {
                log.push("eof".into());
                return log;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        count += 1;
        let request: Vec<u8> = buf.drain(..head_end + body_len).collect();
        let line = String::from_utf8_lossy(&request[..find(&request, b"\r\n").unwrap()]).into_owned();
        let mut parts = line.split(' ');
        let (method, target) = (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned());
        log.push(format!("{method} {target} {body_len}"));
        let body = &request[head_end..];
        match target.as_str() {
            "/cl" => {
                let text = format!("count={count}");
                let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{text}", text.len());
                sock.write_all(resp.as_bytes()).await.unwrap();
            }
            "/chunked" => {
                // The head and each chunk in separate writes (and so, often, segments).
                for piece in [
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: yes\r\n\r\n",
                    "7\r\nhello, \r\n",
                    "8\r\nchunked \r\n",
                    "5;ext=1\r\nworld\r\n",
                    "0\r\n\r\n",
                ] {
                    sock.write_all(piece.as_bytes()).await.unwrap();
                    sock.flush().await.unwrap();
                }
            }
            "/api/v1/echo" => {
                let mut resp = format!("HTTP/1.1 201 Created\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
                resp.extend_from_slice(body);
                sock.write_all(&resp).await.unwrap();
            }
            "/big" => {
                let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{}", "x".repeat(5000));
                sock.write_all(resp.as_bytes()).await.unwrap();
            }
            "/close" => {
                sock.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye").await.unwrap();
                sock.close();
                sock.flush().await.unwrap();
            }
            other => panic!("unexpected target {other}"),
        }
    }
}

fn url() -> String {
    format!("http://{SERVER_IP}:{PORT}")
}

#[test]
fn keep_alive_content_length_chunked_and_connection_close() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut req_buf, mut resp_buf) = ([0u8; 1024], [0u8; 4096]);
            let mut http = HttpClientBuilder::new()
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut req_buf, &mut resp_buf)
                .await
                .unwrap();

            let req = http.writer().get("/cl").finish().unwrap();
            let resp = http.send(req).await.unwrap();
            assert_eq!((resp.status(), resp.body()), (200, &b"count=1"[..]));
            assert!(resp.keep_alive());

            let req = http.writer().get("/chunked").finish().unwrap();
            let resp = http.send(req).await.unwrap();
            assert_eq!(resp.body(), b"hello, chunked world");
            assert_eq!(resp.header("x-test"), Some("yes"));

            // Same connection: the server counts requests per connection.
            let req = http.writer().get("/cl").finish().unwrap();
            assert_eq!(http.send(req).await.unwrap().body(), b"count=3");

            http.writer().set_base_path("/api/v1").unwrap();
            let req = http
                .writer()
                .post("/echo")
                .header("Content-Type", "application/json")
                .body(br#"{"qty":1}"#)
                .finish()
                .unwrap();
            let resp = http.send(req).await.unwrap();
            assert_eq!((resp.status(), resp.body()), (201, &br#"{"qty":1}"#[..]));
            http.writer().set_base_path("").unwrap();

            let req = http.writer().get("/close").finish().unwrap();
            let resp = http.send(req).await.unwrap();
            assert_eq!(resp.body(), b"bye");
            assert!(!resp.keep_alive());
            assert!(!http.is_reusable());
            let req = http.writer().get("/cl").finish().unwrap();
            assert!(matches!(http.send(req).await, Err(RestError::ConnectionClosed(_))));
            http.close().await.unwrap();
            http.close().await.unwrap();
        };
        embassy_futures::join::join(server(srv), client_side).await.0
    });
    assert_eq!(log, ["GET /cl 0", "GET /chunked 0", "GET /cl 0", "POST /api/v1/echo 9", "GET /close 0", "eof"]);
}

#[test]
fn body_over_the_limit_poisons_the_connection() {
    let log = run(10, |client, srv| async move {
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 4096], [0u8; 4096]);
            let (mut req_buf, mut resp_buf) = ([0u8; 512], [0u8; 8192]);
            let mut http = HttpClientBuilder::new()
                .max_body_size(1024)
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut req_buf, &mut resp_buf)
                .await
                .unwrap();
            let req = http.writer().get("/big").finish().unwrap();
            let err = http.send(req).await.unwrap_err();
            assert!(matches!(err, RestError::BodyTooLarge { size: 5000, max: 1024 }), "{err:?}");
            let req = http.writer().get("/cl").finish().unwrap();
            assert!(matches!(http.send(req).await, Err(RestError::ConnectionPoisoned)));
            // A stale token is refused, never sent.
            let old = http.writer().get("/cl").finish().unwrap();
            let _new = http.writer().get("/cl").finish().unwrap();
            assert!(matches!(http.send(old).await, Err(RestError::ConnectionPoisoned | RestError::StaleRequest)));
            http.close().await.unwrap();
        };
        embassy_futures::join::join(server(srv), client_side).await.0
    });
    assert_eq!(log, ["GET /big 0", "eof"]);
}

#[test]
fn read_timeout_and_refused_scheme() {
    run(10, |client, srv| async move {
        // A server that accepts and never answers.
        let silent = async {
            let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
            let mut sock = TcpSocket::new(srv, &mut rx, &mut tx);
            sock.accept(PORT).await.unwrap();
            let mut buf = [0u8; 1024];
            while sock.read(&mut buf).await.unwrap() > 0 {}
            sock.close();
            sock.flush().await.unwrap();
        };
        let client_side = async {
            let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
            let (mut req_buf, mut resp_buf) = ([0u8; 512], [0u8; 1024]);
            assert!(matches!(
                HttpClientBuilder::new()
                    .connect(
                        client,
                        "https://example.invalid/",
                        TcpBuffers { rx: &mut rx, tx: &mut tx },
                        &mut req_buf,
                        &mut resp_buf
                    )
                    .await,
                Err(RestError::InvalidUrl(_))
            ));
            let mut http = HttpClientBuilder::new()
                .read_timeout(Some(nexus_embassy_net::Duration::from_millis(200)))
                .connect(client, &url(), TcpBuffers { rx: &mut rx, tx: &mut tx }, &mut req_buf, &mut resp_buf)
                .await
                .unwrap();
            let req = http.writer().get("/cl").finish().unwrap();
            assert!(matches!(http.send(req).await, Err(RestError::ReadTimeout)));
            http.close().await.unwrap();
        };
        embassy_futures::join::join(silent, client_side).await;
    });
}
