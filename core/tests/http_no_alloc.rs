//! The request writer and the response reader never allocate: a counting global
//! allocator, armed on the test's own thread only, sees zero allocations while a
//! request is written and responses (Content-Length, chunked, pipelined, 1xx,
//! read-to-close, malformed) are parsed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;

use nexus_net::http::{Progress, RequestWriter, ResponseReader};

struct Counting;

thread_local! {
    // `const` thread-locals need no lazy initialisation, so touching them from inside
    // the allocator can't recurse into it. The count is per thread too: tests run in
    // parallel, and one test's deliberate allocation must not land in another's window.
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with the counter armed and returns how many allocations it made.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (ALLOCATIONS.with(Cell::get) - before, r)
}

#[test]
fn the_counter_can_fail() {
    // Guards the guard: an allocation in the armed region is seen.
    let (n, v) = allocations_in(|| vec![1u8; 64]);
    assert_eq!(v.len(), 64);
    assert!(n >= 1);
}

#[test]
fn writing_requests_allocates_nothing() {
    let mut storage = [0u8; 4096];
    let (n, total) = allocations_in(|| {
        let mut w = RequestWriter::new(&mut storage[..], "api.binance.com", 443, true).unwrap();
        w.set_base_path("/api/v3").unwrap();
        w.default_header("X-MBX-APIKEY", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A").unwrap();
        let mut total = 0;
        for i in 0..100u32 {
            let b = w
                .post("/order")
                .query("symbol", "BTCUSDT")
                .query("side", "BUY")
                .query("quantity", "0.001")
                .query("price", "65 000/1");
            let sig = [b'a'; 64];
            let sig = core::str::from_utf8(&sig).unwrap();
            let req = b
                .query("signature", sig)
                .header("Content-Type", "application/json")
                .body_writer(|bw| write!(bw, "{{\"i\":{i},\"px\":{}}}", 1.5f64 * f64::from(i)));
            let req = req.finish().unwrap();
            total += w.bytes(&req).unwrap().len();
            let req = w.get("/depth").query("symbol", "BTCUSDT").query("limit", "5").finish().unwrap();
            total += w.bytes(&req).unwrap().len();
            // Errors are allocation-free as well.
            assert!(w.get("/x\r\n").finish().is_err());
        }
        total
    });
    assert!(total > 0);
    assert_eq!(n, 0, "request writing allocated {n} times");
}

#[test]
fn parsing_responses_allocates_nothing() {
    let wire: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-MBX-USED-WEIGHT: 1\r\n\r\n{\"ok\":true}\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n\
HTTP/1.1 204 No Content\r\n\r\n\
HTTP/1.0 200 OK\r\n\r\nto the end";
    let mut storage = [0u8; 512];
    let (n, bodies) = allocations_in(|| {
        let mut bodies = [0usize; 8];
        for step in [1usize, 7, 512] {
            let mut r = ResponseReader::new(&mut storage[..]);
            let mut input = wire;
            let mut i = 0;
            r.begin(false);
            loop {
                match r.advance().unwrap() {
                    Progress::Complete => {
                        let resp = r.response();
                        bodies[i] = resp.body().len();
                        assert!(resp.header("content-length").is_some() || resp.headers().len() < 3);
                        i += 1;
                        r.begin(false);
                    }
                    Progress::NeedMore if input.is_empty() => {
                        assert_eq!(r.eof().unwrap(), Progress::Complete);
                        bodies[i] = r.response().body().len();
                        break;
                    }
                    Progress::NeedMore => {
                        let spare = r.spare();
                        let k = spare.len().min(input.len()).min(step);
                        spare[..k].copy_from_slice(&input[..k]);
                        r.commit(k);
                        input = &input[k..];
                    }
                }
            }
            // Malformed input: the error path allocates nothing either.
            r.reset();
            assert!(r.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").is_err());
            r.reset();
            assert!(r.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
        }
        bodies
    });
    assert_eq!(&bodies[..4], &[11, 11, 0, 10]);
    assert_eq!(n, 0, "response parsing allocated {n} times");
}

#[cfg(feature = "std")]
#[test]
fn growable_storage_allocates_only_to_grow() {
    let mut w = RequestWriter::new(Vec::with_capacity(0), "h.io", 80, false).unwrap();
    let _ = w.get("/warm-up").body(&[0u8; 2000]).finish().unwrap();
    let (n, _) = allocations_in(|| {
        for _ in 0..100 {
            let req = w.post("/x").body(&[1u8; 1500]).finish().unwrap();
            assert!(w.bytes(&req).is_ok());
        }
    });
    assert_eq!(n, 0, "a grown Vec is reused without allocating");
}
