//! The seed's "REST with pooled connections" recipe, run against a local HTTPS server
//! that looks like an exchange (a hyper server with a self-signed certificate).
//!
//! `build_pool`, `get_idempotent` and `place_order` are the recipe's functions as
//! written (only the URL and the trusted root differ). The client runs inside a
//! `LocalSet` on a current-thread runtime, as the combined REST + WebSocket recipe
//! needs for its `spawn_local`; the pool's own background tasks are ordinary
//! `tokio::spawn` tasks and run there too.
//!
//! ```text
//! cargo run -p nexus-async-net --example rest_pool
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use nexus_async_net::rest::ClientPool;
use nexus_net::rest::RestError;
use nexus_net::tls::{TlsConfig, TlsServerConfig};

// ---- the recipe -------------------------------------------------------------------

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

// ---- a local "exchange" -----------------------------------------------------------

async fn exchange(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let authorised = req.headers().get("x-mbx-apikey").is_some_and(|v| v == "demo-key");
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let (status, text) = match (authorised, path.as_str()) {
        (false, _) => (StatusCode::UNAUTHORIZED, r#"{"code":-2015,"msg":"Invalid API-key"}"#.to_owned()),
        (true, "/api/v3/ticker/price") => {
            let symbol = query.strip_prefix("symbol=").unwrap_or("?");
            (StatusCode::OK, format!(r#"{{"symbol":"{symbol}","price":"97000.01"}}"#))
        }
        (true, "/api/v3/order") => {
            (StatusCode::OK, format!(r#"{{"orderId":1,"status":"NEW","echo":{}}}"#, String::from_utf8_lossy(&body)))
        }
        _ => (StatusCode::NOT_FOUND, r#"{"code":-1,"msg":"not found"}"#.to_owned()),
    };
    Ok(Response::builder().status(status).body(Full::new(Bytes::from(text))).unwrap())
}

/// Serve HTTPS on 127.0.0.1 (an ephemeral port); returns the URL and the CA to trust.
async fn start_exchange() -> anyhow::Result<(String, TlsConfig)> {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()])?;
    let server_tls = TlsServerConfig::new(cert.cert.pem(), cert.key_pair.serialize_pem())?;
    let client_tls = TlsConfig::builder().skip_system_certs().add_root_cert(cert.cert.pem()).build()?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(server_tls.server_config()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://127.0.0.1:{}", listener.local_addr()?.port());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(sock).await else { return };
                let service = hyper::service::service_fn(exchange);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    Ok((url, client_tls))
}

// ---- main -------------------------------------------------------------------------

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // `spawn_local` (as in the combined REST + WebSocket recipe) needs a LocalSet.
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let (url, tls) = start_exchange().await?;
        let pool = build_pool(&url, "demo-key".to_owned(), tls).await?;

        let price = get_idempotent(&pool, "/ticker/price?symbol=BTCUSDT").await?;
        println!("GET  /ticker/price -> {}", String::from_utf8_lossy(&price));

        let order = place_order(&pool, br#"{"symbol":"BTCUSDT","side":"BUY","qty":"0.01"}"#).await?;
        println!("POST /order        -> {}", String::from_utf8_lossy(&order));

        // A task that owns a clone of the pool, as a feed or a strategy would.
        let pool2 = pool.clone();
        let poller = tokio::task::spawn_local(async move {
            for _ in 0..3 {
                let price = get_idempotent(&pool2, "/ticker/price?symbol=ETHUSDT").await?;
                println!("poll /ticker/price -> {}", String::from_utf8_lossy(&price));
            }
            Ok::<_, RestError>(())
        });
        poller.await??;
        println!("pool: {pool:?}");
        Ok(())
    })
}
