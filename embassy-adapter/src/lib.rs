//! # nexus-embassy-net
//!
//! WebSocket and HTTP/1.1 clients for [embassy-net](embassy_net) stacks, with no
//! allocator. Every protocol decision comes from [`nexus_net`] (the sans-IO core); this
//! crate only moves bytes between a transport and the core's buffers, and awaits.
//!
//! The I/O code is written once, generic over [`Transport`] (an
//! [`embedded_io_async::Read`] + [`embedded_io_async::Write`] that can also half-close),
//! so the same clients run over an [`embassy_net::tcp::TcpSocket`], over a
//! [`tls::TlsStream`] (embedded-tls, TLS 1.3) on top of it, or over any other
//! transport a test provides.
//!
//! - [`ws`]: [`ws::WsClientBuilder`] and [`ws::WsClient`] (`recv`, `send_text`,
//!   `send_binary`, `send_ping`, `send_pong`, `close`).
//! - [`http`]: [`http::HttpClientBuilder`] and [`http::HttpClient`], one request at a
//!   time over a keep-alive connection, with the core's
//!   [`RequestWriter`](nexus_net::http::RequestWriter) and
//!   [`ResponseReader`](nexus_net::http::ResponseReader).
//! - [`net`]: DNS (through embassy-net when the host is a name) and TCP connect.
//! - [`tls`] (feature `tls`, on by default): TLS 1.3 with certificate verification
//!   (CA and host name) unless explicitly turned off with
//!   [`TlsConfig::danger_no_verify`](tls::TlsConfig::danger_no_verify).
//!
//! All buffers belong to the caller; nothing allocates. Randomness (TLS, WebSocket
//! masking keys) comes from the caller's [`rand_core`] RNG.
//!
//! Closing is graceful: the clients' `close` finishes the protocol's closing, then
//! half-closes the transport (TCP FIN, after TLS `close_notify`), waits until what was
//! written is acknowledged and reads until the peer's end of stream, because
//! embassy-net sends no FIN when a socket is merely dropped.
//!
//! ```no_run
//! use embassy_net::Stack;
//! use nexus_embassy_net::http::HttpClientBuilder;
//! use nexus_embassy_net::net::TcpBuffers;
//! use nexus_embassy_net::ws::{CloseCode, Message, WsClientBuilder};
//! use nexus_net::rand_core::RngCore;
//!
//! async fn feed(stack: Stack<'_>, rng: impl RngCore) -> Result<(), nexus_embassy_net::ws::WsError> {
//!     let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]); // TCP windows
//!     let (mut read_buf, mut write_buf) = ([0u8; 4096], [0u8; 512]);
//!     let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
//!     let mut ws = WsClientBuilder::new()
//!         .connect(stack, "ws://feed.example.com/stream", tcp, &mut read_buf, &mut write_buf, rng)
//!         .await?;
//!     ws.send_text(r#"{"op":"subscribe"}"#).await?;
//!     while let Some(message) = ws.recv().await? {
//!         match message {
//!             Message::Text(text) => { let _ = text; }
//!             Message::Ping(data) => ws.send_pong(data).await?,
//!             _ => {}
//!         }
//!     }
//!     ws.close(CloseCode::Normal, "").await
//! }
//!
//! async fn price(stack: Stack<'_>) -> Result<u16, nexus_net::rest::RestError> {
//!     let (mut rx, mut tx) = ([0u8; 2048], [0u8; 1024]);
//!     let (mut request_buf, mut response_buf) = ([0u8; 512], [0u8; 2048]);
//!     let tcp = TcpBuffers { rx: &mut rx, tx: &mut tx };
//!     let mut http = HttpClientBuilder::new()
//!         .connect(stack, "http://api.example.com", tcp, &mut request_buf, &mut response_buf)
//!         .await?;
//!     let req = http.writer().get("/api/v3/ticker/price").query("symbol", "BTCUSDT").finish()?;
//!     let status = http.send(req).await?.status();
//!     http.close().await?;
//!     Ok(status)
//! }
//! ```
//!
//! Features: `tls` (default), `defmt` (`defmt::Format` on public types and logging
//! through defmt; without it the crate logs nothing).
#![no_std]
#![warn(missing_docs)]

#[macro_use]
mod fmt;

pub mod http;
pub mod net;
#[cfg(feature = "tls")]
pub mod tls;
mod transport;
pub mod ws;

pub use embassy_time::Duration;
pub use nexus_net;
pub use transport::{Transport, Waiting};
