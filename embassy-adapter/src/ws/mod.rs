//! WebSocket client (RFC 6455), client role, over any [`Transport`](crate::Transport).
//!
//! [`WsClientBuilder`] sets buffer limits, timeouts, subprotocols and headers, then
//! connects: by URL over an embassy-net stack (`connect`, `connect_tls`), or over a
//! transport the caller has (`connect_with`). [`WsClient`] receives
//! [`Message`]s borrowed from the caller's read buffer and
//! sends text, binary, ping, pong and close. Frames are parsed, validated and
//! encoded by [`nexus_net::ws`].

mod builder;
mod client;
mod error;

pub use builder::{WsClientBuilder, MIN_WRITE_BUFFER};
pub use client::WsClient;
pub use error::WsError;
pub use nexus_net::ws::{CloseCode, CloseFrame, ControlPayload, Message};
