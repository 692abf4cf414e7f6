//! TLS 1.3 through embedded-tls (feature `tls`, on by default).
//!
//! [`TlsStream`] runs the handshake over any [`Transport`] (normally an embassy-net
//! `TcpSocket`) and is a [`Transport`] itself, so both clients run over it unchanged.
//! The server's certificate is verified by default: [`TlsConfig::new`] takes the
//! DER certificate of the CA to trust, and the host name dialled is checked against
//! the certificate's names. Skipping verification exists only as
//! [`TlsConfig::danger_no_verify`].
//!
//! What embedded-tls 0.19 (`rustpki`, no allocator) supports, and so what this
//! module supports: cipher suite `TLS_AES_128_GCM_SHA256`; ECDSA P-256 certificates
//! and signatures; one trusted CA, which must have signed the last certificate of
//! the chain the server sends; chains of up to [`MAX_CERT_CHAIN`] bytes. Expiry is
//! not checked (a device without a wall clock can't), and host names are matched
//! against DNS names only (not IP addresses).

use core::fmt;

use embedded_io::{Error as _, ErrorKind};
use embedded_io_async::{ErrorType, Read, Write};
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, NoClock, TlsConnection, TlsContext, TlsError as EtlsError,
    TlsVerifier, UnsecureProvider,
};
use nexus_net::rand_core::{CryptoRng, CryptoRngCore, RngCore};
use nexus_net::rest::{IoErrorKind, TlsError};

use crate::net::ConnectError;
use crate::transport::{kind_of, Transport};

/// The largest certificate chain (all certificates the server sends, DER) that can
/// be verified. The verifier holds a copy during the handshake (on the stack of the
/// connect future, not in the connection).
pub const MAX_CERT_CHAIN: usize = 4096;

/// The cipher suite used: the one every TLS 1.3 server must support.
type Suite = Aes128GcmSha256;

/// How to authenticate the server.
///
/// ```
/// use nexus_embassy_net::tls::TlsConfig;
///
/// static CA_DER: &[u8] = &[/* the DER certificate of your CA, e.g. include_bytes!("ca.der") */];
/// let verified = TlsConfig::new(CA_DER).alpn(&[b"http/1.1"]);
/// assert!(verified.verifies());
/// assert!(!TlsConfig::danger_no_verify().verifies());
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TlsConfig<'a> {
    ca: Option<&'a [u8]>,
    alpn: Option<&'a [&'a [u8]]>,
}

impl<'a> TlsConfig<'a> {
    /// Verify the server: its certificate chain must lead to `ca_der` (a DER X.509
    /// certificate) and name the host dialled.
    pub const fn new(ca_der: &'a [u8]) -> Self {
        Self { ca: Some(ca_der), alpn: None }
    }

    /// **No verification at all**: any certificate for any name is accepted, so an
    /// active attacker can read and change everything. For tests and for networks
    /// where the peer is authenticated otherwise.
    pub const fn danger_no_verify() -> Self {
        Self { ca: None, alpn: None }
    }

    /// Offer these ALPN protocols (e.g. `&[b"http/1.1"]`); default none.
    pub const fn alpn(mut self, protocols: &'a [&'a [u8]]) -> Self {
        self.alpn = Some(protocols);
        self
    }

    /// Whether the server's certificate is verified.
    pub const fn verifies(&self) -> bool {
        self.ca.is_some()
    }
}

/// The TLS record buffers. `record_read` must hold the largest record the server
/// sends: 16 640 bytes is always enough (servers send full 16 KiB records).
/// `record_write` bounds the records written (at least a few hundred bytes; 4 KiB
/// is plenty). The larger of the two also holds the handshake messages.
pub struct TlsBuffers<'a> {
    /// Buffer for incoming records.
    pub record_read: &'a mut [u8],
    /// Buffer for outgoing records.
    pub record_write: &'a mut [u8],
}

/// A TLS 1.3 client stream over transport `T`: a [`Transport`] itself.
///
/// Reads return `Ok(0)` after the server's `close_notify`. [`Transport::shutdown`]
/// sends `close_notify`, then shuts the inner transport down; after it, reads drain
/// the inner transport (raw) until its end of stream.
///
/// Known limitation of embedded-tls 0.19: once the server's `close_notify` has been
/// read, the connection forgets its keys, so the `close_notify` that `shutdown`
/// sends afterwards goes out unencrypted. The server has finished its side by
/// then; the FIN and the drain to end of stream that follow are unaffected.
pub struct TlsStream<'a, T: Transport + 'a> {
    state: Stream<'a, T>,
}

#[allow(clippy::large_enum_variant)] // no allocator to box it; the open state is the common one
enum Stream<'a, T: Transport + 'a> {
    Open(TlsConnection<'a, T, Suite>),
    ShutDown(T),
    /// Only while changing state, or after a failed `close_notify`.
    Gone,
}

impl<'a, T: Transport + 'a> TlsStream<'a, T> {
    /// Run the TLS 1.3 handshake over `io` for `server_name` (sent as SNI and, with
    /// verification on, checked against the certificate). `rng` draws the key share
    /// and nonces: use a hardware RNG or a CSPRNG.
    ///
    /// No timeout of its own: the builders bound it with their connect timeout.
    ///
    /// # Errors
    /// [`ConnectError::Tls`]: `BadCertificate` when the certificate does not verify
    /// (wrong CA, or not valid for `server_name`: embedded-tls does not tell the two
    /// apart), `Alert(code)` when the server aborted, `HandshakeFailed` otherwise
    /// (unsupported algorithms, a chain over [`MAX_CERT_CHAIN`]);
    /// [`ConnectError::Io`] when the transport failed.
    pub async fn connect<R: RngCore + CryptoRng>(
        io: T,
        server_name: &str,
        config: &TlsConfig<'_>,
        buffers: TlsBuffers<'a>,
        rng: &mut R,
    ) -> Result<Self, ConnectError> {
        let mut conn = TlsConnection::new(io, buffers.record_read, buffers.record_write);
        let mut tls = embedded_tls::TlsConfig::new().with_server_name(server_name);
        if let Some(alpn) = config.alpn {
            tls = tls.with_alpn(alpn);
        }
        let opened = match config.ca {
            Some(ca) => {
                let provider = Verifying { rng, verifier: CertVerifier::new(Certificate::X509(ca)) };
                conn.open(TlsContext::new(&tls, provider)).await
            }
            None => {
                warn!("TLS certificate verification is OFF (danger_no_verify)");
                conn.open(TlsContext::new(&tls, UnsecureProvider::new::<Suite>(rng))).await
            }
        };
        opened.map_err(handshake_error)?;
        debug!("tls handshake complete");
        Ok(Self { state: Stream::Open(conn) })
    }
}

/// A provider that verifies the server with one CA (embedded-tls skips
/// verification when the provider has no verifier, so one is always given here).
struct Verifying<'r, 'c, R> {
    rng: &'r mut R,
    verifier: CertVerifier<'c, Suite, NoClock, MAX_CERT_CHAIN>,
}

impl<R: RngCore + CryptoRng> CryptoProvider for Verifying<'_, '_, R> {
    type CipherSuite = Suite;
    type Signature = &'static [u8];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut *self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Suite>, EtlsError> {
        Ok(&mut self.verifier)
    }
}

fn handshake_error(e: EtlsError) -> ConnectError {
    debug!("tls handshake failed");
    ConnectError::Tls(match e {
        EtlsError::Io(kind) => return ConnectError::Io(kind_of(&kind)),
        EtlsError::IoError | EtlsError::ConnectionClosed => return ConnectError::Io(IoErrorKind::ConnectionAborted),
        EtlsError::InvalidCertificate | EtlsError::InvalidSignature | EtlsError::InvalidCertificateEntry => {
            TlsError::BadCertificate
        }
        EtlsError::HandshakeAborted(_, description) => TlsError::Alert(description as u8),
        _ => TlsError::HandshakeFailed,
    })
}

/// The transport error kind for a TLS failure after the handshake.
fn io_kind(e: EtlsError) -> ErrorKind {
    match e {
        EtlsError::Io(kind) => kind,
        // The transport ended in the middle of a record, or without close_notify.
        EtlsError::IoError => ErrorKind::ConnectionAborted,
        _ => ErrorKind::InvalidData,
    }
}

impl<'a, T: Transport + 'a> ErrorType for TlsStream<'a, T> {
    type Error = ErrorKind;
}

impl<'a, T: Transport + 'a> Read for TlsStream<'a, T> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        match &mut self.state {
            Stream::Open(conn) => match conn.read(buf).await {
                Ok(n) => Ok(n),
                Err(EtlsError::ConnectionClosed) => Ok(0),
                Err(e) => Err(io_kind(e)),
            },
            Stream::ShutDown(io) => io.read(buf).await.map_err(|e| e.kind()),
            Stream::Gone => Ok(0),
        }
    }
}

impl<'a, T: Transport + 'a> Write for TlsStream<'a, T> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        match &mut self.state {
            Stream::Open(conn) => conn.write(buf).await.map_err(io_kind),
            _ => Err(ErrorKind::BrokenPipe),
        }
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        match &mut self.state {
            Stream::Open(conn) => conn.flush().await.map_err(io_kind),
            _ => Ok(()),
        }
    }
}

impl<'a, T: Transport + 'a> Transport for TlsStream<'a, T> {
    async fn shutdown(&mut self) -> Result<(), ErrorKind> {
        match core::mem::replace(&mut self.state, Stream::Gone) {
            Stream::Open(conn) => {
                let (mut io, notified) = match conn.close().await {
                    Ok(io) => (io, Ok(())),
                    Err((io, e)) => (io, Err(io_kind(e))),
                };
                let done = io.shutdown().await.map_err(|e| e.kind());
                self.state = Stream::ShutDown(io);
                notified.and(done)
            }
            other => {
                self.state = other;
                Ok(())
            }
        }
    }
}

impl<'a, T: Transport + 'a> TlsStream<'a, T> {
    fn state_name(&self) -> &'static str {
        match self.state {
            Stream::Open(_) => "open",
            Stream::ShutDown(_) => "shut down",
            Stream::Gone => "gone",
        }
    }
}

impl<'a, T: Transport + 'a> fmt::Debug for TlsStream<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream").field("state", &self.state_name()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<'a, T: Transport + 'a> defmt::Format for TlsStream<'a, T> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "TlsStream {{ state: {=str} }}", self.state_name())
    }
}

impl fmt::Debug for TlsBuffers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsBuffers")
            .field("record_read", &self.record_read.len())
            .field("record_write", &self.record_write.len())
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for TlsBuffers<'_> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(
            f,
            "TlsBuffers {{ record_read: {=usize}, record_write: {=usize} }}",
            self.record_read.len(),
            self.record_write.len()
        )
    }
}
