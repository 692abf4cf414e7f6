//! The gateway recipe at scale: a WebSocket echo server sharded across cores, one
//! thread per shard, each with a current-thread runtime, a `LocalSet` and its own
//! `SO_REUSEPORT` listener on the same port (see `nexus_suite::gateway`).
//!
//! ```text
//! cargo run --release --example gateway_sharded -- --shards 4 --port 9001
//! ```
//!
//! Without `--serve` it connects a few clients itself, checks their echoes and shows
//! how the kernel spread them over the shards; with `--serve` it serves until killed.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use nexus_async_net::ws::WsStreamBuilder;
use nexus_net::ws::{CloseCode, Message};
use nexus_suite::gateway::{Gateway, GatewayConfig};

#[derive(Parser, Debug)]
#[command(about = "WebSocket echo gateway sharded across cores with SO_REUSEPORT")]
struct Args {
    /// Shards (threads); default: the number of cores.
    #[arg(long)]
    shards: Option<usize>,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve until killed instead of running the built-in clients.
    #[arg(long)]
    serve: bool,
    /// Built-in clients to connect.
    #[arg(long, default_value_t = 32)]
    clients: usize,
}

fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    let mut config = GatewayConfig { addr: SocketAddr::from(([127, 0, 0, 1], args.port)), ..GatewayConfig::default() };
    if let Some(shards) = args.shards {
        config.shards = shards;
    }
    let gateway = Gateway::start(config)?;
    let url = format!("ws://{}/", gateway.local_addr());
    println!("gateway: {} shards on {url}", gateway.connections_per_shard().len());
    if args.serve {
        gateway.join();
        return Ok(());
    }

    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let mut clients = Vec::new();
        for id in 0..args.clients {
            let url = url.clone();
            clients.push(tokio::spawn(async move {
                let mut ws = WsStreamBuilder::new().disable_nagle().connect(&url).await?;
                for n in 0..50 {
                    let text = format!("client {id} message {n}");
                    ws.send_text(&text).await?;
                    match ws.recv().await? {
                        Some(Message::Text(echo)) if echo == text => {}
                        other => anyhow::bail!("client {id}: unexpected {other:?}"),
                    }
                }
                ws.close(CloseCode::Normal, "").await?;
                Ok(())
            }));
        }
        for client in clients {
            tokio::time::timeout(Duration::from_secs(10), client).await???;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    println!("{} clients x 50 echoes: all answered", args.clients);
    println!("connections accepted per shard: {:?}", gateway.connections_per_shard());
    Ok(())
}
