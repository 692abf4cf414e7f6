//! The REST client: the seed's "REST with pooled connections" recipe (`build_pool`,
//! `get_idempotent`, `place_order`), with the demo's counters added, and a load loop
//! that calls them.

use std::rc::Rc;
use std::time::{Duration, Instant};

use nexus_async_net::rest::ClientPool;
use nexus_net::rest::RestError;
use nexus_net::tls::TlsConfig;
use tokio::sync::watch;

use super::stats::ClientStats;

/// Build the pool as the recipe does.
///
/// # Errors
/// An invalid URL or API key header, or no connection could be made at all.
pub async fn build_pool(url: &str, api_key: &str, tls: &TlsConfig) -> Result<ClientPool, RestError> {
    ClientPool::builder()
        .url(url)
        .base_path("/api/v3")
        .default_header("X-MBX-APIKEY", api_key)?
        .connections(4)
        .tls(tls)
        .disable_nagle()
        .tcp_keepalive(Duration::from_secs(60))
        .write_buffer_capacity(32 * 1024)
        .response_buffer_capacity(64 * 1024)
        .max_body_size(1 << 20)
        .build()
        .await
}

/// GET a resource. Retries on transport errors only — safe for GETs. Returns the
/// status and the body length (the demo does not keep bodies).
///
/// # Errors
/// A non-transport error at once; `ReadTimeout` after three failed attempts.
pub async fn get_idempotent(pool: &ClientPool, path: &str, stats: &ClientStats) -> Result<(u16, usize), RestError> {
    for attempt in 0..3 {
        let mut slot = pool.acquire().await?;
        let s = &mut *slot;
        let req = s.writer.get(path).finish()?;
        let (conn, reader) = s.conn_and_reader()?;

        match conn.send(req, reader).await {
            Ok(resp) => {
                if resp.status() < 500 {
                    return Ok((resp.status(), resp.body().len()));
                }
                tracing::warn!(status = resp.status(), attempt, "5xx, retrying");
            }
            Err(RestError::Io(_))
            | Err(RestError::ConnectionPoisoned)
            | Err(RestError::ConnectionClosed(_))
            | Err(RestError::ConnectionStale)
            | Err(RestError::ReadTimeout) => {
                // Drop the slot: the pool ejects the dead connection and reconnects
                // it in the background.
                drop(slot);
                tracing::warn!(attempt, "transport error, healing pool");
            }
            Err(e) => return Err(e),
        }
        ClientStats::add(&stats.rest_retries, 1);
        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
    }
    Err(RestError::ReadTimeout)
}

/// POST that MUST NOT be retried blindly: fail fast when no healthy connection is
/// free, never retry (a half-sent order may have reached the exchange).
///
/// # Errors
/// `ConnectionClosed("no healthy slot")` when the pool has nothing free; any error
/// of the request itself.
pub async fn place_order(pool: &ClientPool, body: &[u8]) -> Result<u16, RestError> {
    let Some(mut slot) = pool.try_acquire() else {
        return Err(RestError::ConnectionClosed("no healthy slot"));
    };
    let s = &mut *slot;
    let req = s.writer.post("/order").header("Content-Type", "application/json").body(body).finish()?;
    let (conn, reader) = s.conn_and_reader()?;
    let resp = conn.send(req, reader).await?;
    Ok(resp.status())
}

/// What the load loop does.
#[derive(Debug, Clone, Copy)]
pub struct RestLoad {
    /// Pause between rounds (each round: account GET, order POST, ticker GET).
    pub interval: Duration,
    /// Send orders (off against a real exchange: the demo never trades for real).
    pub orders: bool,
}

/// Call the API until `stop` turns true, counting and timing every request.
pub async fn run_rest_load(pool: ClientPool, load: RestLoad, stats: Rc<ClientStats>, mut stop: watch::Receiver<bool>) {
    let mut order = String::with_capacity(128);
    let mut n = 0u64;
    let work = async {
        loop {
            let path = if load.orders { "/account" } else { "/time" };
            timed(&stats, get_idempotent(&pool, path, &stats)).await;
            if load.orders {
                n += 1;
                order.clear();
                use std::fmt::Write;
                let _ = write!(
                    order,
                    r#"{{"symbol":"SYM0","side":"BUY","type":"LIMIT","quantity":"0.010","price":"97000.00","newClientOrderId":"demo-{n}"}}"#
                );
                let start = Instant::now();
                match place_order(&pool, order.as_bytes()).await {
                    Ok(status) => {
                        stats.rest_latency.record(start.elapsed().as_nanos() as u64);
                        ClientStats::add(&stats.rest_ok, 1);
                        if status == 200 {
                            ClientStats::add(&stats.orders_placed, 1);
                        }
                    }
                    Err(RestError::ConnectionClosed("no healthy slot")) => {
                        ClientStats::add(&stats.orders_rejected, 1);
                    }
                    Err(e) => {
                        // Not retried: exchange-side idempotency (the client order id)
                        // is how a real client would find out what happened.
                        tracing::warn!(error = %e, "order failed (not retried)");
                        ClientStats::add(&stats.rest_errors, 1);
                    }
                }
            }
            timed(&stats, get_idempotent(&pool, "/ticker/price?symbol=BTCUSDT", &stats)).await;
            tokio::time::sleep(load.interval).await;
        }
    };
    tokio::select! {
        () = work => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

async fn timed(stats: &ClientStats, request: impl std::future::Future<Output = Result<(u16, usize), RestError>>) {
    let start = Instant::now();
    match request.await {
        Ok(_) => {
            stats.rest_latency.record(start.elapsed().as_nanos() as u64);
            ClientStats::add(&stats.rest_ok, 1);
        }
        Err(e) => {
            tracing::warn!(error = %e, "GET failed after retries");
            ClientStats::add(&stats.rest_errors, 1);
        }
    }
}
