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
        Duration::from_secs(10),
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
