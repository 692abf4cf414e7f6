//! What a server's send of an N-byte payload costs the sending thread over loopback
//! TCP, two ways: (copy) header and payload copied into one buffer, one `write`;
//! (vectored) header and payload from where they are, one `writev`. Picks
//! nexus-async-net's `DIRECT_WRITE_MIN`. CPU time of the writing thread
//! (`CLOCK_THREAD_CPUTIME_ID`, user + system), so the reader thread and other load on the
//! machine count little; the two ways alternate in short slices, and a copy-vs-copy
//! A/A slice shows the noise. `write_copy_vs_vectored SIZES ROUNDS MESSAGES [LANES]`: with LANES > 1 every message
//! takes the next of LANES payloads and write buffers (as 50 connections would), so
//! the copy's cache footprint counts.

use std::io::{IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn thread_cpu() -> Duration {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `ts` is a valid timespec to fill in.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args[1].split(',').map(|s| s.parse().unwrap()).collect();
    let rounds: usize = args[2].parse().unwrap();
    let messages: usize = args[3].parse().unwrap();
    let lanes: usize = args.get(4).map_or(1, |l| l.parse().unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut tx = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut rx, _) = listener.accept().unwrap();
    tx.set_nodelay(true).unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        while rx.read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
    });
    let header = [0x82u8, 126, 0, 0];
    println!("| payload | copy + write ns | writev ns | writev / copy | A/A copy / copy |");
    println!("|---:|---:|---:|---:|---:|");
    for &size in &sizes {
        let payloads = vec![vec![0x5au8; size]; lanes];
        let mut wbufs = vec![vec![0u8; 64 << 10]; lanes];
        let mut ratios = Vec::new();
        let mut aa = Vec::new();
        let (mut sum_copy, mut sum_vec) = (0.0, 0.0);
        for round in 0..rounds {
            let mut slice = |vectored: bool| {
                let start = thread_cpu();
                for i in 0..messages {
                    let payload = &payloads[i % lanes];
                    let wbuf = &mut wbufs[i % lanes];
                    if vectored {
                        let mut slices = [IoSlice::new(&header), IoSlice::new(payload)];
                        let mut rest = &mut slices[..];
                        while !rest.is_empty() {
                            let n = tx.write_vectored(rest).unwrap();
                            IoSlice::advance_slices(&mut rest, n);
                        }
                    } else {
                        wbuf[..4].copy_from_slice(&header);
                        wbuf[4..4 + size].copy_from_slice(std::hint::black_box(payload));
                        tx.write_all(&wbuf[..4 + size]).unwrap();
                    }
                }
                (thread_cpu() - start).as_nanos() as f64 / messages as f64
            };
            let (c, v, c2) = if round % 2 == 0 {
                let c = slice(false);
                let v = slice(true);
                (c, v, slice(false))
            } else {
                let c2 = slice(false);
                let v = slice(true);
                (slice(false), v, c2)
            };
            sum_copy += c;
            sum_vec += v;
            ratios.push(v / c);
            aa.push(c2 / c);
        }
        ratios.sort_by(f64::total_cmp);
        aa.sort_by(f64::total_cmp);
        println!(
            "| {size} | {:.0} | {:.0} | {:.3} | {:.3} |",
            sum_copy / rounds as f64,
            sum_vec / rounds as f64,
            ratios[rounds / 2],
            aa[rounds / 2]
        );
    }
}
