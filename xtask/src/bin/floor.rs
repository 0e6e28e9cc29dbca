//! The benchmark's floor: a bare axum server answering `/healthz` and the product list
//! with bytes held in memory (no database, no middleware). What the HTTP stack alone can
//! do on this machine; `cargo xtask bench` starts it.
//!
//!     floor --port 9000 --body products.json

use std::net::SocketAddr;

use axum::Router;
use axum::http::header;
use axum::routing::get;

const JSON: &str = "application/json; charset=utf-8";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(port), Some(body)) = (value("--port"), value("--body")) else {
        eprintln!("usage: floor --port PORT --body FILE");
        std::process::exit(2);
    };
    let body = bytes::Bytes::from(std::fs::read(&body)?);
    let app = Router::new()
        .route(
            "/healthz",
            get(|| async { ([(header::CONTENT_TYPE, JSON)], r#"{"status":"ok"}"#) }),
        )
        .route(
            "/api/catalog/products",
            get(move || async move { ([(header::CONTENT_TYPE, JSON)], body.clone()) }),
        );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("a port number");
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
