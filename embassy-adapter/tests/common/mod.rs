//! Test harness: two embassy-net stacks joined in-process by
//! `embassy-net-driver-channel` (IP medium), a parking `block_on`, and a hard timeout.
//! No sockets of the host are used: packets only move between the two channels.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake};
use std::thread::{self, Thread};

use embassy_futures::select::{select, Either};
use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_net_driver_channel as ch;
use embassy_time::{with_timeout, Duration};

pub const MTU: usize = 1500;
/// Documentation addresses (RFC 5737): they exist only inside this process.
pub const CLIENT_IP: Ipv4Address = Ipv4Address::new(192, 0, 2, 1);
pub const SERVER_IP: Ipv4Address = Ipv4Address::new(192, 0, 2, 2);

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Poll `fut` on this thread, parking between wake-ups.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Arc::new(ThreadWaker(thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

fn leak<T>(v: T) -> &'static mut T {
    Box::leak(Box::new(v))
}

fn stack(
    ip: Ipv4Address,
    seed: u64,
) -> (Stack<'static>, embassy_net::Runner<'static, ch::Device<'static, MTU>>, ch::Runner<'static, MTU>) {
    let state = leak(ch::State::<MTU, 8, 8>::new());
    let (runner, device) = ch::new(state, ch::driver::HardwareAddress::Ip);
    let config = Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ip, 24),
        gateway: None,
        // The client asks the server stack for names (see the DNS test).
        dns_servers: [SERVER_IP].into_iter().filter(|dns| *dns != ip).collect(),
    });
    let (stack, net_runner) = embassy_net::new(device, config, leak(StackResources::<4>::new()), seed);
    (stack, net_runner, runner)
}

/// Move every packet one channel transmits into the other's receive queue.
async fn pump(mut from: ch::TxRunner<'static, MTU>, mut to: ch::RxRunner<'static, MTU>) -> ! {
    loop {
        let packet = from.tx_buf().await;
        let buf = to.rx_buf().await;
        let len = packet.len();
        buf[..len].copy_from_slice(packet);
        to.rx_done(len);
        from.tx_done();
    }
}

/// Run `test(client_stack, server_stack)` with both stacks running, within a hard
/// timeout of `secs` seconds (the test fails if it is exceeded).
pub fn run<F, Fut, T>(secs: u64, test: F) -> T
where
    F: FnOnce(Stack<'static>, Stack<'static>) -> Fut,
    Fut: Future<Output = T>,
{
    let (client, mut client_net, client_dev) = stack(CLIENT_IP, 1);
    let (server, mut server_net, server_dev) = stack(SERVER_IP, 2);
    let (client_state, client_rx, client_tx) = client_dev.split();
    let (server_state, server_rx, server_tx) = server_dev.split();
    client_state.set_link_state(ch::driver::LinkState::Up);
    server_state.set_link_state(ch::driver::LinkState::Up);
    let background = async {
        embassy_futures::join::join4(
            client_net.run(),
            server_net.run(),
            pump(client_tx, server_rx),
            pump(server_tx, client_rx),
        )
        .await;
    };
    let body = async {
        client.wait_config_up().await;
        server.wait_config_up().await;
        test(client, server).await
    };
    block_on(async {
        match select(background, with_timeout(Duration::from_secs(secs), body)).await {
            Either::First(()) => unreachable!("the stacks never stop"),
            Either::Second(Ok(v)) => v,
            Either::Second(Err(_)) => panic!("test exceeded its hard timeout of {secs} s"),
        }
    })
}

/// A small deterministic RNG for masking keys in tests (the library takes any
/// `RngCore`; firmware passes its hardware RNG).
pub fn rng(seed: u64) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(seed)
}
