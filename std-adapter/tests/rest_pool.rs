//! The REST pool against a hyper server, over http and https: methods, headers,
//! bodyless statuses, chunked and large bodies, keep-alive reuse.

mod rest_support;

use nexus_async_net::rest::{ClientPool, HttpConnectionBuilder};
use nexus_net::http::{RequestWriter, ResponseReader};
use nexus_net::rest::RestError;
use rest_support::{get, get_text, pattern, within, TestServer};

/// Runs `f` against a plain and a TLS server.
async fn both<F, Fut>(f: F)
where
    F: Fn(TestServer) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    within(f(TestServer::start(false))).await;
    within(f(TestServer::start(true))).await;
}

#[tokio::test]
async fn methods_query_body_default_headers_and_base_path() {
    both(|server| async move {
        let pool = server
            .pool()
            .base_path("/api/v3")
            .default_header("X-API-KEY", "k3y")
            .unwrap()
            .connections(2)
            .build()
            .await
            .unwrap();
        let mut slot = pool.acquire().await.unwrap();
        let s = &mut *slot;

        let req = s.writer.get("/echo").query("symbol", "BTC USDT").query("limit", "5").finish().unwrap();
        let (conn, reader) = s.conn_and_reader().unwrap();
        let resp = conn.send(req, reader).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.body(), b"GET /api/v3/echo?symbol=BTC%20USDT&limit=5 key=k3y ct=- body=");

        let json = br#"{"symbol":"BTCUSDT","qty":"1.5"}"#;
        let req = s.writer.post("/echo").header("Content-Type", "application/json").body(json).finish().unwrap();
        let (conn, reader) = s.conn_and_reader().unwrap();
        let resp = conn.send(req, reader).await.unwrap();
        assert_eq!(
            std::str::from_utf8(resp.body()).unwrap(),
            r#"POST /api/v3/echo key=k3y ct=application/json body={"symbol":"BTCUSDT","qty":"1.5"}"#
        );
        assert!(resp.header("content-length").is_some());
        assert!(resp.headers().any(|(name, _)| name.eq_ignore_ascii_case("date")));

        for (method, expect) in [("PUT", "PUT"), ("DELETE", "DELETE"), ("PATCH", "PATCH")] {
            let b = match method {
                "PUT" => s.writer.put("/echo/1"),
                "DELETE" => s.writer.delete("/echo/1"),
                _ => s.writer.patch("/echo/1"),
            };
            let req = b.body(b"x=1").finish().unwrap();
            let (conn, reader) = s.conn_and_reader().unwrap();
            let resp = conn.send(req, reader).await.unwrap();
            assert_eq!(
                std::str::from_utf8(resp.body()).unwrap(),
                format!("{expect} /api/v3/echo/1 key=k3y ct=- body=x=1")
            );
        }
        drop(slot);
        assert_eq!(server.connections(), 2, "one connection per slot, all reused");
    })
    .await;
}

#[tokio::test]
async fn bodyless_statuses_keep_the_connection() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        for code in [204, 304, 404, 500, 200] {
            let (status, body) = get(&pool, &format!("/status?code={code}")).await.unwrap();
            assert_eq!((status, body.len()), (code, 0));
        }
        assert_eq!(get_text(&pool, "/id?i=after").await, "id=after");
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn chunked_and_large_bodies_up_to_the_limit() {
    both(|server| async move {
        const MAX: usize = 1 << 20;
        let pool =
            server.pool().connections(1).response_buffer_capacity(4096).max_body_size(MAX).build().await.unwrap();
        for n in [0, 1, 10, 4095, 4096, 100_000] {
            let (_, body) = get(&pool, &format!("/chunked?n={n}&parts=7")).await.unwrap();
            assert_eq!(body, pattern(n), "chunked {n}");
        }
        let (_, body) = get(&pool, &format!("/bytes?n={MAX}")).await.unwrap();
        assert_eq!(body, pattern(MAX));
        let (_, body) = get(&pool, &format!("/chunked?n={MAX}&parts=16")).await.unwrap();
        assert_eq!(body, pattern(MAX));
        assert_eq!(server.connections(), 1, "large bodies don't cost the connection");

        let err = get(&pool, &format!("/bytes?n={}", MAX + 1)).await.unwrap_err();
        assert!(matches!(err, RestError::BodyTooLarge { size, max } if size == MAX + 1 && max == MAX), "{err:?}");
        let err = get(&pool, &format!("/chunked?n={}&parts=3", MAX + 1)).await.unwrap_err();
        assert!(matches!(err, RestError::BodyTooLarge { .. }), "{err:?}");
        // The slot is reconnected behind the scenes; the next request just works.
        assert_eq!(get_text(&pool, "/id?i=next").await, "id=next");
    })
    .await;
}

#[tokio::test]
async fn hundred_sequential_requests_on_one_connection() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        for i in 0..100 {
            assert_eq!(get_text(&pool, &format!("/id?i={i}")).await, format!("id={i}"));
        }
        assert_eq!(server.connections(), 1, "the server saw one connection");
        assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 100);
    })
    .await;
}

#[tokio::test]
async fn head_request_and_in_place_body() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        let mut slot = pool.acquire().await.unwrap();
        let s = &mut *slot;
        let req = s.writer.request(nexus_net::http::Method::Head, "/bytes?n=1000").finish().unwrap();
        let (conn, reader) = s.conn_and_reader().unwrap();
        let resp = conn.send(req, reader).await.unwrap();
        assert_eq!((resp.status(), resp.body().len()), (200, 0));
        assert_eq!(resp.header("content-length"), Some("1000"));
        let req = s
            .writer
            .post("/echo")
            .body_writer(|w| {
                use std::fmt::Write;
                write!(w, r#"{{"price":{}}}"#, 42.5)
            })
            .finish()
            .unwrap();
        let (conn, reader) = s.conn_and_reader().unwrap();
        let resp = conn.send(req, reader).await.unwrap();
        assert!(resp.body().ends_with(br#"body={"price":42.5}"#));
        drop(slot);
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn single_http_connection() {
    both(|server| async move {
        let mut b = HttpConnectionBuilder::new().disable_nagle();
        if let Some(tls) = server.client_tls() {
            b = b.tls(&tls);
        }
        let mut conn = b.connect(&server.url()).await.unwrap();
        let mut writer =
            RequestWriter::new(vec![0u8; 1024], "127.0.0.1", server.addr.port(), server.client_tls().is_some())
                .unwrap();
        let mut reader = ResponseReader::new(vec![0u8; 4096]);
        for i in 0..3 {
            let req = writer.get("/id").query("i", &i.to_string()).finish().unwrap();
            let resp = conn.send(&writer, req, &mut reader).await.unwrap();
            assert_eq!(resp.body(), format!("id={i}").as_bytes());
        }
        let req = writer.get("/close").finish().unwrap();
        let resp = conn.send(&writer, req, &mut reader).await.unwrap();
        assert_eq!(resp.body(), b"closing");
        assert!(!resp.keep_alive());
        assert!(!conn.is_reusable(), "Connection: close noticed at once");
        let req = writer.get("/id").finish().unwrap();
        let err = conn.send(&writer, req, &mut reader).await.unwrap_err();
        assert!(matches!(err, RestError::ConnectionClosed(_)), "{err:?}");
        assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 4, "nothing sent after the close");

        // A stale token is refused before anything is written.
        let mut conn = b.connect(&server.url()).await.unwrap();
        let old = writer.get("/id?i=old").finish().unwrap();
        let _new = writer.get("/id?i=new").finish().unwrap();
        let err = conn.send(&writer, old, &mut reader).await.unwrap_err();
        assert!(matches!(err, RestError::StaleRequest), "{err:?}");
        assert!(conn.is_reusable());
    })
    .await;
}

#[tokio::test]
async fn a_path_in_the_url_is_the_base_path() {
    let server = TestServer::start(false);
    within(async {
        let pool = ClientPool::builder().url(&format!("{}/api/v3/", server.url())).build().await.unwrap();
        let (status, body) = get(&pool, "/echo").await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(std::str::from_utf8(&body).unwrap(), "GET /api/v3/echo key=- ct=- body=");

        // Given both ways, or with a query: refused rather than one part dropped.
        let twice = ClientPool::builder().url(&format!("{}/api", server.url())).base_path("/v3").build().await;
        assert!(matches!(twice, Err(RestError::InvalidUrl(m)) if m.contains("twice")), "{twice:?}");
        let query = ClientPool::builder().url(&format!("{}/api?x=1", server.url())).build().await;
        assert!(matches!(query, Err(RestError::InvalidUrl(m)) if m.contains("query")), "{query:?}");
    })
    .await;
}

#[tokio::test]
async fn builder_errors_are_clear() {
    within(async {
        let e = ClientPool::builder().build().await.unwrap_err();
        assert!(matches!(e, RestError::InvalidUrl(_)), "{e:?}");
        let e = ClientPool::builder().url("ws://127.0.0.1:1").build().await.unwrap_err();
        assert!(matches!(e, RestError::InvalidUrl(_)), "{e:?}");
        let e = ClientPool::builder().default_header("X-Bad", "a\r\nInjected: 1").unwrap_err();
        assert!(matches!(e, RestError::CrlfInjection), "{e:?}");
        // Nothing listens on this port: the connect error itself is returned.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = ClientPool::builder().url(&format!("http://127.0.0.1:{port}")).build().await.unwrap_err();
        assert!(matches!(&e, RestError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused), "{e:?}");
        // An https server whose certificate we don't trust.
        let server = TestServer::start(true);
        let e = ClientPool::builder().url(&server.url()).build().await.unwrap_err();
        assert!(matches!(e, RestError::Tls(_)), "{e:?}");
    })
    .await;
}
