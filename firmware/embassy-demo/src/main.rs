//! The demo: the WebSocket client and the HTTP client, each over plain TCP and over
//! TLS 1.3, on one embassy-net stack. no_std, no_main, no global allocator.
#![no_std]
#![no_main]

mod clients;
mod platform;

use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use nexus_embassy_net::http::HttpClient;
use nexus_embassy_net::ws::WsClient;
use panic_halt as _;

// The adapter's per-connection state on this target, caller buffers excluded (256
// and 416 bytes with embassy-net 0.9), held to the 1 KiB budget at compile time.
// (Over TLS, embedded-tls adds its own ~1.3 KiB: key schedule and record state.)
const _: () = assert!(core::mem::size_of::<WsClient<'static, TcpSocket<'static>, platform::HwRng>>() < 1024);
const _: () = assert!(core::mem::size_of::<HttpClient<'static, TcpSocket<'static>>>() < 1024);

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let stack = platform::init(&spawner).await;
    spawner.spawn(platform::raw_tcp_task(stack)).unwrap();
    spawner.spawn(clients::ws_task(stack)).unwrap();
    spawner.spawn(clients::http_task(stack)).unwrap();
    spawner.spawn(clients::wss_task(stack)).unwrap();
    spawner.spawn(clients::https_task(stack)).unwrap();
}
