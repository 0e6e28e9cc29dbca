//! Serving with graceful shutdown: on SIGINT/SIGTERM the listener stops accepting, the
//! requests in flight finish (up to `server.shutdown_timeout_seconds`), then `serve`
//! returns.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits up to `grace` for the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let heartbeat = tokio::spawn(timer_heartbeat());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = started_tx.send(());
    });
    let server = std::pin::pin!(server.into_future());
    let mut server = server;
    let outcome = tokio::select! {
        result = &mut server => Some(result),
        _ = started_rx => None,
    };
    if let Some(result) = outcome {
        heartbeat.abort();
        return result;
    }
    let finished = tokio::time::timeout(grace, server).await;
    heartbeat.abort();
    match finished {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(
                seconds = grace.as_secs(),
                "requests still running after the shutdown timeout; stopping anyway"
            );
            Ok(())
        }
    }
}

/// Keeps a timer due within half a second at all times. Every request arms a timeout
/// (`server.request_timeout_seconds`); tokio wakes its sleeping timer thread whenever a
/// timer is armed earlier than the next one it knows of, which, with nothing else
/// pending, is every request: a system call and a context switch each. With this timer
/// always earlier, arming a request's timeout is just an insert.
async fn timer_heartbeat() {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
    }
}
