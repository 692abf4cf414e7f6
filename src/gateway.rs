//! The gateway recipe at scale: one WebSocket echo server sharded across threads.
//!
//! Each shard is a thread running a current-thread tokio runtime and a `LocalSet`,
//! with its own listener bound to the same address with `SO_REUSEPORT`; the kernel
//! spreads incoming connections across the listeners, and a connection then lives on
//! one thread for its whole life (no work stealing, no cross-thread wake-ups).
//! Connections are served with `spawn_local` and echo zero-copy through `split()`.
//!
//! ```no_run
//! use nexus_suite::gateway::{Gateway, GatewayConfig};
//!
//! let gateway = Gateway::start(GatewayConfig { shards: 4, ..GatewayConfig::default() })?;
//! println!("echo server on ws://{}", gateway.local_addr());
//! gateway.join(); // serves until the process ends
//! # Ok::<(), std::io::Error>(())
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use nexus_async_net::ws::{WsReader, WsStreamBuilder, WsWriter};
use nexus_net::ws::Message;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};

/// Options of a sharded gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Address to bind (default `127.0.0.1:0`: an ephemeral port, shared by every
    /// shard once the first one has bound it).
    pub addr: SocketAddr,
    /// Threads, each with its own runtime and listener (default: available cores).
    pub shards: usize,
    /// Read buffer per connection (default 64 KiB: gateways hold many connections).
    pub buffer_capacity: usize,
    /// Largest message accepted (default 1 MiB; larger ones are refused with 1009).
    pub max_message_size: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            buffer_capacity: 64 << 10,
            max_message_size: 1 << 20,
        }
    }
}

/// A running sharded gateway. Dropping it stops the shards (they notice within
/// 100 ms; connections being served are dropped with their runtime).
pub struct Gateway {
    addr: SocketAddr,
    served: Arc<Vec<AtomicU64>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Gateway {
    /// Bind one `SO_REUSEPORT` listener per shard on `config.addr` and start the
    /// shard threads.
    ///
    /// # Errors
    /// Creating or binding a socket failed (for example the port is taken by a socket
    /// without `SO_REUSEPORT`), or a runtime could not be built.
    pub fn start(config: GatewayConfig) -> std::io::Result<Self> {
        let shards = config.shards.max(1);
        let mut addr = config.addr;
        let mut listeners = Vec::with_capacity(shards);
        for _ in 0..shards {
            let listener = reuseport_listener(addr)?;
            addr = listener.local_addr()?; // later shards bind the port the first one got
            listeners.push(listener);
        }
        let served = Arc::new((0..shards).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
        let stop = Arc::new(AtomicBool::new(false));
        let builder = WsStreamBuilder::new()
            .disable_nagle()
            .buffer_capacity(config.buffer_capacity)
            .max_message_size(config.max_message_size);
        let mut threads = Vec::with_capacity(shards);
        for (shard, listener) in listeners.into_iter().enumerate() {
            let (served, stop, builder) = (Arc::clone(&served), Arc::clone(&stop), builder.clone());
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let thread = std::thread::Builder::new().name(format!("gateway-{shard}")).spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, run_shard(shard, listener, builder, served, stop));
            })?;
            threads.push(thread);
        }
        tracing::info!(%addr, shards, "sharded gateway listening");
        Ok(Self { addr, served, stop, threads })
    }

    /// The address every shard listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far by each shard.
    pub fn connections_per_shard(&self) -> Vec<u64> {
        self.served.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }

    /// Wait for the shard threads (they run until the gateway is stopped).
    pub fn join(mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn reuseport_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

async fn run_shard(
    shard: usize,
    listener: std::net::TcpListener,
    builder: WsStreamBuilder,
    served: Arc<Vec<AtomicU64>>,
    stop: Arc<AtomicBool>,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(shard, error = %e, "gateway shard could not register its listener");
            return;
        }
    };
    let mut check = tokio::time::interval(Duration::from_millis(100));
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = check.tick() => {
                if stop.load(Ordering::Relaxed) { return; }
                continue;
            }
        };
        let (sock, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(shard, error = %e, "accept failed");
                continue;
            }
        };
        served[shard].fetch_add(1, Ordering::Relaxed);
        let builder = builder.clone();
        tokio::task::spawn_local(async move {
            match builder.accept_tcp(sock).await {
                Ok(ws) => {
                    let (reader, writer) = ws.split();
                    echo(reader, writer).await;
                }
                Err(e) => tracing::warn!(shard, ?addr, error = %e, "handshake failed"),
            }
        });
    }
}

/// Echo every data message, zero-copy: the reader half lends the bytes, the writer
/// half sends them.
async fn echo(mut reader: WsReader<TcpStream>, writer: WsWriter<TcpStream>) {
    while let Ok(Some(message)) = reader.recv().await {
        let sent = match message {
            Message::Text(s) => writer.send_text(s).await,
            Message::Binary(b) => writer.send_binary(b).await,
            Message::Ping(data) => writer.send_pong(data).await,
            // The next `recv` answers the Close and then returns `None`.
            Message::Close(_) | Message::Pong(_) => Ok(()),
        };
        if sent.is_err() {
            break;
        }
    }
}
