//! Echo server for the Autobahn conformance suite (kosoku in fuzzingclient mode).
//!
//! ```text
//! cargo run --release -p nexus-async-net --example autobahn_server -- 127.0.0.1:9001
//! kosoku 127.0.0.1:9001 -x '12.*' -x '13.*'
//! ```
//!
//! With `AUTOBAHN_DEFLATE=1` (and `--features deflate`) it offers/accepts
//! permessage-deflate with the default parameters, for categories 12 and 13.
//!
//! Echoes text and binary messages without copying them (the reader half lends the
//! bytes, the writer half sends them), answers pings, completes close handshakes.

use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::ws::Message;
use tokio::net::{TcpListener, TcpStream};

async fn echo(builder: WsStreamBuilder, tcp: TcpStream) -> Result<(), WsError> {
    let ws = builder.accept_tcp(tcp).await?;
    let (mut reader, writer) = ws.split();
    while let Some(message) = reader.recv().await? {
        match message {
            Message::Text(_) | Message::Binary(_) => writer.send(message).await?,
            Message::Ping(data) => writer.send_pong(data).await?,
            // The reader half answers the peer's close itself.
            Message::Pong(_) | Message::Close(_) => {}
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9001".to_string());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("autobahn_server listening on {}", listener.local_addr()?);
    let builder = with_deflate(WsStreamBuilder::new().disable_nagle().max_message_size(64 << 20));
    loop {
        let (tcp, peer) = listener.accept().await?;
        let builder = builder.clone();
        tokio::spawn(async move {
            if let Err(e) = echo(builder, tcp).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// permessage-deflate when `AUTOBAHN_DEFLATE=1` (needs the `deflate` feature).
fn with_deflate(builder: WsStreamBuilder) -> WsStreamBuilder {
    if std::env::var_os("AUTOBAHN_DEFLATE").is_none_or(|v| v != "1") {
        return builder;
    }
    #[cfg(feature = "deflate")]
    return builder.deflate(nexus_async_net::ws::DeflateConfig::default());
    #[cfg(not(feature = "deflate"))]
    panic!("AUTOBAHN_DEFLATE=1 needs --features deflate");
}
