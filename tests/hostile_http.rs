//! A server that answers anything: random well-formed, malformed and truncated
//! HTTP/1.1 responses (status lines, duplicate and conflicting lengths, chunked
//! bodies with bad sizes, obs-fold, control bytes, early close) to one request from
//! the tokio `HttpConnection` (over real loopback TCP) and from the embassy
//! `HttpClient` (over an in-memory transport that hands the bytes over in random
//! pieces). Both must end (no hang, no panic) and agree: the same status and body, or
//! the same error. They share core's response reader, so a disagreement is an
//! adapter deciding something core should.

mod support;

use std::time::Duration;

use nexus_async_net::rest::HttpConnectionBuilder;
use nexus_embassy_net::http::HttpClientBuilder;
use nexus_net::http::{RequestWriter, ResponseReader};
use nexus_net::rest::RestError;
use proptest::prelude::*;
use support::Script;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_BODY: usize = 4096;
const MAX_HEAD: usize = 2048;

fn status_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        1 => Just(b"HTTP/1.1 204 No Content\r\n".to_vec()),
        1 => Just(b"HTTP/1.1 304 Not Modified\r\n".to_vec()),
        1 => Just(b"HTTP/1.0 200 OK\r\n".to_vec()),
        1 => Just(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n".to_vec()),
        1 => Just(b"HTTP/1.1 404 \r\n".to_vec()),
        1 => Just(b"\r\nHTTP/1.1 200 OK\r\n".to_vec()),
        1 => prop_oneof![
            Just(b"HTTP/1.1 20 OK\r\n".to_vec()),
            Just(b"HTTP/2 200 OK\r\n".to_vec()),
            Just(b"HTTP/1.1 200 O\x01K\r\n".to_vec()),
            Just(b"HTTP/1.1 200 OK\n".to_vec()),
            Just(b"http/1.1 200 OK\r\n".to_vec()),
            Just(b"HTTP/1.1 2000 OK\r\n".to_vec()),
        ],
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

fn header() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (0usize..40).prop_map(|n| format!("Content-Length: {n}\r\n").into_bytes()),
        1 => prop_oneof![
            Just(b"Content-Length: 5, 5\r\n".to_vec()),
            Just(b"Content-Length: 5, 6\r\n".to_vec()),
            Just(b"Content-Length: -1\r\n".to_vec()),
            Just(b"Content-Length: 99999999999999999999999\r\n".to_vec()),
            Just(b"Content-Length: 1e3\r\n".to_vec()),
            Just(b"Content-Length:  7 \r\n".to_vec()),
        ],
        2 => Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        1 => prop_oneof![
            Just(b"Transfer-Encoding: gzip, chunked\r\n".to_vec()),
            Just(b"Transfer-Encoding: chunked, gzip\r\n".to_vec()),
            Just(b"Transfer-Encoding: identity\r\n".to_vec()),
        ],
        1 => prop_oneof![Just(b"Connection: close\r\n".to_vec()), Just(b"Connection: keep-alive\r\n".to_vec())],
        2 => "[A-Za-z-]{1,12}: [ -~]{0,30}\r\n".prop_map(String::into_bytes),
        1 => prop_oneof![
            Just(b"X-Folded: a\r\n b\r\n".to_vec()),
            Just(b"No-Colon\r\n".to_vec()),
            Just(b"Space : x\r\n".to_vec()),
            Just(b"X-Ctl: a\x01b\r\n".to_vec()),
            Just(b"X-Obs: caf\xe9\r\n".to_vec()),
            Just(b"X-Bare-Lf: a\nX-B: b\r\n".to_vec()),
        ],
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..48),
        // A chunked body, well-formed or not.
        3 => proptest::collection::vec((0usize..20, prop_oneof![4 => Just(None), 1 => Just(Some(1usize)), 1 => Just(Some(0))]), 0..4)
            .prop_map(|chunks| {
                let mut out = Vec::new();
                for (n, wrong) in chunks {
                    // `wrong`: the size line says one more, or one less, than is sent.
                    let said = match wrong { Some(1) => n + 1, Some(_) => n.saturating_sub(1), None => n };
                    out.extend_from_slice(format!("{said:x}\r\n").as_bytes());
                    out.extend(std::iter::repeat_n(b'z', n));
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                out
            }),
        1 => prop_oneof![
            Just(b"g\r\nabc\r\n0\r\n\r\n".to_vec()),
            Just(b"3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n".to_vec()),
            Just(b"fffffffffffffffffff\r\n".to_vec()),
            Just(b"3\r\nabcX\r\n".to_vec()),
        ],
    ]
}

/// A response: status line, headers, the empty line (usually), the body, cut short
/// somewhere (sometimes).
fn response() -> impl Strategy<Value = Vec<u8>> {
    (
        status_line(),
        proptest::collection::vec(header(), 0..5),
        prop_oneof![9 => Just(true), 1 => Just(false)],
        body(),
        prop_oneof![4 => Just(None), 1 => (0usize..200).prop_map(Some)],
    )
        .prop_map(|(status, headers, end_of_head, body, cut)| {
            let mut out = status;
            for h in headers {
                out.extend_from_slice(&h);
            }
            if end_of_head {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(&body);
            if let Some(cut) = cut {
                out.truncate(cut.min(out.len()));
            }
            out
        })
}

/// How an exchange ended, comparable across the adapters.
#[derive(Debug, PartialEq)]
enum Outcome {
    Response { status: u16, body: Vec<u8>, keep_alive: bool },
    Error(String),
}

/// The first exchange, then a second request on the same connection (the server
/// has closed it by then: refused before anything is sent, or failed).
#[derive(Debug, PartialEq)]
struct Outcomes {
    first: Outcome,
    second: Outcome,
}

/// The error's kind, without what legitimately differs between the adapters
/// (`std::io::Error`'s payload, the words of a message).
fn kind(e: &RestError) -> String {
    match e {
        RestError::Http(h) => format!("Http({h:?})"),
        RestError::Io(io) => format!("Io({:?})", io.kind()),
        other => format!("{other:?}").split(['(', ' ', '{']).next().unwrap_or_default().to_string(),
    }
}

/// Answers the request with `reply`, then closes.
fn respond(request: &[u8]) -> Option<Vec<u8>> {
    request.windows(4).any(|w| w == b"\r\n\r\n").then(|| REPLY.with(|r| r.borrow().clone()))
}

thread_local! {
    static REPLY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn embassy(reply: &[u8], piece: usize) -> Outcomes {
    REPLY.with(|r| *r.borrow_mut() = reply.to_vec());
    let (mut request_buf, mut response_buf) = ([0u8; 512], [0u8; MAX_HEAD + MAX_BODY + 64]);
    let builder = HttpClientBuilder::new().max_body_size(MAX_BODY).max_head_size(MAX_HEAD).header_slots::<8>();
    let mut http =
        builder.connect_with(Script::new(respond, piece), "http://peer", &mut request_buf, &mut response_buf).unwrap();
    embassy_futures::block_on(async {
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let req = http.writer().get("/x").finish().unwrap();
            outcomes.push(match http.send(req).await {
                Ok(resp) => Outcome::Response {
                    status: resp.status(),
                    body: resp.body().to_vec(),
                    keep_alive: resp.keep_alive(),
                },
                Err(e) => Outcome::Error(kind(&e)),
            });
        }
        let second = outcomes.pop().unwrap();
        Outcomes { first: outcomes.pop().unwrap(), second }
    })
}

async fn tokio(reply: Vec<u8>) -> Outcomes {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 512];
        while respond(&request).is_none() {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let _ = s.write_all(&reply).await;
        let _ = s.shutdown().await;
        let _ = s.read_to_end(&mut request).await;
    });
    let mut conn = HttpConnectionBuilder::new()
        .read_timeout(Duration::from_secs(5))
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    let mut writer = RequestWriter::new(vec![0u8; 512], "peer", 80, false).unwrap();
    let mut reader = ResponseReader::<_, 8>::with_header_slots(vec![0u8; 1024])
        .with_max_body_size(MAX_BODY)
        .with_max_head_size(MAX_HEAD);
    let mut outcomes = Vec::new();
    for round in 0..2 {
        if round == 1 {
            // The server has written all and shut its side: the connection is over.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let req = writer.get("/x").finish().unwrap();
        outcomes.push(match conn.send(&writer, req, &mut reader).await {
            Ok(resp) => {
                Outcome::Response { status: resp.status(), body: resp.body().to_vec(), keep_alive: resp.keep_alive() }
            }
            Err(e) => Outcome::Error(kind(&e)),
        });
    }
    drop(conn);
    server.await.unwrap();
    let second = outcomes.pop().unwrap();
    Outcomes { first: outcomes.pop().unwrap(), second }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn both_http_clients_end_and_agree_whatever_the_server_answers(
        reply in response(),
        piece in prop_oneof![1 => Just(1usize), 1 => 2usize..40, 2 => Just(usize::MAX)],
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let ours = rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), tokio(reply.clone())).await })
            .expect("the tokio client hung");
        let theirs = embassy(&reply, piece);
        prop_assert_eq!(&ours, &theirs, "reply {:?}", String::from_utf8_lossy(&reply));
    }
}
