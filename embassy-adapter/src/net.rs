//! Name resolution and TCP connect over an embassy-net [`Stack`], and the error of
//! connection setup shared by both clients.

use core::fmt;

use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::{ConnectError as TcpConnectError, TcpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use nexus_net::rest::{IoErrorKind, RestError, TlsError};

/// Why a connection could not be set up (DNS, TCP, TLS), before any protocol byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConnectError {
    /// The host name could not be resolved (no DNS server configured, no answer,
    /// or no address of the wanted family).
    Dns,
    /// The TCP connection failed: `ConnectionRefused` (the peer answered with a
    /// reset), `TimedOut` (the TCP handshake timed out), `AddrNotAvailable` (no
    /// route), `InvalidInput` (the socket was already in use), or a transport error
    /// during the TLS handshake.
    Io(IoErrorKind),
    /// The TLS handshake failed; see [`TlsError`].
    Tls(TlsError),
    /// The whole setup took longer than the connect timeout.
    Timeout,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns => f.write_str("DNS resolution failed"),
            Self::Io(k) => write!(f, "connect failed: {k}"),
            Self::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Self::Timeout => f.write_str("connect timed out"),
        }
    }
}

impl core::error::Error for ConnectError {}

impl From<ConnectError> for RestError {
    /// `Tls(e)` becomes [`RestError::Tls`]; the others become [`RestError::Io`] with
    /// kind `NotFound` (DNS), `TimedOut` (timeout) or the transport's kind.
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Dns => RestError::io_kind(IoErrorKind::NotFound),
            ConnectError::Io(k) => RestError::io_kind(k),
            ConnectError::Tls(t) => RestError::Tls(t),
            ConnectError::Timeout => RestError::io_kind(IoErrorKind::TimedOut),
        }
    }
}

/// The address of `host`: an IP literal as is, a name through the stack's DNS
/// client (IPv4 `A` record; `AAAA` for hosts that contain `:`).
///
/// # Errors
/// [`ConnectError::Dns`] when the name can't be resolved.
pub async fn resolve(stack: Stack<'_>, host: &str) -> Result<IpAddress, ConnectError> {
    let qtype = if host.bytes().any(|b| b == b':') { DnsQueryType::Aaaa } else { DnsQueryType::A };
    match stack.dns_query(host, qtype).await {
        Ok(addrs) => addrs.first().copied().ok_or(ConnectError::Dns),
        Err(_) => {
            debug!("dns query failed");
            Err(ConnectError::Dns)
        }
    }
}

/// The receive and transmit buffers of a TCP socket (their sizes are the TCP windows).
pub struct TcpBuffers<'a> {
    /// Receive buffer.
    pub rx: &'a mut [u8],
    /// Transmit buffer.
    pub tx: &'a mut [u8],
}

impl core::fmt::Debug for TcpBuffers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpBuffers").field("rx", &self.rx.len()).field("tx", &self.tx.len()).finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for TcpBuffers<'_> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "TcpBuffers {{ rx: {=usize}, tx: {=usize} }}", self.rx.len(), self.tx.len())
    }
}

/// Resolve `host` and open a TCP connection to `port` on a new socket over the
/// caller's receive and transmit buffers (their sizes are the TCP windows).
///
/// No timeout of its own: the clients' builders bound it with their connect
/// timeout; wrap it in [`embassy_time::with_timeout`] when calling it directly.
///
/// # Errors
/// [`ConnectError::Dns`], or [`ConnectError::Io`] with the TCP failure.
pub async fn connect_tcp<'a>(
    stack: Stack<'a>,
    host: &str,
    port: u16,
    rx_buffer: &'a mut [u8],
    tx_buffer: &'a mut [u8],
) -> Result<TcpSocket<'a>, ConnectError> {
    let addr = resolve(stack, host).await?;
    let mut socket = TcpSocket::new(stack, rx_buffer, tx_buffer);
    debug!("tcp connect to port {}", port);
    socket.connect(IpEndpoint::new(addr, port)).await.map_err(|e| {
        ConnectError::Io(match e {
            TcpConnectError::ConnectionReset => IoErrorKind::ConnectionRefused,
            TcpConnectError::TimedOut => IoErrorKind::TimedOut,
            TcpConnectError::NoRoute => IoErrorKind::AddrNotAvailable,
            TcpConnectError::InvalidState => IoErrorKind::InvalidInput,
        })
    })?;
    Ok(socket)
}
