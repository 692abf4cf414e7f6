//! The market-data demo: a simulated exchange on 127.0.0.1 (a `wss://` feed and an
//! `https://` REST API behind a certificate made at start-up) and a client that uses
//! it as the seed recipes do, healing while the exchange breaks its connections.
//!
//! ```text
//! cargo run --release --example market_demo
//! cargo run --release --example market_demo -- --duration 60 --rate 20000 --connections 4
//! RUST_LOG=info,nexus_async_net=debug cargo run --release --example market_demo
//! ```
//!
//! With `--ws-url` / `--rest-url` the same client talks to a real exchange instead
//! (no faults injected there, no orders sent: only public GETs).

use std::time::Duration;

use clap::Parser;
use nexus_suite::demo::{run, DemoConfig};

#[derive(Parser, Debug)]
#[command(about = "nexus-net market-data demo: a simulated exchange and a self-healing client")]
struct Args {
    /// Seconds to run.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Feed messages per second per feed connection.
    #[arg(long, default_value_t = 5000)]
    rate: u64,
    /// Feed connections (one symbol each).
    #[arg(long, default_value_t = 2)]
    connections: usize,
    /// Seconds between injected faults (a broken feed, a killed REST connection); 0 for none.
    #[arg(long, default_value_t = 4.0)]
    fault_every: f64,
    /// A real exchange's WebSocket URL instead of the simulator's (e.g. wss://stream.binance.com:9443/ws).
    #[arg(long)]
    ws_url: Option<String>,
    /// A real exchange's REST base URL instead of the simulator's (e.g. https://api.binance.com).
    #[arg(long)]
    rest_url: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // `RUST_LOG=info` shows connects, reconnects and the injected faults;
    // `RUST_LOG=nexus_async_net=debug` the adapter's handshake and close events.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "error".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();

    let config = DemoConfig {
        duration: Duration::from_secs_f64(args.duration.max(0.1)),
        rate: args.rate,
        connections: args.connections.max(1),
        fault_every: (args.fault_every > 0.0).then(|| Duration::from_secs_f64(args.fault_every)),
        ws_url: args.ws_url,
        rest_url: args.rest_url,
        ..DemoConfig::default()
    };
    println!(
        "market_demo: {} feed connection(s) at {} msg/s each, faults every {}, for {:.0} s",
        config.connections,
        config.rate,
        config.fault_every.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        config.duration.as_secs_f64()
    );
    let summary = run(&config)?;
    println!("{summary}");
    Ok(())
}
