//! A TCP proxy that makes a database on this machine as far away as a function's database:
//! every chunk from the client to the server is held for the delay before it is passed on, so
//! one request and its answer cost one delay, as one round trip over a network would. Answers
//! pass at once. Chunks sent in a row keep their order and their spacing (each waits from its
//! own arrival), so a client that sends several requests without waiting pays the delay once.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A running proxy; dropping it stops accepting (open connections end with their client).
#[derive(Debug)]
pub struct DelayProxy {
    addr: SocketAddr,
    accepting: JoinHandle<()>,
}

impl DelayProxy {
    /// Listens on a free loopback port and passes each connection on to `server`.
    pub async fn start(server: SocketAddr, delay: Duration) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("while starting the delay proxy")?;
        let addr = listener.local_addr()?;
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Err(err) = relay(client, server, delay).await {
                        tracing::debug!(error = %err, "a proxied connection ended");
                    }
                });
            }
        });
        Ok(Self { addr, accepting })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Relays one connection: client to server held for the delay, server to client at once.
async fn relay(client: TcpStream, server: SocketAddr, delay: Duration) -> anyhow::Result<()> {
    let upstream = TcpStream::connect(server).await.context("while connecting to the database server")?;
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = upstream.into_split();
    let (chunks, mut held) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reading = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = client_read.read(&mut buf).await?;
            if n == 0 || chunks.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                return Ok::<_, std::io::Error>(());
            }
        }
    };
    let passing_on = async move {
        while let Some((due, chunk)) = held.recv().await {
            tokio::time::sleep_until(due).await;
            server_write.write_all(&chunk).await?;
        }
        server_write.shutdown().await
    };
    let answering = async move {
        tokio::io::copy(&mut server_read, &mut client_write).await?;
        client_write.shutdown().await
    };
    // The client's side ends when it closes; the answers' side when the server closes.
    let (read, passed, answered) = tokio::join!(reading, passing_on, answering);
    Ok(read.and(passed).and(answered)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_and_its_answer_cost_one_delay() {
        let echo = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = echo.local_addr().expect("addr");
        tokio::spawn(async move {
            let (mut conn, _) = echo.accept().await.expect("accept");
            let mut buf = [0u8; 64];
            while let Ok(n) = conn.read(&mut buf).await {
                if n == 0 || conn.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        let proxy = DelayProxy::start(server, Duration::from_millis(50)).await.expect("proxy");
        let mut conn = TcpStream::connect(proxy.addr()).await.expect("connect");
        for _ in 0..3 {
            let started = std::time::Instant::now();
            conn.write_all(b"ping").await.expect("write");
            let mut answer = [0u8; 4];
            conn.read_exact(&mut answer).await.expect("read");
            let millis = started.elapsed().as_millis();
            assert_eq!(&answer, b"ping");
            assert!((50..90).contains(&millis), "one round trip took {millis} ms");
        }
    }
}
