//! The seed's "Exchange client with reconnect" recipe, as written, against the
//! demo's simulated exchange on 127.0.0.1 (only the URL and the trusted certificate
//! differ). The simulator breaks the connection every 2 s; watch the recipe
//! reconnect (`RUST_LOG=info` shows its events and the adapter's).
//!
//! ```text
//! RUST_LOG=info cargo run --example feed_client
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::tls::TlsConfig;
use nexus_net::ws::{CloseCode, Message};
use nexus_suite::demo::exchange::{Exchange, ExchangeConfig};

// ---- the recipe (URL passed in) ---------------------------------------------------

pub async fn run_feed(url: &str, tls: TlsConfig) {
    let mut backoff = Duration::from_millis(100);
    let max_backoff = Duration::from_secs(30);

    loop {
        let session = one_session(url, &tls).await;
        RECONNECTS.fetch_add(1, Ordering::Relaxed); // (the demo's count; not in the recipe)
        match session {
            Ok(()) => {
                tracing::info!("feed closed cleanly, reconnecting");
                backoff = Duration::from_millis(100);
            }
            Err(e) => {
                tracing::warn!(?e, "feed disconnected");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(max_backoff);
            }
        }
    }
}

async fn one_session(url: &str, tls: &TlsConfig) -> Result<(), WsError> {
    let mut ws = WsStreamBuilder::new()
        .tls(tls)
        .disable_nagle()
        .buffer_capacity(1 << 20)
        .max_message_size(16 << 20)
        .connect_timeout(Duration::from_secs(3))
        .connect(url)
        .await?;

    // Re-send subscription state on every reconnect.
    ws.send_text(
        r#"{
        "method":"SUBSCRIBE",
        "params":["btcusdt@trade","btcusdt@depth20@100ms"],
        "id":1
    }"#,
    )
    .await?;

    loop {
        match ws.recv().await? {
            Some(Message::Text(json)) => on_json(json),
            Some(Message::Binary(bytes)) => on_binary(bytes),
            Some(Message::Ping(data)) => ws.send_pong(data).await?,
            Some(Message::Pong(_)) => {}
            Some(Message::Close(_)) => {
                let _ = ws.close(CloseCode::Normal, "").await;
                return Ok(());
            }
            None => return Ok(()), // EOF
        }
    }
}

static MESSAGES: AtomicU64 = AtomicU64::new(0);
static RECONNECTS: AtomicU64 = AtomicU64::new(0);

fn on_json(_: &str) {
    MESSAGES.fetch_add(1, Ordering::Relaxed);
}
fn on_binary(_: &[u8]) {}

// ---- main -------------------------------------------------------------------------

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let config = ExchangeConfig {
        symbols: 1,
        rate: 1000,
        fault_every: Some(Duration::from_secs(2)),
        ping_every: Duration::from_secs(1),
    };
    let exchange = Exchange::start(config, Instant::now())?;
    println!("simulated exchange feed at {}", exchange.ws_url);

    // run_feed never returns; run it for 7 seconds.
    let _ = tokio::time::timeout(Duration::from_secs(7), run_feed(&exchange.ws_url, exchange.client_tls.clone())).await;
    println!(
        "7 s: {} messages, {} reconnects (the simulator broke the feed {} times)",
        MESSAGES.load(Ordering::Relaxed),
        RECONNECTS.load(Ordering::Relaxed),
        exchange.counts().feed_breaks
    );
    Ok(())
}
