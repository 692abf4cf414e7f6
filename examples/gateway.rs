//! The seed's "Gateway accepting many connections" recipe on 127.0.0.1, with a few
//! clients in the same process that check their echoes.
//!
//! One change from the recipe: a `Text`/`Binary` message borrows the stream's read
//! buffer, so echoing it on the same stream needs an owned copy first (for a
//! zero-copy echo, `split()` the stream: the reader half lends the bytes, the writer
//! half sends them). `gateway_sharded` is the same server across cores.
//!
//! ```text
//! RUST_LOG=debug cargo run --example gateway
//! ```

use std::time::Duration;

use nexus_async_net::ws::WsStreamBuilder;
use nexus_net::ws::Message;
use tokio::net::TcpListener;

/// The recipe's accept loop.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (sock, addr) = listener.accept().await?;
        sock.set_nodelay(true)?;
        tokio::spawn(async move {
            let mut ws = match WsStreamBuilder::new().accept(sock).await {
                Ok(ws) => ws,
                Err(e) => {
                    tracing::warn!(?addr, ?e, "handshake failed");
                    return;
                }
            };
            while let Ok(Some(msg)) = ws.recv().await {
                match msg {
                    Message::Text(s) => {
                        let s = s.to_owned();
                        if ws.send_text(&s).await.is_err() {
                            break;
                        }
                    }
                    Message::Binary(b) => {
                        let b = b.to_vec();
                        if ws.send_binary(&b).await.is_err() {
                            break;
                        }
                    }
                    Message::Ping(data) => {
                        let _ = ws.send_pong(data).await;
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        });
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/", listener.local_addr()?);
    println!("gateway listening on {url}");
    tokio::spawn(serve(listener));

    let mut clients = Vec::new();
    for id in 0..8 {
        let url = url.clone();
        clients.push(tokio::spawn(async move {
            let mut ws = WsStreamBuilder::new().disable_nagle().connect(&url).await?;
            for n in 0..100 {
                let text = format!("client {id} message {n}");
                ws.send_text(&text).await?;
                match ws.recv().await? {
                    Some(Message::Text(echo)) if echo == text => {}
                    other => anyhow::bail!("client {id}: unexpected {other:?}"),
                }
            }
            ws.send_binary(&[id as u8; 4096]).await?;
            let Some(Message::Binary(echo)) = ws.recv().await? else { anyhow::bail!("no binary echo") };
            anyhow::ensure!(echo == [id as u8; 4096], "binary echo differs");
            ws.close(nexus_net::ws::CloseCode::Normal, "bye").await?;
            Ok(())
        }));
    }
    for (id, client) in clients.into_iter().enumerate() {
        tokio::time::timeout(Duration::from_secs(10), client).await???;
        println!("client {id}: 100 text echoes and a 4 KiB binary echo, closed cleanly");
    }
    Ok(())
}
