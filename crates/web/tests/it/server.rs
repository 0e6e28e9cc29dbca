//! A real server on a socket: graceful shutdown lets the request in flight finish.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut out = String::new();
    stream.read_to_string(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_request_in_flight() {
    let app = crate::app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::server::serve(
        listener,
        app.router.clone(),
        async move {
            let _ = stop_rx.await;
        },
        web::server::ServeOptions {
            grace: Duration::from_secs(10),
            ..Default::default()
        },
    ));
    let in_flight = tokio::spawn(async move { get(addr, "/api/demo/slow?ms=700").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight completes");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("slept"));
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(finished, Ok(Ok(Ok(())))),
        "serve returns after the drain"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
}

/// Reads one HTTP/1.1 response (head and a `Content-Length` body) from `stream`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text;
            }
        }
        assert!(n > 0, "connection closed mid-response: {text}");
    }
}

/// An answer that leaves the request body unread says `Connection: close` (the server
/// closes that connection); one that read it keeps the connection for the next request.
#[tokio::test]
async fn an_unread_body_closes_the_connection_and_says_so() {
    let app = crate::app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(web::server::serve(
        listener,
        app.router.clone(),
        std::future::pending(),
        web::server::ServeOptions::default(),
    ));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = r#"{"name": "x"}"#;
    // Read: the connection stays open for a second request.
    for _ in 0..2 {
        stream
            .write_all(
                format!(
                    "POST /api/demo/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let response = read_response(&mut stream).await;
        assert!(
            !response.to_ascii_lowercase().contains("connection: close"),
            "{response}"
        );
    }
    // Refused before the body was read (a GET-only route): told to close.
    stream
        .write_all(
            format!(
                "POST /api/demo/items/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
}
