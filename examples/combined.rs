//! The seed's "Combined REST + WebSocket client" recipe against the demo's simulated
//! exchange: an `Exchange` struct owns the REST pool and starts the feed task with
//! `tokio::task::spawn_local`, which needs a `LocalSet` at run time: here a
//! current-thread runtime driving a `LocalSet` (outside one, `spawn_local` panics).
//!
//! ```text
//! RUST_LOG=info cargo run --example combined
//! ```

use std::rc::Rc;
use std::time::{Duration, Instant};

use nexus_async_net::rest::ClientPool;
use nexus_net::tls::TlsConfig;
use nexus_suite::demo::exchange::{Exchange as Simulator, ExchangeConfig, API_KEY};
use nexus_suite::demo::feed::{self, FeedConfig};
use nexus_suite::demo::rest::get_idempotent;
use nexus_suite::demo::stats::ClientStats;
use tokio::sync::watch;

struct Exchange {
    rest: ClientPool,
    // The feed runs in its own task that owns the connection; the struct keeps what
    // it needs to talk to it (here: the shared counters and a stop switch).
    feed_stats: Rc<ClientStats>,
    stop: watch::Sender<bool>,
}

impl Exchange {
    async fn new(rest_url: &str, ws_url: &str, api_key: String, tls: TlsConfig) -> anyhow::Result<Self> {
        let rest = ClientPool::builder()
            .url(rest_url)
            .base_path("/api/v3")
            .default_header("X-MBX-APIKEY", &api_key)?
            .connections(4)
            .tls(&tls)
            .build()
            .await?;

        // Spawn the feed task separately so it can reconnect independently.
        let tls2 = tls.clone();
        let feed_stats = Rc::new(ClientStats::default());
        let (stop, stopped) = watch::channel(false);
        let config = FeedConfig { url: ws_url.to_owned(), symbol: "SYM0".to_owned(), tls: tls2, epoch: None };
        let stats = Rc::clone(&feed_stats);
        tokio::task::spawn_local(async move {
            feed::run_feed(config, stats, stopped).await;
        });

        Ok(Self { rest, feed_stats, stop })
    }
}

fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "error".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let simulator = Simulator::start(
        ExchangeConfig {
            symbols: 1,
            rate: 2000,
            fault_every: Some(Duration::from_secs(2)),
            ping_every: Duration::from_secs(1),
        },
        Instant::now(),
    )?;

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let exchange =
            Exchange::new(&simulator.rest_url, &simulator.ws_url, API_KEY.to_owned(), simulator.client_tls.clone())
                .await?;
        let stats = ClientStats::default();
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let account = get_idempotent(&exchange.rest, "/account", &stats).await?;
            println!(
                "feed: {:>6} messages, {} reconnects, {} lost | REST GET /account: {} ({} bytes)",
                exchange.feed_stats.messages.get(),
                exchange.feed_stats.reconnects.get(),
                exchange.feed_stats.lost.get(),
                account.0,
                account.1
            );
        }
        let _ = exchange.stop.send(true);
        Ok(())
    })
}
