//! N tasks on a multi-thread runtime share a pool of M < N connections: no lost or
//! mixed-up responses.

mod rest_support;

use std::sync::Arc;
use std::time::Duration;

use nexus_async_net::rest::{ClientPool, SlotGuard};
use rest_support::{get_text, within, TestServer};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn pool_and_guard_are_thread_safe() {
    assert_send_sync::<ClientPool>();
    assert_send::<SlotGuard<'static>>();
}

async fn hammer(server: &TestServer, tasks: usize, per_task: usize, connections: usize) {
    let pool = Arc::new(server.pool().connections(connections).build().await.unwrap());
    let mut handles = Vec::new();
    for t in 0..tasks {
        let pool = pool.clone();
        handles.push(tokio::spawn(async move {
            for n in 0..per_task {
                let id = format!("{t}-{n}");
                // Odd requests are a little slow, so slots are held while others wait.
                let ms = if n % 7 == 3 { "&ms=2" } else { "" };
                assert_eq!(get_text(&pool, &format!("/id?i={id}{ms}")).await, format!("id={id}"));
                if n % 5 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            per_task
        }));
    }
    let mut done = 0;
    for h in handles {
        done += h.await.unwrap();
    }
    assert_eq!(done, tasks * per_task);
    assert_eq!(server.connections(), connections, "no connection was replaced");
    assert_eq!(pool.available(), connections, "every slot came back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_share_few_connections() {
    within(async {
        hammer(&TestServer::start(false), 32, 50, 3).await;
        hammer(&TestServer::start(true), 16, 30, 2).await;
    })
    .await;
}

/// Tasks racing with `try_acquire` and faults: every answer still matches its request.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_use_through_server_faults() {
    within(async {
        let server = TestServer::start(false);
        let pool = Arc::new(server.pool().connections(3).build().await.unwrap());
        let mut handles = Vec::new();
        for t in 0..12 {
            let pool = pool.clone();
            handles.push(tokio::spawn(async move {
                let mut ok = 0;
                for n in 0..40 {
                    let id = format!("{t}-{n}");
                    match rest_support::get(&pool, &format!("/id?i={id}")).await {
                        Ok((200, body)) => {
                            assert_eq!(body, format!("id={id}").as_bytes());
                            ok += 1;
                        }
                        Ok((status, _)) => panic!("status {status}"),
                        // A request in flight when the server drops its connection fails;
                        // that is the caller's to retry.
                        Err(_) => {}
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                ok
            }));
        }
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            server.close_connections();
        }
        let mut ok = 0;
        for h in handles {
            ok += h.await.unwrap();
        }
        assert!(ok > 12 * 40 / 2, "{ok} successes");
        // Healed: every slot works again.
        tokio::time::sleep(Duration::from_millis(100)).await;
        for i in 0..6 {
            assert_eq!(get_text(&pool, &format!("/id?i=end{i}")).await, format!("id=end{i}"));
        }
    })
    .await;
}
