//! What every binary of the demo shares: a stub network driver, a SysTick time
//! driver, a stand-in RNG, the embassy-net stack, and a raw-TCP task that links the
//! parts of embassy-net the clients use (the size baseline).

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Waker};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_net_driver::{Capabilities, HardwareAddress, LinkState};
use embassy_time_queue_utils::Queue;
use nexus_net::rand_core::{impls, CryptoRng, Error, RngCore};
use static_cell::StaticCell;

const CPU_HZ: u32 = 64_000_000;

// ---- network driver -------------------------------------------------------------

/// Stands in for the MAC/NIC driver of the board: an IP-medium device that never
/// receives and drops what it sends. The build must link, not run.
pub struct StubDriver;

pub struct StubRx;
pub struct StubTx;

impl embassy_net_driver::RxToken for StubRx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        f(&mut [])
    }
}

impl embassy_net_driver::TxToken for StubTx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = [0u8; 1514];
        f(&mut frame[..len.min(1514)])
    }
}

impl embassy_net_driver::Driver for StubDriver {
    type RxToken<'a> = StubRx;
    type TxToken<'a> = StubTx;

    fn receive(&mut self, _cx: &mut Context) -> Option<(StubRx, StubTx)> {
        None
    }
    fn transmit(&mut self, _cx: &mut Context) -> Option<StubTx> {
        Some(StubTx)
    }
    fn link_state(&mut self, _cx: &mut Context) -> LinkState {
        LinkState::Up
    }
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = 1500;
        caps
    }
    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ip
    }
}

// ---- time driver: SysTick at 1 kHz ------------------------------------------------

static TICKS: AtomicU32 = AtomicU32::new(0);

struct SysTickDriver {
    queue: Mutex<RefCell<Queue>>,
}

impl embassy_time_driver::Driver for SysTickDriver {
    fn now(&self) -> u64 {
        u64::from(TICKS.load(Ordering::Relaxed))
    }
    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            self.queue.borrow_ref_mut(cs).schedule_wake(at, waker);
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    queue: Mutex::new(RefCell::new(Queue::new())),
});

#[exception]
fn SysTick() {
    let now = u64::from(TICKS.fetch_add(1, Ordering::Relaxed) + 1);
    critical_section::with(|cs| {
        DRIVER.queue.borrow_ref_mut(cs).next_expiration(now);
    });
}

// ---- RNG -----------------------------------------------------------------------------

/// Stands in for the chip's hardware TRNG peripheral (xorshift: NOT
/// cryptographically secure; a real board reads its RNG registers here).
pub struct HwRng(u32);

impl HwRng {
    pub fn new() -> Self {
        // A real board seeds nothing: the TRNG is the source.
        Self(unsafe { core::ptr::read_volatile(0x2000_0000 as *const u32) } | 1)
    }
}

impl RngCore for HwRng {
    fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn next_u64(&mut self) -> u64 {
        impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Marks the stand-in as what the real TRNG is; see the type's docs.
impl CryptoRng for HwRng {}

// ---- stack -------------------------------------------------------------------------

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, StubDriver>) -> ! {
    runner.run().await
}

/// Start SysTick, bring up the stack (static address, a DNS server) and its task.
pub async fn init(spawner: &Spawner) -> Stack<'static> {
    let mut core = cortex_m::Peripherals::take().unwrap();
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(CPU_HZ / 1000 - 1);
    core.SYST.clear_current();
    core.SYST.enable_counter();
    core.SYST.enable_interrupt();

    static RESOURCES: StaticCell<StackResources<6>> = StaticCell::new();
    let mut dns_servers = heapless::Vec::new();
    let _ = dns_servers.push(Ipv4Address::new(192, 0, 2, 53));
    let config = Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(192, 0, 2, 10), 24),
        gateway: Some(Ipv4Address::new(192, 0, 2, 1)),
        dns_servers,
    });
    let seed = u64::from(HwRng::new().next_u32());
    let (stack, runner) = embassy_net::new(StubDriver, config, RESOURCES.init(StackResources::new()), seed);
    spawner.spawn(net_task(runner)).unwrap();
    stack.wait_config_up().await;
    stack
}

/// Raw embassy-net use (DNS, TCP connect, write, read, close): linked in every
/// binary, so that the size of each client is measured on top of it.
#[embassy_executor::task]
pub async fn raw_tcp_task(stack: Stack<'static>) {
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
    // Through black_box so that the name is not constant-folded into the parse.
    let host = core::hint::black_box("raw.example.com");
    let Ok(addrs) = stack.dns_query(host, DnsQueryType::A).await else { return };
    let Some(&addr) = addrs.first() else { return };
    let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
    if socket.connect((addr, 7)).await.is_err() {
        return;
    }
    let _ = socket.write(b"ping").await;
    let mut buf = [0u8; 64];
    let _ = socket.read(&mut buf).await;
    socket.close();
    let _ = socket.flush().await;
}
