//! The way to a connected transport: host name -> DNS -> TCP (with socket options)
//! -> TLS. Used by [`WsStreamBuilder::connect`](crate::ws::WsStreamBuilder::connect);
//! [`MaybeTlsStream`] is the transport it yields.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use nexus_net::tls::rustls::pki_types::ServerName;
use nexus_net::tls::TlsConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::ws::WsError;

/// A client transport: plain TCP (`ws://`) or TLS over TCP (`wss://`).
///
/// `WsStream` without a type parameter is `WsStream<MaybeTlsStream>`, what
/// [`connect`](crate::ws::WsStreamBuilder::connect) returns. Reads, writes (vectored
/// too) and shutdown go to the inner stream.
#[derive(Debug)]
pub enum MaybeTlsStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://` (boxed: a TLS session is large, and the enum moves around).
    Tls(Box<TlsStream<TcpStream>>),
}

impl MaybeTlsStream {
    /// The TCP stream underneath (e.g. for `peer_addr`).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(s) => s,
            Self::Tls(s) => s.get_ref().0,
        }
    }

    /// The negotiated ALPN protocol, if TLS negotiated one.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        match self {
            Self::Plain(_) => None,
            Self::Tls(s) => s.get_ref().1.alpn_protocol(),
        }
    }
}

impl AsyncRead for MaybeTlsStream {
    #[inline]
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTlsStream {
    #[inline]
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// TCP socket options applied to every connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TcpOptions {
    pub nodelay: bool,
    pub keepalive: Option<Duration>,
    pub recv_buffer: Option<usize>,
    pub send_buffer: Option<usize>,
}

/// Resolve `host` and connect to the first address that answers, with `opts`
/// applied (buffer sizes before the connect, so that window scaling sees them).
pub(crate) async fn tcp_connect(host: &str, port: u16, opts: &TcpOptions) -> io::Result<TcpStream> {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let mut last_err = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match tcp_connect_addr(addr, opts).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host name resolved to no address")))
}

async fn tcp_connect_addr(addr: SocketAddr, opts: &TcpOptions) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(n) = opts.recv_buffer {
        socket.set_recv_buffer_size(n.min(u32::MAX as usize) as u32)?;
    }
    if let Some(n) = opts.send_buffer {
        socket.set_send_buffer_size(n.min(u32::MAX as usize) as u32)?;
    }
    let stream = socket.connect(addr).await?;
    apply_stream_options(&stream, opts)?;
    Ok(stream)
}

/// Options that apply to a connected (or accepted) stream.
pub(crate) fn apply_stream_options(stream: &TcpStream, opts: &TcpOptions) -> io::Result<()> {
    if opts.nodelay {
        stream.set_nodelay(true)?;
    }
    if let Some(idle) = opts.keepalive {
        let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(idle);
        socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive)?;
    }
    Ok(())
}

/// TLS over `tcp` to `host` (SNI and certificate verification use it).
pub(crate) async fn tls_connect(tls: &TlsConfig, host: &str, tcp: TcpStream) -> Result<TlsStream<TcpStream>, WsError> {
    let name = ServerName::try_from(host.to_owned()).map_err(|_| WsError::InvalidDnsName(host.to_owned()))?;
    let connector = TlsConnector::from(tls.client_config().clone());
    Ok(connector.connect(name, tcp).await?)
}
