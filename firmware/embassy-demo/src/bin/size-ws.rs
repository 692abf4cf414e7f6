//! Size measurement (ws): the platform and raw TCP, plus: ws_task.
#![no_std]
#![no_main]

#[path = "../clients.rs"]
#[allow(dead_code)]
mod clients;
#[path = "../platform.rs"]
mod platform;

use embassy_executor::Spawner;
use panic_halt as _;

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let stack = platform::init(&spawner).await;
    spawner.spawn(platform::raw_tcp_task(stack)).unwrap();
    spawner.spawn(clients::ws_task(stack)).unwrap();
}
