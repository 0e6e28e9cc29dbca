//! Serving: hyper connections with the limits a public server needs, and graceful shutdown.
//!
//! - A connection must send a whole request head within `server.header_read_timeout_seconds`
//!   (from its first byte, or from connecting), and one idle after an answer is closed after
//!   `server.keep_alive_seconds`: slow or silent clients can't hold sockets for ever.
//! - At `server.max_connections` open connections the server closes the idle keep-alive
//!   connection that has been idle longest and accepts in its place; with none idle, new
//!   ones wait in the kernel's backlog until one closes.
//! - Out of file descriptors, the server also closes the longest-idle connections first,
//!   so idle clients can't lock new ones out; an accept error it can't cure that way backs
//!   off instead of spinning, and is logged once per streak.
//! - On SIGINT/SIGTERM the listener closes, idle connections close, the requests in flight
//!   finish (up to `server.shutdown_timeout_seconds`), then `serve` returns.

use crate::install::{Installer, core_kind};
use crate::state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::settings::ServerSettings;

/// The connection limits of [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// How long in-flight requests may finish after the shutdown signal.
    pub grace: Duration,
    /// A request head must arrive within this.
    pub header_read_timeout: Duration,
    /// An idle connection is closed after this.
    pub keep_alive: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl ServeOptions {
    pub fn from_settings(server: &ServerSettings) -> Self {
        ServeOptions {
            grace: Duration::from_secs(server.shutdown_timeout_seconds),
            header_read_timeout: Duration::from_secs(server.header_read_timeout_seconds),
            keep_alive: Duration::from_secs(server.keep_alive_seconds),
            max_connections: server.max_connections,
        }
    }
}

impl Default for ServeOptions {
    /// The defaults of `config/default.toml`.
    fn default() -> Self {
        ServeOptions {
            grace: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(60),
            max_connections: 10_000,
        }
    }
}

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
    tracing::info!("shutdown requested; finishing the requests and jobs in flight");
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits up to `options.grace`
/// for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<()> {
    let heartbeat = tokio::spawn(timer_heartbeat());
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let open = Arc::new(OpenConnections::default());
    // Dropped when shutdown starts: every connection task sees it and winds down.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = AcceptBackoff::default();
    loop {
        if permits.available_permits() == 0 {
            // At the limit: the longest-idle connection makes room for a new client.
            open.shed_idle(1);
        }
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                backoff.reset();
                accepted
            }
            Err(e) => {
                drop(permit);
                if out_of_descriptors(&e) && open.shed_idle(SHED_ON_EMFILE) > 0 {
                    // Room is being made; try again as soon as those sockets are closed.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                backoff.wait(&e).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stop = stop_rx.clone();
        let open = open.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, app, stop, options, &open).await;
            drop(permit);
        });
    }
    drop(listener);
    drop(stop_rx);
    drop(stop_tx);
    // Every connection task holds a permit until it ends: all back means all done.
    let all = u32::try_from(options.max_connections).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(options.grace, permits.acquire_many(all)).await;
    heartbeat.abort();
    if drained.is_err() {
        tracing::warn!(
            seconds = options.grace.as_secs(),
            "requests still running after the shutdown timeout; stopping anyway"
        );
    }
    Ok(())
}

/// How many idle connections are closed when accepting fails for want of a descriptor.
const SHED_ON_EMFILE: usize = 8;

/// The most a connection reads ahead of its handler, and so the largest request head:
/// 64 KiB (nginx takes 8 KiB of headers by default).
const READ_BUFFER_BYTES: usize = 64 * 1024;

fn out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// The open connections, so the longest-idle ones can be closed when connections or
/// file descriptors run short.
#[derive(Default)]
struct OpenConnections {
    next: AtomicU64,
    all: std::sync::Mutex<std::collections::HashMap<u64, Arc<Activity>>>,
}

impl OpenConnections {
    fn add(self: &Arc<Self>, activity: Arc<Activity>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.all
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, activity);
        Registered {
            open: self.clone(),
            id,
        }
    }

    /// Tells up to `n` idle connections, longest idle first, to close; returns how many.
    fn shed_idle(&self, n: usize) -> usize {
        let all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        let mut idle: Vec<&Arc<Activity>> = all.values().filter(|a| a.is_idle()).collect();
        idle.sort_by_key(|a| a.last_io.load(Ordering::Relaxed));
        let chosen = idle.len().min(n);
        for activity in &idle[..chosen] {
            activity.shed.store(true, Ordering::Relaxed);
            activity.wake.notify_one();
        }
        if chosen > 0 {
            tracing::debug!(closed = chosen, "closing idle connections to make room");
        }
        chosen
    }
}

/// A connection's place in [`OpenConnections`], given up on drop.
struct Registered {
    open: Arc<OpenConnections>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.open
            .all
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// Sleeps after an accept error, longer each time in a row (10 ms up to 1 s), logging the
/// first of a streak: with no file descriptors left, retrying at once would spin.
#[derive(Default)]
struct AcceptBackoff {
    delay: Option<Duration>,
}

impl AcceptBackoff {
    fn reset(&mut self) {
        if self.delay.take().is_some() {
            tracing::info!("accepting connections again");
        }
    }

    async fn wait(&mut self, error: &std::io::Error) {
        use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
        if matches!(
            error.kind(),
            ConnectionAborted | ConnectionRefused | ConnectionReset
        ) {
            return; // That client gave up; nothing wrong here.
        }
        let delay = match self.delay {
            None => {
                tracing::error!(error = %error, "cannot accept connections; backing off until it works again");
                Duration::from_millis(10)
            }
            Some(previous) => (previous * 2).min(Duration::from_secs(1)),
        };
        self.delay = Some(delay);
        tokio::time::sleep(delay).await;
    }
}

/// One connection: HTTP/1 or HTTP/2, closed by the timeouts of `options` when it is slow
/// or idle, and gracefully when `stop` closes.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    mut stop: watch::Receiver<()>,
    options: ServeOptions,
    open: &Arc<OpenConnections>,
) {
    let activity = Arc::new(Activity::new());
    let _registered = open.add(activity.clone());
    let io = TokioIo::new(WatchedIo {
        inner: stream,
        activity: activity.clone(),
    });
    let counted = activity.clone();
    let service = tower::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let request = request.map(axum::body::Body::new);
        let exchange = counted.request_started();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(exchange);
            response
        }
    });
    let mut builder = Builder::new(TokioExecutor::new());
    // Our own deadlines below replace hyper's header timer (which would also cut idle
    // keep-alive connections at the header timeout).
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        // Read at most 64 KiB ahead per connection (hyper's default is ~400 KiB): an
        // upload streams through in pieces that size, so sixteen at once stay small.
        .max_buf_size(READ_BUFFER_BYTES);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        let deadline = activity.deadline(options);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(deadline.into()) => {
                if activity.deadline(options) <= Instant::now() {
                    tracing::debug!(%peer, "closing a slow or idle connection");
                    return;
                }
            }
            () = activity.wake.notified() => {
                if activity.shed.load(Ordering::Relaxed) && activity.is_idle() {
                    tracing::debug!(%peer, "closing an idle connection to make room");
                    return;
                }
                activity.shed.store(false, Ordering::Relaxed);
            }
        }
    }
}

/// What a connection is doing, for its deadline: when it last read or wrote, whether a
/// request head has started arriving, and how many requests are being answered.
struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last byte read or written.
    last_io: AtomicU64,
    /// Milliseconds since `epoch` of the first byte of a request head not yet answered.
    head_started: AtomicU64,
    reading_head: AtomicBool,
    in_flight: AtomicUsize,
    answered_any: AtomicBool,
    /// Asked to close to make room ([`OpenConnections::shed_idle`]); woken through `wake`.
    shed: AtomicBool,
    wake: tokio::sync::Notify,
}

impl Activity {
    fn new() -> Self {
        Activity {
            epoch: Instant::now(),
            last_io: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            reading_head: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            answered_any: AtomicBool::new(false),
            shed: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// A keep-alive connection between requests: it has been answered, and nothing is
    /// being answered or arriving now. (A new connection that has not sent its first
    /// request yet is not idle: it is a client about to ask, bounded by the header
    /// timeout.)
    fn is_idle(&self) -> bool {
        self.answered_any.load(Ordering::Relaxed)
            && self.in_flight.load(Ordering::Relaxed) == 0
            && !self.reading_head.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn read(&self) {
        let now = self.now_ms();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Relaxed) == 0
            && !self.reading_head.swap(true, Ordering::Relaxed)
        {
            self.head_started.store(now, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last_io.store(self.now_ms(), Ordering::Relaxed);
    }

    fn request_started(self: &Arc<Self>) -> Exchange {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.reading_head.store(false, Ordering::Relaxed);
        Exchange(self.clone())
    }

    /// When the connection should be closed unless something happens first. A request
    /// being answered has no deadline here (`server.request_timeout_seconds` bounds it).
    fn deadline(&self, options: ServeOptions) -> Instant {
        let ms = |v: &AtomicU64| self.epoch + Duration::from_millis(v.load(Ordering::Relaxed));
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Instant::now() + options.keep_alive.max(options.header_read_timeout);
        }
        if self.reading_head.load(Ordering::Relaxed) {
            return ms(&self.head_started) + options.header_read_timeout;
        }
        if self.answered_any.load(Ordering::Relaxed) {
            ms(&self.last_io) + options.keep_alive
        } else {
            // A new connection must start its first request as promptly as it sends it.
            self.epoch + options.header_read_timeout
        }
    }
}

/// A request being answered; dropped when its response is ready.
struct Exchange(Arc<Activity>);

impl Drop for Exchange {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.answered_any.store(true, Ordering::Relaxed);
        activity.wrote();
        activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A socket that tells its [`Activity`] about every byte read and written.
    struct WatchedIo {
        #[pin]
        inner: TcpStream,
        activity: Arc<Activity>,
    }
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let result = this.inner.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.read();
        }
        result
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.project();
        let result = this.inner.poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.wrote();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.project();
        let result = this.inner.poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
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

/// Starts work beside the server (see [`Installer::beside_server`]).
pub type StartBesideServer = std::sync::Arc<
    dyn Fn(&AppState) -> anyhow::Result<Option<futures::future::BoxFuture<'static, ()>>>
        + Send
        + Sync,
>;

/// Work `serve` runs beside the server.
#[derive(Clone)]
pub struct BesideServer(pub StartBesideServer);
core_kind!(BesideServer, "work beside the server");

impl Installer<'_> {
    /// Work `serve` runs beside the server (the jobs extra's in-server worker): built once
    /// the state exists (`None`: nothing to run); the future watches for the shutdown
    /// signal itself ([`shutdown_signal`]) and `serve` waits for it to end.
    pub fn beside_server(
        &mut self,
        start: impl Fn(&AppState) -> anyhow::Result<Option<futures::future::BoxFuture<'static, ()>>>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.add(BesideServer(std::sync::Arc::new(start)))
    }
}
