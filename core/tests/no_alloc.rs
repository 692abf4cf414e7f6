//! The decode and encode paths allocate nothing: this test binary's global allocator
//! counts every allocation made while `COUNTING` is set.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::TestRng;
use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.with(|a| a.set(a.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(|a| a.get())
}

#[test]
fn encode_and_decode_allocate_nothing() {
    // Buffers are made before counting starts: they are the caller's.
    let mut wire = vec![0u8; 1 << 16];
    let mut read_buf = vec![0u8; 1 << 16];
    let payload = vec![0x5au8; 20_000];
    let n = allocations_in(|| {
        let mut writer = FrameWriter::new(Role::Client, TestRng(9)).with_fragment_size(4096);
        let mut at = 0;
        at += writer.encode_message(OpCode::Text, "hello, world".as_bytes(), &mut wire[at..]).unwrap();
        at += writer.encode_control(OpCode::Ping, b"ping", &mut wire[at..]).unwrap();
        at += writer.encode_message(OpCode::Binary, &payload, &mut wire[at..]).unwrap();
        at += writer.encode_close(nexus_net::ws::CloseCode::Normal, "bye", &mut wire[at..]).unwrap();

        let mut reader = FrameReader::new(Role::Server, &mut read_buf[..], Limits::default());
        let mut fed = 0;
        let mut seen = 0;
        loop {
            match reader.advance().unwrap() {
                Progress::Message => {
                    seen += 1;
                    if let Some(Message::Close(_)) = reader.message() {
                        break;
                    }
                }
                Progress::NeedMore => {
                    let spare = reader.spare();
                    let k = spare.len().min(at - fed).min(1000);
                    spare[..k].copy_from_slice(&wire[fed..fed + k]);
                    reader.commit(k);
                    fed += k;
                }
            }
        }
        assert_eq!(seen, 4);
    });
    assert_eq!(n, 0, "the codec allocated {n} times");
}

#[test]
fn the_counter_counts() {
    // Guard against a test that cannot fail: an allocation inside is seen.
    let n = allocations_in(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(n, 1);
}
