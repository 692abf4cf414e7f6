//! Self-healing: after each fault the next request succeeds with no manual healing,
//! and no background task outlives the pool.

mod rest_support;

use std::time::Duration;

use nexus_net::rest::RestError;
use rest_support::{get, get_text, within, TestServer};

async fn both<F, Fut>(f: F)
where
    F: Fn(TestServer) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    within(f(TestServer::start(false))).await;
    within(f(TestServer::start(true))).await;
}

#[tokio::test]
async fn server_closes_idle_connections() {
    both(|server| async move {
        let pool = server.pool().connections(2).no_idle_timeout().build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        server.close_connections();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Both idle connections are dead; neither is handed out.
        for i in 2..6 {
            assert_eq!(get_text(&pool, &format!("/id?i={i}")).await, format!("id={i}"));
        }
        assert!(server.connections() >= 3);
    })
    .await;
}

#[tokio::test]
async fn server_closes_idle_connections_and_try_acquire_never_hands_them_out() {
    both(|server| async move {
        let pool = server.pool().connections(1).no_idle_timeout().build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        server.close_connections();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Either the slot is already back (reconnected) or none is offered: never the dead one.
        if let Some(mut slot) = pool.try_acquire() {
            let s = &mut *slot;
            let req = s.writer.get("/id?i=fast").finish().unwrap();
            let (conn, reader) = s.conn_and_reader().unwrap();
            assert_eq!(conn.send(req, reader).await.unwrap().body(), b"id=fast");
        }
        assert_eq!(get_text(&pool, "/id?i=2").await, "id=2");
    })
    .await;
}

#[tokio::test]
async fn idle_timeout_reconnects_before_use() {
    both(|server| async move {
        let pool = server.pool().connections(1).idle_timeout(Duration::from_millis(100)).build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        assert_eq!(server.connections(), 1);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(get_text(&pool, "/id?i=2").await, "id=2");
        assert!(server.connections() >= 2, "the idle connection was replaced");
    })
    .await;
}

#[tokio::test]
async fn server_restarts_between_requests() {
    both(|mut server| async move {
        let pool = server.pool().connections(2).build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        server.restart(Duration::from_millis(200)).await;
        for i in 2..6 {
            assert_eq!(get_text(&pool, &format!("/id?i={i}")).await, format!("id={i}"));
        }
    })
    .await;
}

/// With no pause the server may close a connection while a request is already on
/// its way; no client can tell that from a request the server dropped, so the
/// recipe's retry of idempotent GETs is what recovers (no manual healing).
#[tokio::test]
async fn server_restarts_without_pause() {
    both(|mut server| async move {
        let pool = server.pool().connections(3).build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        server.restart(Duration::ZERO).await;
        let mut result = Err(RestError::ReadTimeout);
        for _attempt in 0..3 {
            result = get(&pool, "/id?i=2").await;
            if result.is_ok() {
                break;
            }
        }
        assert_eq!(result.unwrap().1, b"id=2");
        for i in 3..6 {
            assert_eq!(get_text(&pool, &format!("/id?i={i}")).await, format!("id={i}"));
        }
    })
    .await;
}

#[tokio::test]
async fn connection_close_is_honoured() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        assert_eq!(get_text(&pool, "/close").await, "closing");
        assert_eq!(get_text(&pool, "/id?i=after").await, "id=after");
        assert_eq!(server.connections(), 2, "a new connection after Connection: close");
    })
    .await;
}

#[tokio::test]
async fn stalled_server_times_out_then_heals() {
    both(|server| async move {
        let pool = server.pool().connections(1).read_timeout(Duration::from_millis(200)).build().await.unwrap();
        let started = tokio::time::Instant::now();
        let err = get(&pool, "/stall").await.unwrap_err();
        assert!(matches!(err, RestError::ReadTimeout), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        // Not the stalled connection again: its late answer must never be read.
        assert_eq!(get_text(&pool, "/id?i=next").await, "id=next");
        assert_eq!(server.connections(), 2);
    })
    .await;
}

/// The read timeout bounds each exchange from its own start: the connection's
/// reused timer is re-armed per request, so an earlier request's deadline never cuts
/// a later one short, and a stall is reported no earlier than the timeout.
#[tokio::test]
async fn read_timeout_is_per_request() {
    both(|server| async move {
        let timeout = Duration::from_millis(300);
        let pool = server.pool().connections(1).read_timeout(timeout).build().await.unwrap();
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        // Past the first request's deadline, a slow (but in time) answer on the same
        // connection is still read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(get_text(&pool, "/id?i=2&ms=200").await, "id=2");
        assert_eq!(get_text(&pool, "/id?i=3&ms=200").await, "id=3");
        assert_eq!(server.connections(), 1);
        let started = tokio::time::Instant::now();
        let err = get(&pool, "/stall").await.unwrap_err();
        let waited = started.elapsed();
        assert!(matches!(err, RestError::ReadTimeout), "{err:?}");
        assert!(waited >= timeout && waited < Duration::from_secs(2), "{waited:?}");
        assert_eq!(get_text(&pool, "/id?i=4").await, "id=4");
    })
    .await;
}

#[tokio::test]
async fn dropped_request_future_poisons_the_slot() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        let slow = get(&pool, "/id?i=slow&ms=300");
        assert!(tokio::time::timeout(Duration::from_millis(50), slow).await.is_err());
        // The only slot was abandoned mid-request: reusing it would read "id=slow".
        for i in 0..3 {
            assert_eq!(get_text(&pool, &format!("/id?i={i}")).await, format!("id={i}"));
        }
        assert_eq!(server.connections(), 2);
    })
    .await;
}

#[tokio::test]
async fn poisoned_connection_refuses_to_send() {
    both(|server| async move {
        let pool = server.pool().connections(1).build().await.unwrap();
        let mut slot = pool.acquire().await.unwrap();
        let s = &mut *slot;
        let req = s.writer.get("/id?i=slow&ms=300").finish().unwrap();
        {
            let (conn, reader) = s.conn_and_reader().unwrap();
            assert!(tokio::time::timeout(Duration::from_millis(50), conn.send(req, reader)).await.is_err());
        }
        let err = s.conn_and_reader().map(drop).unwrap_err();
        assert!(matches!(err, RestError::ConnectionPoisoned), "{err:?}");
        assert!(!s.connection().unwrap().is_reusable());
        drop(slot);
        assert_eq!(get_text(&pool, "/id?i=ok").await, "id=ok");
    })
    .await;
}

#[tokio::test]
async fn acquire_waits_up_to_its_bound_and_try_acquire_never_waits() {
    within(async {
        let server = TestServer::start(false);
        let pool = server.pool().connections(1).acquire_timeout(Duration::from_millis(100)).build().await.unwrap();
        let held = pool.try_acquire().expect("one free slot");
        assert!(pool.try_acquire().is_none());
        let started = tokio::time::Instant::now();
        let err = pool.acquire().await.unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(matches!(&err, RestError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut), "{err:?}");
        assert!(err.to_string().contains("acquire_timeout"), "{err}");
        // A waiter is served as soon as the slot is released.
        let waiter = pool.acquire();
        let release = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(held);
        };
        let (slot, ()) = tokio::join!(waiter, release);
        assert!(slot.is_ok());
    })
    .await;
}

#[tokio::test]
async fn acquire_timeout_names_the_connect_error() {
    within(async {
        let mut server = TestServer::start(false);
        let pool = server.pool().connections(1).acquire_timeout(Duration::from_millis(300)).build().await.unwrap();
        server.stop();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let err = get(&pool, "/id").await.unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
    })
    .await;
}

/// Background tasks (reconnects, the sweep) end when the pool is dropped, on both
/// runtime flavours.
#[test]
fn no_background_task_outlives_the_pool() {
    for multi in [false, true] {
        let rt = if multi {
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
        } else {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
        };
        rt.block_on(within(async {
            let mut server = TestServer::start(false);
            let pool = server
                .pool()
                .connections(3)
                .idle_timeout(Duration::from_millis(50))
                .keep_warm(Duration::from_millis(20), "/id")
                .build()
                .await
                .unwrap();
            let clone = pool.clone();
            assert_eq!(get_text(&clone, "/id?i=1").await, "id=1");
            server.stop();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let metrics = tokio::runtime::Handle::current().metrics();
            assert!(metrics.num_alive_tasks() >= 3, "reconnect tasks running: {}", metrics.num_alive_tasks());
            drop(pool);
            drop(clone);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
            while metrics.num_alive_tasks() != 0 {
                assert!(tokio::time::Instant::now() < deadline, "{} tasks left", metrics.num_alive_tasks());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
}

/// Healing works inside a `LocalSet` on a current-thread runtime.
#[test]
fn heals_inside_a_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(
        &rt,
        within(async {
            let server = TestServer::start(true);
            let pool = server.pool().connections(2).build().await.unwrap();
            let p = pool.clone();
            let task = tokio::task::spawn_local(async move { get_text(&p, "/id?i=local").await });
            assert_eq!(task.await.unwrap(), "id=local");
            server.close_connections();
            tokio::time::sleep(Duration::from_millis(50)).await;
            let p = pool.clone();
            let task = tokio::task::spawn_local(async move { get_text(&p, "/id?i=healed").await });
            assert_eq!(task.await.unwrap(), "id=healed");
        }),
    );
}

#[tokio::test]
async fn keep_warm_sends_requests_on_idle_connections() {
    within(async {
        let server = TestServer::start(false);
        let pool =
            server.pool().connections(2).keep_warm(Duration::from_millis(40), "/id?i=warm").build().await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let warmed = server.requests.load(std::sync::atomic::Ordering::SeqCst);
        assert!(warmed >= 2, "{warmed} keep-warm requests");
        assert_eq!(server.connections(), 2, "kept on the same connections");
        assert_eq!(get_text(&pool, "/id?i=1").await, "id=1");
        // A keep-warm request may be in flight on the other slot right now: both
        // slots are back once it ends.
        let give_up = tokio::time::Instant::now() + Duration::from_secs(2);
        while pool.available() != 2 {
            assert!(tokio::time::Instant::now() < give_up, "{} slots available", pool.available());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

/// A reader that saw a failed exchange on one connection works on a fresh one.
#[tokio::test]
async fn reader_reused_after_an_error_on_another_connection() {
    within(async {
        use nexus_async_net::rest::HttpConnectionBuilder;
        use nexus_net::http::{RequestWriter, ResponseReader};
        let server = TestServer::start(false);
        let b = HttpConnectionBuilder::new().read_timeout(Duration::from_millis(100));
        let mut writer = RequestWriter::new(vec![0u8; 1024], "127.0.0.1", server.addr.port(), false).unwrap();
        let mut reader = ResponseReader::new(vec![0u8; 64]).with_max_body_size(16);
        let mut conn = b.connect(&server.url()).await.unwrap();
        let req = writer.get("/bytes?n=1000").finish().unwrap();
        let err = conn.send(&writer, req, &mut reader).await.unwrap_err();
        assert!(matches!(err, RestError::BodyTooLarge { .. }), "{err:?}");
        let mut conn = b.connect(&server.url()).await.unwrap();
        let req = writer.get("/id?i=fresh").finish().unwrap();
        assert_eq!(conn.send(&writer, req, &mut reader).await.unwrap().body(), b"id=fresh");
    })
    .await;
}

/// A standalone connection enforces its read timeout too.
#[tokio::test]
async fn standalone_connection_read_timeout() {
    within(async {
        use nexus_async_net::rest::HttpConnectionBuilder;
        use nexus_net::http::{RequestWriter, ResponseReader};
        let server = TestServer::start(false);
        let b = HttpConnectionBuilder::new().read_timeout(Duration::from_millis(100));
        let mut writer = RequestWriter::new(vec![0u8; 1024], "127.0.0.1", server.addr.port(), false).unwrap();
        let mut reader = ResponseReader::new(vec![0u8; 1024]);
        let mut conn = b.connect(&server.url()).await.unwrap();
        let req = writer.get("/stall").finish().unwrap();
        let started = tokio::time::Instant::now();
        let err = conn.send(&writer, req, &mut reader).await.unwrap_err();
        assert!(matches!(err, RestError::ReadTimeout), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        let req = writer.get("/id").finish().unwrap();
        let err = conn.send(&writer, req, &mut reader).await.unwrap_err();
        assert!(matches!(err, RestError::ConnectionPoisoned), "{err:?}");
    })
    .await;
}
