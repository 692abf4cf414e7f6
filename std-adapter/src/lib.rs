//! # nexus-async-net
//!
//! The tokio adapter of nexus-net. It moves bytes between tokio sockets and the codecs
//! of [`nexus_net`]; every protocol decision (framing, validation, close codes,
//! limits, the opening handshake) is made there.
//!
//! - [`ws`]: WebSocket client and server over `ws://` and `wss://`
//!   ([`ws::WsStreamBuilder`], [`ws::WsStream`], [`ws::WsError`]).
//!
//! - [`rest`]: HTTP/1.1 client over `http://` and `https://`: one keep-alive
//!   connection ([`rest::HttpConnection`]) and a self-healing pool
//!   ([`rest::ClientPool`]).
//!
//! Features: `tracing` (default): events for connect, handshake, close and protocol
//! errors through the `tracing` crate, never one per message.
#![warn(missing_docs)]

#[macro_use]
mod log;

pub mod connect;
mod io;
pub mod rest;
pub mod ws;
