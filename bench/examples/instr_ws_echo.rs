//! Instructions per WebSocket echo round trip under callgrind (client and server, user
//! space; the kernel's share of the loopback is not counted), for one library:
//! `instr_ws_echo LIB SIZE N` does a handshake, 200 warm-up round trips, then N more.
//! `scripts/instr_ws_echo.py` runs it with N = 0 and N = 2000 and divides the
//! difference by 2000, which cancels the setup.
//!
//! LIB: `raw`, `nexus`, `nexus07`, `tungstenite`, `fastwebsockets`, `tokio-websockets`.

use bytes::Bytes;
use nexus_bench::ws_peers::{serve, Client, Lib};
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lib = Lib::from_name(&args[1]).expect("LIB");
    let size: usize = args[2].parse().expect("SIZE");
    let n: usize = args[3].parse().expect("N");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let (tcp, _) = listener.accept().await.unwrap();
            serve(lib, tcp).await;
        });
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut client = Client::connect(lib, addr).await;
        let payload = Bytes::from(vec![0x5au8; size]);
        for _ in 0..200 + n {
            black_box(client.echo(&payload).await);
        }
    });
    println!("round_trips={n}");
}
