//! HTTP/1.1 REST client: one keep-alive connection ([`HttpConnection`]) and a
//! self-healing pool of them ([`ClientPool`]).
//!
//! Requests are written by the core's [`RequestWriter`](nexus_net::http::RequestWriter)
//! and responses parsed by its [`ResponseReader`](nexus_net::http::ResponseReader),
//! both over buffers allocated once per connection; this module only moves the
//! bytes, keeps time, and decides when a connection must be replaced. Errors are
//! [`RestError`](nexus_net::rest::RestError).
//!
//! ```no_run
//! use nexus_async_net::rest::ClientPool;
//! use nexus_net::rest::RestError;
//!
//! async fn price(pool: &ClientPool) -> Result<Vec<u8>, RestError> {
//!     let mut slot = pool.acquire().await?;
//!     let s = &mut *slot;
//!     let req = s.writer.get("/ticker/price").query("symbol", "BTCUSDT").finish()?;
//!     let (conn, reader) = s.conn_and_reader()?;
//!     let resp = conn.send(req, reader).await?;
//!     Ok(resp.body().to_vec())
//! }
//! ```

/// `tracing` events of the REST client (compiled out without the `tracing` feature).
macro_rules! rest_debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        ::tracing::debug!($($arg)*);
    }};
}

macro_rules! rest_warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        ::tracing::warn!($($arg)*);
    }};
}

mod clock;
mod connection;
mod pool;
mod transport;

pub use connection::{HttpConnection, HttpConnectionBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use pool::{
    ClientPool, ClientPoolBuilder, Conn, Slot, SlotGuard, DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_BACKOFF_MAX,
    DEFAULT_BACKOFF_MIN, DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT, DEFAULT_RESPONSE_BUFFER_CAPACITY,
    DEFAULT_WRITE_BUFFER_CAPACITY,
};
