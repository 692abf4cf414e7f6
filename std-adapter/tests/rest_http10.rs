//! Connection reuse is decided by core (`Response::keep_alive`): an HTTP/1.0 server
//! that says `Connection: keep-alive` (with a Content-Length) keeps the connection;
//! HTTP/1.0 without it, and HTTP/1.1 with `Connection: close`, do not.

use std::time::Duration;

use nexus_async_net::rest::HttpConnectionBuilder;
use nexus_net::http::{RequestWriter, ResponseReader, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A raw server on 127.0.0.1 answering every request on a connection with
/// `response` (at most `per_conn` of them, then it closes); returns its port.
async fn raw_server(response: &'static [u8], per_conn: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                for _ in 0..per_conn {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    buf.drain(..end);
                    if sock.write_all(response).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// Sends two GETs on one connection; returns (version, reusable) after each.
async fn exchange(response: &'static [u8]) -> Vec<(Version, bool)> {
    let port = raw_server(response, 2).await;
    let url = format!("http://127.0.0.1:{port}");
    let mut conn = HttpConnectionBuilder::new().read_timeout(Duration::from_secs(5)).connect(&url).await.unwrap();
    let mut writer = RequestWriter::new(vec![0u8; 1024], "127.0.0.1", port, false).unwrap();
    let mut reader = ResponseReader::new(vec![0u8; 1024]);
    let mut out = vec![];
    for _ in 0..2 {
        if !conn.is_reusable() {
            break;
        }
        let req = writer.get("/").finish().unwrap();
        let resp = conn.send(&writer, req, &mut reader).await.unwrap();
        assert_eq!(resp.body(), b"hi");
        out.push((resp.version(), conn.is_reusable()));
    }
    out
}

#[tokio::test]
async fn http10_keep_alive_connection_is_reused() {
    let got = exchange(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(got, [(Version::Http10, true), (Version::Http10, true)]);
}

#[tokio::test]
async fn http10_without_keep_alive_is_not_reused() {
    let got = exchange(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(got, [(Version::Http10, false)]);
}

#[tokio::test]
async fn http11_connection_close_is_not_reused() {
    let got = exchange(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(got, [(Version::Http11, false)]);
}

#[tokio::test]
async fn http11_default_is_reused() {
    let got = exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(got, [(Version::Http11, true), (Version::Http11, true)]);
}
