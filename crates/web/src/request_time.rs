//! How long a request may take, counted in two parts: its body must arrive within
//! `server.body_read_timeout_seconds` (else `408 request_timeout`, logged at WARN: the
//! client was slow), and its handling within `server.request_timeout_seconds` (else `503`),
//! not counting the time spent waiting for the body. A client that trickles its body can't
//! make the server answer 503 or log an error, and a slow upload doesn't eat the handling's
//! budget.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::Error;

/// The time a request has spent waiting for its body; shared by the body and
/// [`limit_request_time`] through the request's extensions.
#[derive(Debug, Clone)]
pub struct BodyWait(Arc<WaitClock>);

#[derive(Debug)]
struct WaitClock {
    epoch: Instant,
    /// Nanoseconds waited in finished waits.
    waited: AtomicU64,
    /// Nanoseconds since `epoch` when the current wait began, plus one; 0: not waiting.
    waiting_since: AtomicU64,
}

impl Default for BodyWait {
    fn default() -> Self {
        BodyWait(Arc::new(WaitClock {
            epoch: Instant::now(),
            waited: AtomicU64::new(0),
            waiting_since: AtomicU64::new(0),
        }))
    }
}

impl BodyWait {
    fn now(&self) -> u64 {
        self.0.epoch.elapsed().as_nanos() as u64
    }

    fn begin(&self) {
        let now = self.now() + 1;
        let _ = self
            .0
            .waiting_since
            .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
    }

    fn end(&self) {
        let since = self.0.waiting_since.swap(0, Ordering::AcqRel);
        if since != 0 {
            let waited = self.now().saturating_sub(since - 1);
            self.0.waited.fetch_add(waited, Ordering::AcqRel);
        }
    }

    /// Everything waited so far, the current wait included.
    pub fn total(&self) -> Duration {
        let since = self.0.waiting_since.load(Ordering::Acquire);
        let current = if since == 0 {
            0
        } else {
            self.now().saturating_sub(since - 1)
        };
        Duration::from_nanos(self.0.waited.load(Ordering::Acquire) + current)
    }
}

/// The body did not arrive within `server.body_read_timeout_seconds`.
#[derive(Debug, Clone, Copy)]
pub struct BodyReadTimeout {
    pub seconds: u64,
}

impl std::fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s",
            self.seconds
        )
    }
}

impl std::error::Error for BodyReadTimeout {}

impl From<BodyReadTimeout> for Error {
    fn from(e: BodyReadTimeout) -> Error {
        Error::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "The request body did not arrive within {} seconds.",
                e.seconds
            ),
        )
    }
}

/// The [`BodyReadTimeout`] behind a body-reading error, if that is what it is.
pub fn body_timeout(error: &(dyn std::error::Error + 'static)) -> Option<BodyReadTimeout> {
    crate::error::find_cause::<BodyReadTimeout>(error).copied()
}

pin_project_lite::pin_project! {
    /// A request body that must arrive by a deadline, records the time spent waiting for
    /// it, and whether it was read to the end.
    pub struct TimedBody {
        #[pin]
        inner: axum::body::Body,
        read: Arc<AtomicBool>,
        wait: BodyWait,
        deadline: Instant,
        limit: Duration,
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
        expired: bool,
    }
}

impl TimedBody {
    /// Wraps `inner`, which must arrive within `limit` from now; `read` is set once it has
    /// been read to the end.
    pub fn new(
        inner: axum::body::Body,
        limit: Duration,
        wait: BodyWait,
        read: Arc<AtomicBool>,
    ) -> TimedBody {
        TimedBody {
            inner,
            read,
            wait,
            deadline: Instant::now() + limit,
            limit,
            timer: None,
            expired: false,
        }
    }
}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if *this.expired {
            return Poll::Ready(None);
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(frame) => {
                this.wait.end();
                if frame.is_none() {
                    this.read.store(true, Ordering::Release);
                }
                Poll::Ready(frame)
            }
            Poll::Pending => {
                this.wait.begin();
                let deadline = *this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
                if timer.as_mut().poll(cx).is_ready() {
                    this.wait.end();
                    *this.expired = true;
                    return Poll::Ready(Some(Err(axum::Error::new(BodyReadTimeout {
                        seconds: this.limit.as_secs(),
                    }))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: answers `503` (`server.request_timeout_seconds`, the state) when the
/// handling of a request, not counting the time spent waiting for its body, takes longer.
pub async fn limit_request_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let wait = request.extensions().get::<BodyWait>().cloned();
    let started = Instant::now();
    let waited = |wait: &Option<BodyWait>| wait.as_ref().map_or(Duration::ZERO, BodyWait::total);
    let run = next.run(request);
    let mut run = std::pin::pin!(run);
    loop {
        let deadline = started + limit + waited(&wait);
        tokio::select! {
            response = &mut run => return response,
            () = tokio::time::sleep_until(deadline.into()) => {
                if started + limit + waited(&wait) <= Instant::now() {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            }
        }
    }
}
