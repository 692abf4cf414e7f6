//! The seed's "REST with pooled connections" recipe, as written, against the demo's
//! simulated exchange on 127.0.0.1 (only the URL and the trusted certificate differ),
//! inside a `LocalSet` on a current-thread runtime. The simulator kills one pooled
//! connection every second; the idempotent GETs heal through the pool, and the
//! fail-fast POSTs are rejected, never retried, when no healthy slot is free.
//!
//! ```text
//! RUST_LOG=info cargo run --example rest_client
//! ```

use std::time::{Duration, Instant};

use nexus_async_net::rest::ClientPool;
use nexus_net::rest::RestError;
use nexus_net::tls::TlsConfig;
use nexus_suite::demo::exchange::{Exchange, ExchangeConfig, API_KEY};

// ---- the recipe (URL passed in) ---------------------------------------------------

pub async fn build_pool(url: &str, api_key: String, tls: TlsConfig) -> anyhow::Result<ClientPool> {
    let pool = ClientPool::builder()
        .url(url)
        .base_path("/api/v3")
        .default_header("X-MBX-APIKEY", &api_key)?
        .connections(4)
        .tls(&tls)
        .disable_nagle()
        .tcp_keepalive(Duration::from_secs(60))
        .write_buffer_capacity(32 * 1024)
        .response_buffer_capacity(64 * 1024)
        .max_body_size(1 << 20)
        .build()
        .await?;
    Ok(pool)
}

/// GET a resource. Retries on transport errors only — safe for GETs.
pub async fn get_idempotent(pool: &ClientPool, path: &str) -> Result<Vec<u8>, RestError> {
    for attempt in 0..3 {
        let mut slot = pool.acquire().await?;
        let s = &mut *slot;
        let req = s.writer.get(path).finish()?;
        let (conn, reader) = s.conn_and_reader()?;

        match conn.send(req, reader).await {
            Ok(resp) => {
                if resp.status() < 500 {
                    return Ok(resp.body().to_vec());
                }
                tracing::warn!(status = resp.status(), attempt, "5xx, retrying");
            }
            Err(RestError::Io(_))
            | Err(RestError::ConnectionPoisoned)
            | Err(RestError::ConnectionClosed(_))
            | Err(RestError::ConnectionStale)
            | Err(RestError::ReadTimeout) => {
                // Drop the slot. Next acquire will eject the dead slot and
                // spawn a reconnect task. No manual heal needed.
                drop(slot);
                tracing::warn!(attempt, "transport error, healing pool");
            }
            Err(e) => return Err(e),
        }
        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
    }
    Err(RestError::ReadTimeout)
}

/// POST that MUST NOT be retried blindly. Use exchange-side idempotency.
pub async fn place_order(pool: &ClientPool, body: &[u8]) -> Result<Vec<u8>, RestError> {
    let Some(mut slot) = pool.try_acquire() else {
        return Err(RestError::ConnectionClosed("no healthy slot"));
    };
    let s = &mut *slot;
    let req = s.writer.post("/order").header("Content-Type", "application/json").body(body).finish()?;
    let (conn, reader) = s.conn_and_reader()?;
    let resp = conn.send(req, reader).await?;
    Ok(resp.body().to_vec())
}

// ---- main -------------------------------------------------------------------------

fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "error".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let config = ExchangeConfig {
        symbols: 1,
        rate: 10,
        fault_every: Some(Duration::from_secs(1)),
        ping_every: Duration::from_secs(1),
    };
    let exchange = Exchange::start(config, Instant::now())?;

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let pool = build_pool(&exchange.rest_url, API_KEY.to_owned(), exchange.client_tls.clone()).await?;
        let account = get_idempotent(&pool, "/account").await?;
        println!("GET  /account -> {}", String::from_utf8_lossy(&account));
        let order = place_order(&pool, br#"{"symbol":"SYM0","side":"BUY","quantity":"0.01","newClientOrderId":"x1"}"#).await?;
        println!("POST /order   -> {}", String::from_utf8_lossy(&order));

        // Four seconds of load while the simulator kills a connection every second.
        let (mut gets, mut orders, mut rejected, mut failed) = (0, 0, 0, 0);
        let until = Instant::now() + Duration::from_secs(4);
        while Instant::now() < until {
            get_idempotent(&pool, "/ticker/price?symbol=BTCUSDT").await?;
            gets += 1;
            match place_order(&pool, br#"{"symbol":"SYM0","side":"SELL","quantity":"0.01"}"#).await {
                Ok(_) => orders += 1,
                Err(RestError::ConnectionClosed("no healthy slot")) => rejected += 1,
                Err(e) => {
                    println!("order failed, not retried: {e}");
                    failed += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        println!(
            "4 s: {gets} GETs answered, {orders} orders placed, {rejected} rejected (no healthy slot), {failed} failed; \
             the simulator killed {} connections; pool: {pool:?}",
            exchange.counts().rest_kills
        );
        Ok(())
    })
}
