//! WebSocket (RFC 6455) over tokio: client (`ws://`, `wss://`) and server.
//!
//! - [`WsStreamBuilder`]: options; [`connect`](WsStreamBuilder::connect),
//!   [`connect_with`](WsStreamBuilder::connect_with), [`accept`](WsStreamBuilder::accept).
//! - [`WsStream`]: [`recv`](WsStream::recv) borrowed messages, `send_*`,
//!   [`close`](WsStream::close), [`split`](WsStream::split) into [`WsReader`] and
//!   [`WsWriter`] (with `futures` `Stream`/`Sink` adapters of [`OwnedMessage`]).
//! - [`WsError`]: everything that can go wrong, matchable.
//!
//! Messages are [`nexus_net::ws::Message`]; close codes [`nexus_net::ws::CloseCode`].
//!
//! ```no_run
//! use nexus_async_net::ws::{WsStreamBuilder, WsError};
//! use nexus_net::ws::{CloseCode, Message};
//!
//! # async fn run() -> Result<(), WsError> {
//! let mut ws = WsStreamBuilder::new().disable_nagle().connect("ws://127.0.0.1:9001/feed").await?;
//! ws.send_text("subscribe").await?;
//! while let Some(message) = ws.recv().await? {
//!     match message {
//!         Message::Text(text) => println!("{text}"),
//!         Message::Binary(bytes) => println!("{} bytes", bytes.len()),
//!         Message::Ping(data) => ws.send_pong(data).await?,
//!         Message::Pong(_) => {}
//!         Message::Close(_) => {}
//!     }
//! }
//! # let _ = CloseCode::Normal;
//! # Ok(()) }
//! ```

mod builder;
#[cfg(feature = "deflate")]
pub(crate) mod deflate;
mod error;
mod lock;
mod split;
mod stream;

pub use builder::WsStreamBuilder;
pub use error::WsError;
pub use split::{MessageSink, MessageStream, OwnedMessage, WsReader, WsWriter};
pub use stream::WsStream;

pub use crate::connect::MaybeTlsStream;
#[cfg(feature = "deflate")]
pub use nexus_net::ws::deflate::{DeflateConfig, DeflateParams};
pub use nexus_net::ws::handshake::UpgradeRequest;
pub use nexus_net::ws::{CloseCode, CloseFrame, Message, Role};
