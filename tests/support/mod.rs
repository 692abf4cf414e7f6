//! What the hostile-peer tests share: an in-memory transport for the embassy
//! clients, and a deterministic RNG.

// Each test crate compiles this module and uses part of it.
#![allow(dead_code)]

/// The embassy clients' transport in a test: once `respond` accepts what the client
/// wrote so far (its request or upgrade request), hands out the reply in pieces of at
/// most `piece` bytes, then end of stream; records what the client writes after that.
pub struct Script {
    respond: fn(&[u8]) -> Option<Vec<u8>>,
    reply: Option<Vec<u8>>,
    at: usize,
    piece: usize,
    /// What the client wrote before the reply started.
    pub request: Vec<u8>,
    /// What the client wrote after.
    pub sent: Vec<u8>,
    /// Whether the client half-closed.
    pub shut: bool,
}

impl Script {
    pub fn new(respond: fn(&[u8]) -> Option<Vec<u8>>, piece: usize) -> Self {
        Self { respond, reply: None, at: 0, piece: piece.max(1), request: Vec::new(), sent: Vec::new(), shut: false }
    }
}

impl embedded_io_async::ErrorType for Script {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io_async::Read for Script {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if self.reply.is_none() {
            // Called only once the client waits for an answer: its request is whole.
            self.reply = Some((self.respond)(&self.request).expect("a whole request before the first read"));
        }
        let reply = self.reply.as_deref().unwrap_or_default();
        let n = buf.len().min(self.piece).min(reply.len() - self.at);
        buf[..n].copy_from_slice(&reply[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl embedded_io_async::Write for Script {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if self.reply.is_some() { &mut self.sent } else { &mut self.request }.extend_from_slice(buf);
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl nexus_embassy_net::Transport for Script {
    async fn shutdown(&mut self) -> Result<(), Self::Error> {
        self.shut = true;
        Ok(())
    }

    /// As a TCP socket would: the rest of the reply, then its end (the scripted
    /// server closes after the reply).
    fn waiting(&self) -> Option<nexus_embassy_net::Waiting> {
        Some(match &self.reply {
            None => nexus_embassy_net::Waiting::Nothing,
            Some(reply) if self.at < reply.len() => nexus_embassy_net::Waiting::Bytes,
            Some(_) => nexus_embassy_net::Waiting::End,
        })
    }
}

/// A deterministic RNG (mask keys and handshake keys in tests).
pub struct Rng(pub u32);

impl nexus_net::rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
    fn next_u64(&mut self) -> u64 {
        nexus_net::rand_core::impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        nexus_net::rand_core::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), nexus_net::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
