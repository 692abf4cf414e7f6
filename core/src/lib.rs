//! # nexus-net
//!
//! Sans-IO WebSocket (RFC 6455) and HTTP/1.1 client codecs for `#![no_std]` targets
//! without an allocator. Every protocol decision of the nexus-net stack lives here;
//! the tokio adapter (`nexus-async-net`) and the embassy adapter (`nexus-embassy-net`)
//! only move bytes between sockets and the buffers of this crate.
//!
//! - [`ws`]: frame reader and writer for both roles, zero-copy [`ws::Message`],
//!   handshake codec, [`ws::CloseCode`].
//! - [`http`] and [`rest`]: HTTP/1.1 request writer and response reader.
//! - [`url`]: `ws://`, `wss://`, `http://`, `https://` URL parsing.
//! - [`simd`]: SIMD WebSocket masking (SSE2/AVX2/NEON, word-wise fallback).
//! - `tls` (feature `tls`): rustls client and server configuration for the std adapters.
//!
//! Features: `std` (error traits, runtime SIMD detection, `Vec`-backed buffers),
//! `tls` (implies `std`; rustls 0.23 with the `ring` provider),
//! `defmt` (`defmt::Format` on public types and logging).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod fmt;

pub mod buf;
pub mod http;
pub mod rest;
pub mod simd;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;
pub mod url;
pub mod ws;

pub use rand_core;
