//! Client for the Autobahn conformance suite (kosoku in fuzzingserver mode).
//!
//! ```text
//! kosoku -m fuzzingserver 127.0.0.1:9001
//! cargo run --release -p nexus-async-net --example autobahn_client -- ws://127.0.0.1:9001 nexus-async-net
//! ```
//!
//! With `AUTOBAHN_DEFLATE=1` (and `--features deflate`) it offers/accepts
//! permessage-deflate with the default parameters, for categories 12 and 13.
//!
//! Asks for the case count, runs every case (echoing each message until the server
//! closes), then asks the server to write its reports.

use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::ws::{CloseCode, Message};

async fn run_case(builder: &WsStreamBuilder, url: &str) -> Result<(), WsError> {
    let ws = builder.connect(url).await?;
    let (mut reader, writer) = ws.split();
    while let Some(message) = reader.recv().await? {
        match message {
            Message::Text(_) | Message::Binary(_) => writer.send(message).await?,
            Message::Ping(data) => writer.send_pong(data).await?,
            Message::Pong(_) | Message::Close(_) => {}
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), WsError> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".to_string());
    let agent = args.next().unwrap_or_else(|| "nexus-async-net".to_string());
    let builder = with_deflate(WsStreamBuilder::new().disable_nagle().max_message_size(64 << 20));

    let mut ws = builder.connect(&format!("{base}/getCaseCount")).await?;
    let count: u32 = match ws.recv().await? {
        Some(Message::Text(n)) => n.trim().parse().expect("case count"),
        other => panic!("expected the case count, got {other:?}"),
    };
    let _ = ws.close(CloseCode::Normal, "").await;
    while let Ok(Some(_)) = ws.recv().await {}
    eprintln!("running {count} cases as {agent}");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        if let Err(e) = run_case(&builder, &url).await {
            eprintln!("case {case}: {e}");
        }
    }

    let mut ws = builder.connect(&format!("{base}/updateReports?agent={agent}")).await?;
    let _ = ws.close(CloseCode::Normal, "").await;
    while let Ok(Some(_)) = ws.recv().await {}
    eprintln!("reports updated");
    Ok(())
}

/// permessage-deflate when `AUTOBAHN_DEFLATE=1` (needs the `deflate` feature).
fn with_deflate(builder: WsStreamBuilder) -> WsStreamBuilder {
    if std::env::var_os("AUTOBAHN_DEFLATE").is_none_or(|v| v != "1") {
        return builder;
    }
    // Offering client_no_context_takeover (a promise to reset after each message)
    // is what Autobahn reads as "accepts no-context-takeover": cases 13.2, 13.5-13.7
    // answer only such offers.
    #[cfg(feature = "deflate")]
    return builder
        .deflate(nexus_async_net::ws::DeflateConfig { client_no_context_takeover: true, ..Default::default() });
    #[cfg(not(feature = "deflate"))]
    panic!("AUTOBAHN_DEFLATE=1 needs --features deflate");
}
