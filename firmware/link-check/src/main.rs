//! Encodes a masked client message, decodes it in the server role, and answers the
//! ping it carried: the whole codec path, linked with no allocator.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nexus_net::rand_core::{impls, Error, RngCore};
use nexus_net::ws::{CloseCode, FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
use panic_halt as _;

/// Stands in for a hardware RNG peripheral.
struct XorShift(u32);

impl RngCore for XorShift {
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

static mut WIRE: [u8; 2048] = [0; 2048];
static mut READ: [u8; 2048] = [0; 2048];

#[entry]
fn main() -> ! {
    // SAFETY: `main` runs once and nothing else touches these buffers.
    let (wire, read) = unsafe { (&mut *core::ptr::addr_of_mut!(WIRE), &mut *core::ptr::addr_of_mut!(READ)) };
    let seed = unsafe { core::ptr::read_volatile(0x2000_0000 as *const u32) } | 1;
    let mut client = FrameWriter::new(Role::Client, XorShift(seed)).with_fragment_size(64);
    let mut n = client.encode_message(OpCode::Text, b"{\"op\":\"subscribe\",\"args\":[\"trades\"]}", wire).unwrap_or(0);
    n += client.encode_control(OpCode::Ping, b"hb", &mut wire[n..]).unwrap_or(0);
    n += client.encode_close(CloseCode::Normal, "bye", &mut wire[n..]).unwrap_or(0);

    let mut reader =
        FrameReader::new(Role::Server, &mut read[..], Limits { max_frame_size: 1024, max_message_size: 1024 });
    let mut server = FrameWriter::new(Role::Server, XorShift(1));
    let mut reply = [0u8; 256];
    let mut fed = 0;
    let mut text_len = 0;
    loop {
        match reader.advance() {
            Ok(Progress::Message) => match reader.message() {
                Some(Message::Text(t)) => text_len = t.len(),
                Some(Message::Ping(p)) => {
                    let _ = server.encode_control(OpCode::Pong, &p, &mut reply);
                }
                Some(Message::Close(c)) => {
                    let _ = server.encode_close(c.code(), "", &mut reply);
                    break;
                }
                _ => {}
            },
            Ok(Progress::NeedMore) if fed < n => {
                let spare = reader.spare();
                let k = spare.len().min(n - fed).min(7);
                spare[..k].copy_from_slice(&wire[fed..fed + k]);
                reader.commit(k);
                fed += k;
            }
            _ => break,
        }
    }
    // Keep the results observable so nothing is optimised away.
    unsafe { core::ptr::write_volatile(0x2000_0004 as *mut usize, text_len + reply[0] as usize) };
    loop {
        core::hint::spin_loop();
    }
}
