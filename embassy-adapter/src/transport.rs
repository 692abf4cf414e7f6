//! [`Transport`]: the one I/O abstraction the clients are written against, and the
//! byte-moving loops they share.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use embassy_time::{with_deadline, with_timeout, Duration, Instant};
use embedded_io_async::{Read, Write};
use nexus_net::rest::IoErrorKind;

/// A byte stream the clients run over: [`embedded_io_async::Read`] +
/// [`embedded_io_async::Write`], plus a half-close.
///
/// Implemented for [`embassy_net::tcp::TcpSocket`], for
/// `TlsStream` (feature `tls`) over any `Transport`, and for `&mut T`. Implement it
/// for a test transport (a host pipe, a mock) to run the clients over it:
///
/// ```
/// use embedded_io_async::{ErrorType, Read, Write};
/// use nexus_embassy_net::http::HttpClientBuilder;
/// use nexus_embassy_net::Transport;
///
/// /// A scripted server: answers with canned bytes, records what it is sent.
/// struct Script {
///     reply: &'static [u8],
///     sent: Vec<u8>,
///     shut: bool,
/// }
/// impl ErrorType for Script {
///     type Error = embedded_io::ErrorKind;
/// }
/// impl Read for Script {
///     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
///         let n = buf.len().min(self.reply.len());
///         buf[..n].copy_from_slice(&self.reply[..n]);
///         self.reply = &self.reply[n..];
///         Ok(n) // 0 once the script is over: end of stream
///     }
/// }
/// impl Write for Script {
///     async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
///         self.sent.extend_from_slice(buf);
///         Ok(buf.len())
///     }
///     async fn flush(&mut self) -> Result<(), Self::Error> {
///         Ok(())
///     }
/// }
/// impl Transport for Script {
///     async fn shutdown(&mut self) -> Result<(), Self::Error> {
///         self.shut = true;
///         Ok(())
///     }
/// }
///
/// let io = Script { reply: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", sent: Vec::new(), shut: false };
/// let (mut request_buf, mut response_buf) = ([0u8; 256], [0u8; 256]);
/// let mut http = HttpClientBuilder::new().connect_with(io, "http://example.com", &mut request_buf, &mut response_buf)?;
/// embassy_futures::block_on(async {
///     let req = http.writer().get("/").finish()?;
///     assert_eq!(http.send(req).await?.body(), b"ok");
///     http.close().await
/// })?;
/// assert!(http.get_ref().shut);
/// assert_eq!(http.get_ref().sent, b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
/// # Ok::<(), nexus_net::rest::RestError>(())
/// ```
#[allow(async_fn_in_trait)] // embassy executors are single-threaded: no `Send` bound wanted
pub trait Transport: Read + Write {
    /// Close the write direction gracefully: send what is buffered, then end the
    /// stream (TCP FIN; TLS `close_notify` then FIN), and wait until everything
    /// written has been acknowledged. Reads keep working until the peer's end of
    /// stream.
    ///
    /// # Errors
    /// The transport's error when the data or the FIN could not be delivered.
    async fn shutdown(&mut self) -> Result<(), Self::Error>;

    /// What an idle connection has waiting to be read, as far as the transport can
    /// tell without reading: `None` when it can't (the default; TLS, whose records
    /// may carry no data). The HTTP client asks before each request, so that a
    /// connection the server closed, or sent bytes nobody asked for on, is refused
    /// instead of pairing the request with a wrong answer.
    fn waiting(&self) -> Option<Waiting> {
        None
    }
}

/// What [`Transport::waiting`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Waiting {
    /// Nothing: the connection is quiet.
    Nothing,
    /// Bytes.
    Bytes,
    /// The end of the stream: the peer closed its side.
    End,
}

impl Transport for embassy_net::tcp::TcpSocket<'_> {
    async fn shutdown(&mut self) -> Result<(), Self::Error> {
        // `close` queues a FIN after the pending data; `flush` waits for the ACKs.
        self.close();
        self.flush().await
    }

    /// Bytes or nothing: a FIN alone is found by the next read (which fails the
    /// exchange cleanly: the server got no request), saving a second socket lookup.
    fn waiting(&self) -> Option<Waiting> {
        Some(if self.can_recv() { Waiting::Bytes } else { Waiting::Nothing })
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    async fn shutdown(&mut self) -> Result<(), Self::Error> {
        T::shutdown(self).await
    }

    fn waiting(&self) -> Option<Waiting> {
        T::waiting(self)
    }
}

/// The core's transport error kind for an `embedded-io` error.
pub(crate) fn kind_of(e: &impl embedded_io::Error) -> IoErrorKind {
    use embedded_io::ErrorKind as E;
    match e.kind() {
        E::NotFound => IoErrorKind::NotFound,
        E::PermissionDenied => IoErrorKind::PermissionDenied,
        E::ConnectionRefused => IoErrorKind::ConnectionRefused,
        E::ConnectionReset => IoErrorKind::ConnectionReset,
        E::ConnectionAborted => IoErrorKind::ConnectionAborted,
        E::NotConnected => IoErrorKind::NotConnected,
        E::AddrInUse => IoErrorKind::AddrInUse,
        E::AddrNotAvailable => IoErrorKind::AddrNotAvailable,
        E::BrokenPipe => IoErrorKind::BrokenPipe,
        E::AlreadyExists => IoErrorKind::AlreadyExists,
        E::InvalidInput => IoErrorKind::InvalidInput,
        E::InvalidData => IoErrorKind::InvalidData,
        E::TimedOut => IoErrorKind::TimedOut,
        E::Interrupted => IoErrorKind::Interrupted,
        E::Unsupported => IoErrorKind::Unsupported,
        E::OutOfMemory => IoErrorKind::OutOfMemory,
        E::WriteZero => IoErrorKind::WriteZero,
        _ => IoErrorKind::Other,
    }
}

/// Why moving bytes failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IoFail {
    Io(IoErrorKind),
    Timeout,
}

/// A future whose `poll` is one out-of-line function: awaited from several places,
/// its state machine is linked once instead of being inlined into every caller's.
pub(crate) struct Outlined<F>(F);

impl<F: Future> Future for Outlined<F> {
    type Output = F::Output;

    #[inline(never)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning: the inner future is never moved out of `self`,
        // and `Outlined` has no `Drop` or `Unpin` impl of its own.
        unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
    }
}

/// Write all of `bytes` and flush (one out-of-line state machine for the three
/// callers: the upgrade request, control frames, HTTP requests).
pub(crate) fn send_all<'a, T: Write + ?Sized>(
    io: &'a mut T,
    bytes: &'a [u8],
) -> Outlined<impl Future<Output = Result<(), IoErrorKind>> + 'a> {
    Outlined(async move {
        io.write_all(bytes).await.map_err(|e| kind_of(&e))?;
        io.flush().await.map_err(|e| kind_of(&e))
    })
}

/// Flush what was written.
pub(crate) async fn flush<T: Write + ?Sized>(io: &mut T) -> Result<(), IoErrorKind> {
    io.flush().await.map_err(|e| kind_of(&e))
}

/// Write all of `bytes` without flushing.
pub(crate) async fn write_all<T: Write + ?Sized>(io: &mut T, bytes: &[u8]) -> Result<(), IoErrorKind> {
    io.write_all(bytes).await.map_err(|e| kind_of(&e))
}

/// One read into `buf` (never empty), bounded by `timeout`. `Ok(0)` is end of stream.
pub(crate) async fn read_some<T: Read + ?Sized>(
    io: &mut T,
    buf: &mut [u8],
    timeout: Option<Duration>,
) -> Result<usize, IoFail> {
    // One code path with or without a timeout: no deadline is a deadline that never comes.
    let deadline = timeout.map_or(Instant::MAX, |t| Instant::now() + t);
    match with_deadline(deadline, io.read(buf)).await {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(IoFail::Io(kind_of(&e))),
        Err(_) => Err(IoFail::Timeout),
    }
}

/// The graceful end of a connection: half-close (FIN after the pending data), then
/// read and discard until the peer's end of stream, all within `timeout`.
pub(crate) async fn graceful_close<T: Transport + ?Sized>(
    io: &mut T,
    scratch: &mut [u8],
    timeout: Duration,
) -> Result<(), IoFail> {
    let close = async {
        io.shutdown().await.map_err(|e| IoFail::Io(kind_of(&e)))?;
        loop {
            match io.read(scratch).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                // A reset after our FIN still ends the connection.
                Err(e) if kind_of(&e) == IoErrorKind::ConnectionReset => return Ok(()),
                Err(e) => return Err(IoFail::Io(kind_of(&e))),
            }
        }
    };
    let result = with_timeout(timeout, close).await.unwrap_or(Err(IoFail::Timeout));
    if result.is_err() {
        debug!("graceful close did not complete");
    }
    result
}
