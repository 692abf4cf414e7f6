//! The client tasks: WebSocket and HTTP, over plain TCP and over TLS.
#![allow(clippy::collapsible_match)] // a failed pong ends the loop: clearer as an `if` in the arm

use embassy_net::Stack;
use nexus_embassy_net::http::HttpClientBuilder;
use nexus_embassy_net::net::TcpBuffers;
use nexus_embassy_net::ws::{CloseCode, Message, WsClientBuilder};
use nexus_embassy_net::Duration;

use crate::platform::HwRng;

/// Counts what arrives, so that nothing is optimised away.
static mut RECEIVED: usize = 0;

fn record(n: usize) {
    // SAFETY: single-core, and only the tasks of one thread executor touch it.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(RECEIVED), n) };
}

#[allow(dead_code)]
#[embassy_executor::task]
pub async fn ws_task(stack: Stack<'static>) {
    let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]);
    let (mut read_buf, mut write_buf) = ([0u8; 2048], [0u8; 512]);
    let builder = WsClientBuilder::new().max_message_size(2048).read_timeout(Some(Duration::from_secs(60)));
    let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
    let Ok(mut ws) =
        builder.connect(stack, "ws://feed.example.com/stream", tcp, &mut read_buf, &mut write_buf, HwRng::new()).await
    else {
        return;
    };
    if ws.send_text(r#"{"op":"subscribe","args":["trades"]}"#).await.is_err() {
        return;
    }
    while let Ok(Some(message)) = ws.recv().await {
        match message {
            Message::Text(text) => record(text.len()),
            Message::Binary(data) => record(data.len()),
            Message::Ping(data) => {
                if ws.send_pong(data).await.is_err() {
                    break;
                }
            }
            Message::Pong(_) | Message::Close(_) => {}
        }
    }
    let _ = ws.close(CloseCode::Normal, "bye").await;
}

#[allow(dead_code)]
#[embassy_executor::task]
pub async fn http_task(stack: Stack<'static>) {
    let (mut rx, mut tx) = ([0u8; 2048], [0u8; 1024]);
    let (mut request_buf, mut response_buf) = ([0u8; 512], [0u8; 2048]);
    let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
    let Ok(mut http) = HttpClientBuilder::new()
        .connect(stack, "http://api.example.com", tcp, &mut request_buf, &mut response_buf)
        .await
    else {
        return;
    };
    for _ in 0..3 {
        let Ok(req) = http.writer().get("/api/v3/ticker/price").query("symbol", "BTCUSDT").finish() else { break };
        match http.send(req).await {
            Ok(resp) if resp.status() == 200 => record(resp.body().len()),
            _ => break,
        }
    }
    let _ = http.close().await;
}

/// The CA the servers' certificates chain to (a throw-away demo CA, P-256).
#[allow(dead_code)]
static CA_DER: &[u8] = include_bytes!("../ca.der");

#[allow(dead_code)]
#[embassy_executor::task]
pub async fn wss_task(stack: Stack<'static>) {
    use nexus_embassy_net::tls::{TlsBuffers, TlsConfig};
    let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]);
    let (mut record_read, mut record_write) = ([0u8; 16640], [0u8; 2048]);
    let (mut read_buf, mut write_buf) = ([0u8; 2048], [0u8; 512]);
    let tls = TlsConfig::new(CA_DER);
    let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
    let records = TlsBuffers { record_read: &mut record_read, record_write: &mut record_write };
    let Ok(mut ws) = WsClientBuilder::new()
        .connect_tls(
            stack,
            "wss://feed.example.com/stream",
            &tls,
            tcp,
            records,
            &mut read_buf,
            &mut write_buf,
            HwRng::new(),
        )
        .await
    else {
        return;
    };
    while let Ok(Some(message)) = ws.recv().await {
        match message {
            Message::Text(text) => record(text.len()),
            Message::Ping(data) => {
                if ws.send_pong(data).await.is_err() {
                    break;
                }
            }
            _ => {}
        }
    }
    let _ = ws.close(CloseCode::Normal, "").await;
}

#[allow(dead_code)]
#[embassy_executor::task]
pub async fn https_task(stack: Stack<'static>) {
    use nexus_embassy_net::tls::{TlsBuffers, TlsConfig};
    let (mut rx, mut tx) = ([0u8; 2048], [0u8; 1024]);
    let (mut record_read, mut record_write) = ([0u8; 16640], [0u8; 2048]);
    let (mut request_buf, mut response_buf) = ([0u8; 512], [0u8; 2048]);
    let tls = TlsConfig::new(CA_DER);
    let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
    let records = TlsBuffers { record_read: &mut record_read, record_write: &mut record_write };
    let mut rng = HwRng::new();
    let Ok(mut http) = HttpClientBuilder::new()
        .connect_tls(
            stack,
            "https://api.example.com",
            &tls,
            tcp,
            records,
            &mut request_buf,
            &mut response_buf,
            &mut rng,
        )
        .await
    else {
        return;
    };
    if let Ok(req) = http.writer().get("/api/v3/time").finish() {
        if let Ok(resp) = http.send(req).await {
            record(resp.body().len());
        }
    }
    let _ = http.close().await;
}
