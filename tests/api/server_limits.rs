//! The local server against slow and greedy clients: a request whose headers never finish is
//! closed, and past the cap on open connections new ones wait for a place instead of piling up.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::spawn_app_limited;
use occ_core::http::server::Limits;

/// Opens a connection and sends half a request: the headers never end.
async fn half_sent(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: occ.test\r\nX-Slow: ").await.expect("write");
    stream
}

/// Waits until the server closes `stream` (a read of zero bytes, or a reset); when it did.
async fn closed(mut stream: TcpStream) -> Instant {
    let mut buf = [0u8; 256];
    let outcome = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "the server kept a half-sent request open for 30 seconds");
    Instant::now()
}

#[tokio::test]
async fn a_request_whose_headers_never_finish_is_closed() {
    let limits = Limits { max_connections: 64, header_read_timeout: Duration::from_millis(300) };
    let app = spawn_app_limited(|_| {}, true, limits).await;
    closed(half_sent(app.addr).await).await;
    let idle = TcpStream::connect(app.addr).await.expect("connect");
    closed(idle).await;
    assert_eq!(app.get("/api/v1/health").await.status, 200, "others are served as before");
}

#[tokio::test]
async fn past_the_connection_cap_a_new_client_waits_for_a_place_and_is_then_served() {
    let limits = Limits { max_connections: 4, header_read_timeout: Duration::from_millis(1500) };
    let app = spawn_app_limited(|_| {}, true, limits).await;
    let mut holders = Vec::new();
    for _ in 0..4 {
        holders.push(half_sent(app.addr).await);
    }
    // Let the server take all four before the fifth arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = app.url("/api/v1/health");
    let fifth = tokio::spawn(async move {
        let answer = reqwest::get(url).await.expect("request");
        (answer.status().as_u16(), Instant::now())
    });
    let first_freed = futures_util::future::join_all(holders.into_iter().map(closed)).await.into_iter().min();
    let (status, answered) = fifth.await.expect("fifth");
    assert_eq!(status, 200);
    let first_freed = first_freed.expect("four holders");
    assert!(answered >= first_freed, "the fifth client was served only once a place was free");
}
