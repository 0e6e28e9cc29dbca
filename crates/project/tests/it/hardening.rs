//! What an attacker or a careless client can do to a running server, tried on the real
//! binary: made-up methods against the metrics' labels, refused requests against the
//! shared cache, a hung or dead Redis under load.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::processes::{Server, browser, csrf_token, free_port, get_json, seeded_database, token};

/// `/metrics` as text.
pub(crate) async fn scrape(port: u16) -> String {
    reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The resident memory of a process, in bytes (Linux).
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status");
    kb * 1024
}

/// 10,000 requests with as many made-up methods: they share one `other` label, so the
/// scrape and the process's memory stay flat (each distinct label set was a new series
/// kept forever: 120,000 of them took 500 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn made_up_methods_share_one_metrics_label() {
    let database = seeded_database().await;
    let metrics_port = free_port();
    let server = Server::start(
        database.url(),
        &[("APP__METRICS__PORT", &metrics_port.to_string())],
    )
    .await;
    let client = reqwest::Client::new();
    let healthz = server.url("/healthz");
    // `count` requests on one connection, each with its own method.
    let send_many = |prefix: String, count: usize| {
        let (client, healthz) = (client.clone(), healthz.clone());
        tokio::spawn(async move {
            for n in 0..count {
                let method = format!("{prefix}Q{n}{}", "Z".repeat(150));
                let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let status = client
                    .request(method, &healthz)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
            }
        })
    };
    // Warm up: the label sets every later request uses exist, and the allocator settled.
    send_many("WARM".into(), 200).await.unwrap();
    let before_scrape = scrape(metrics_port).await.len();
    let before_rss = rss_bytes(server.pid());
    let senders: Vec<_> = (0..20).map(|n| send_many(format!("M{n}"), 500)).collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let after_scrape = scrape(metrics_port).await;
    let after_rss = rss_bytes(server.pid());
    assert!(
        after_scrape.len() < before_scrape + 2_000,
        "the scrape grew from {before_scrape} to {} bytes",
        after_scrape.len()
    );
    assert!(after_scrape.contains(r#"method="other""#), "{after_scrape}");
    assert!(
        !after_scrape.contains("ZZZZ"),
        "a made-up method is a label"
    );
    assert!(
        after_rss < before_rss + 16 * 1024 * 1024,
        "RSS grew from {before_rss} to {after_rss} bytes"
    );
}

/// The shared cache's version changes only when a request wrote: requests refused before
/// doing anything, whatever their method, and an anonymous visitor's session-only cart
/// leave every process's cached answers in place; a real write still replaces them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_requests_leave_the_shared_cache_alone() {
    let database = seeded_database().await;
    let metrics_port = free_port();
    let server = Server::start(
        database.url(),
        &[
            ("APP__CACHE__URL", &web_test::redis_url()),
            ("APP__METRICS__PORT", &metrics_port.to_string()),
            // No in-server worker: its minutely order expiry is a real write that would
            // bump the cache's version while the refused requests are counted.
            ("APP__JOBS__RUN_IN_SERVER", "false"),
        ],
    )
    .await;
    let staff = token(&server, "staff@example.com", "staffpass123").await;
    let list = server.url("/api/catalog/products");
    let (_, before) = get_json(list.clone(), None).await;
    let id = before["items"][0]["id"].clone();
    let misses = || async { metric_sum(&scrape(metrics_port).await, "cache_misses_total") };
    // Cached now: a second read is a hit.
    get_json(list.clone(), None).await;
    let cached_misses = misses().await;
    get_json(list.clone(), None).await;
    assert_eq!(misses().await, cached_misses, "the list is cached");

    let client = reqwest::Client::new();
    let browser = browser();
    let refused = [
        client.post(server.url("/api/nope")).json(&json!({})),
        client.post(server.url("/healthz")),
        client.request(
            reqwest::Method::from_bytes(b"FOO").unwrap(),
            server.url("/healthz"),
        ),
        client.post(server.url("/api/cart/checkout")),
        client.delete(server.url(&format!("/api/catalog/products/{id}"))),
        browser
            .post(server.url("/accounts/login/"))
            .form(&[("email", "user@example.com"), ("password", "nope")]),
    ];
    for request in refused {
        let status = request.send().await.unwrap().status();
        assert!(status.is_client_error(), "{status}");
    }
    // Searches read (on PostgreSQL through a common table expression).
    for path in [
        "/api/catalog/products?q=nothing%20like%20this",
        "/catalog/?q=nothing",
    ] {
        let res = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    // A failed login is counted (login throttles), and a visitor's cart lives in the
    // session: no cached answer shows either.
    let csrf = csrf_token(&browser, &server.url("/accounts/login/")).await;
    let res = browser
        .post(server.url("/accounts/login/"))
        .form(&[
            ("email", "user@example.com"),
            ("password", "wrong-password"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the form again, with its error"
    );
    let slug = before["items"][0]["slug"].as_str().unwrap();
    let csrf = csrf_token(&browser, &server.url(&format!("/catalog/{slug}/"))).await;
    let res = browser
        .post(server.url("/cart/add/"))
        .form(&[
            ("product_id", id.to_string().as_str()),
            ("quantity", "1"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "cart add: {}", res.status());
    // (Those pages were misses of their own; the list must not be one.)
    let cached_misses = misses().await;
    get_json(list.clone(), None).await;
    assert_eq!(
        misses().await,
        cached_misses,
        "a refused request emptied the cache"
    );

    // A write does change the version: the next read computes the new answer.
    let res = client
        .patch(server.url(&format!("/api/catalog/products/{id}")))
        .bearer_auth(&staff)
        .json(&json!({"price_cents": 4321}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, after) = get_json(list.clone(), None).await;
    assert_eq!(after["items"][0]["price_cents"], 4321);
    assert!(misses().await > cached_misses);
}

/// The sum of a metric's series in a scrape.
pub(crate) fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A Redis of the test's own on a free port, so it can be stopped, killed and restarted.
struct OwnRedis {
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        let redis = OwnRedis { child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: a signal to our own child process, by its pid only.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Forwards to `upstream` and counts what clients send (one count per chunk read), so a
/// test can tell how often the server tried Redis.
struct CountingProxy {
    addr: std::net::SocketAddr,
    sent: Arc<AtomicUsize>,
}

impl CountingProxy {
    async fn start(upstream: std::net::SocketAddr) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let upward = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            match client_read.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => {
                                    counter.fetch_add(1, Ordering::SeqCst);
                                    if server_write.write_all(&buf[..n]).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    };
                    let downward = tokio::io::copy(&mut server_read, &mut client_write);
                    tokio::select! {
                        _ = upward => {}
                        _ = downward => {}
                    }
                });
            }
        });
        CountingProxy { addr, sent }
    }

    fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst)
    }
}

/// Redis hung (SIGSTOP), then killed, then back, under load from two processes: every
/// answer stays right (a write on one process is read at once on the other), requests skip
/// the cache without trying Redis between the background probe's tries (the count of what
/// the server sends Redis is bounded by the time, not by the requests), and the cache is
/// used again once Redis is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hung_or_dead_redis_is_skipped_and_the_cache_recovers() {
    let database = seeded_database().await;
    let redis_port = free_port();
    let redis = OwnRedis::start(redis_port);
    let proxy = CountingProxy::start(([127, 0, 0, 1], redis_port).into()).await;
    let cache_url = format!("redis://{}/0", proxy.addr);
    let metrics_port = free_port();
    let a = Server::start(database.url(), &[("APP__CACHE__URL", &cache_url)]).await;
    let b = Server::start(
        database.url(),
        &[
            ("APP__CACHE__URL", &cache_url),
            ("APP__METRICS__PORT", &metrics_port.to_string()),
        ],
    )
    .await;
    let staff = token(&a, "staff@example.com", "staffpass123").await;
    let (_, list) = get_json(b.url("/api/catalog/products"), None).await;
    let id = list["items"][0]["id"].clone();
    let detail = format!("/api/catalog/products/{id}");

    // Load on both processes for the whole test: every answer a 200.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..8)
        .map(|n| {
            let url = if n % 2 == 0 {
                a.url(&detail)
            } else {
                b.url("/api/catalog/products")
            };
            let (stop, served) = (stop.clone(), served.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::SeqCst) {
                    let res = client.get(&url).send().await.unwrap();
                    assert_eq!(res.status(), StatusCode::OK, "{url}");
                    served.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // Writes on A read back on B at once, whatever Redis does.
    let mut price = 100;
    let mut write_and_check = async || {
        price += 1;
        let res = reqwest::Client::new()
            .patch(a.url(&detail))
            .bearer_auth(&staff)
            .json(&json!({"price_cents": price}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let (status, body) = get_json(b.url(&detail), None).await;
        assert_eq!(
            (status, &body["price_cents"]),
            (StatusCode::OK, &json!(price))
        );
    };
    for _ in 0..5 {
        write_and_check().await;
    }

    for (what, signal) in [("hung", libc::SIGSTOP), ("dead", libc::SIGKILL)] {
        redis.signal(signal);
        // Both processes notice (a call times out or is refused).
        wait_for_cache_word(&b, "unavailable").await;
        wait_for_cache_word(&a, "unavailable").await;
        let (started, sent_before, served_before) =
            (Instant::now(), proxy.sent(), served.load(Ordering::SeqCst));
        const WRITES: usize = 60;
        for _ in 0..WRITES {
            write_and_check().await;
            for server in [&a, &b] {
                let (status, ready) = get_json(server.url("/readyz"), None).await;
                assert_eq!(
                    (status, &ready["cache"]),
                    (StatusCode::OK, &json!("unavailable"))
                );
            }
        }
        let elapsed = started.elapsed();
        let tries = proxy.sent() - sent_before;
        let served_meanwhile = served.load(Ordering::SeqCst) - served_before;
        // Each process's probe tries once per 500 ms; requests, writes and readiness
        // checks never do (they each did: one try per write and per check).
        let bound = (2 * (2 + elapsed.as_millis() as usize / 500)).min(WRITES - 1);
        assert!(
            tries <= bound,
            "Redis {what}: the servers tried it {tries} times in {elapsed:?} (at most {bound}), while serving {served_meanwhile} requests, {WRITES} writes and {} readiness checks",
            2 * WRITES
        );
        assert!(served_meanwhile > 0);
    }

    // Back: both processes use the cache again, and nothing from before comes back.
    drop(redis);
    let _redis = OwnRedis::start(redis_port);
    wait_for_cache_word(&b, "ok").await;
    wait_for_cache_word(&a, "ok").await;
    for _ in 0..5 {
        write_and_check().await;
    }
    let hits_before = metric_sum(&scrape(metrics_port).await, "cache_hits_total");
    for _ in 0..5 {
        get_json(b.url("/api/catalog/products"), None).await;
    }
    assert!(metric_sum(&scrape(metrics_port).await, "cache_hits_total") > hits_before);
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    for server in [&a, &b] {
        let log = server.log_text();
        assert!(!log.contains("ERROR") && !log.contains("panicked"), "{log}");
    }
}

async fn wait_for_cache_word(server: &Server, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = get_json(server.url("/readyz"), None).await;
        if body["cache"] == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "cache stayed {body}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One keep-alive request on a fresh connection, which is then kept open and idle.
async fn idle_keep_alive_connection(addr: std::net::SocketAddr) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .ok()?;
    let mut buf = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut buf)).await;
    match read {
        Ok(Ok(n)) if n > 0 && buf.starts_with(b"HTTP/1.1 200") => Some(stream),
        _ => None,
    }
}

/// 240 idle keep-alive connections on a server allowed 256 file descriptors (no nginx in
/// front): a new client is still served, since the longest-idle connections are closed to
/// make room (they used to lock everyone out until their keep-alive ran out).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_connections_make_room_for_new_clients() {
    let database = seeded_database().await;
    let server = Server::start_with_file_limit(
        database.url(),
        &[("APP__SERVER__KEEP_ALIVE_SECONDS", "300")],
        Some(256),
    )
    .await;
    let addr = server.addr;
    let opened: Vec<_> = (0..240)
        .map(|_| tokio::spawn(idle_keep_alive_connection(addr)))
        .collect();
    let mut idle = Vec::new();
    for connection in opened {
        idle.extend(connection.await.unwrap());
    }
    assert!(
        idle.len() > 200,
        "only {} connections were served",
        idle.len()
    );
    // A liveness check with a generous timeout (the keep-alive is 300 s).
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for _ in 0..3 {
        let res = client.get(server.url("/healthz")).send().await;
        assert_eq!(
            res.expect("a new client is served").status(),
            StatusCode::OK
        );
    }
    let log = server.log_text();
    assert!(!log.contains("panicked"), "{log}");
    drop(idle);
}

/// A connection reads at most 64 KiB ahead of its handler (so sixteen uploads at once
/// stay small): a request head larger than that is refused with `431`, before any app
/// code runs, and the server keeps serving; a 32 KiB cookie is fine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_heads_over_64_kib_are_refused() {
    let database = seeded_database().await;
    let server = Server::start(database.url(), &[]).await;
    let client = reqwest::Client::new();
    let cookie = format!("big={}", "x".repeat(32 * 1024));
    let res = client
        .get(server.url("/healthz"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {}\r\n\r\n",
        "y".repeat(100 * 1024)
    );
    // The server may answer before it has read it all.
    let _ = stream.write_all(head.as_bytes()).await;
    let mut answer = vec![0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer, not a hang")
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    let res = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// A body trickled in slower than `server.body_read_timeout_seconds` is answered `408
/// request_timeout`, logged at WARN with the request's id (every log line of a request
/// carries it); the time a body takes does not count against
/// `server.request_timeout_seconds`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_bodies_get_408_and_do_not_count_against_the_request_timeout() {
    let database = seeded_database().await;
    let server = Server::start(
        database.url(),
        &[
            ("APP__SERVER__BODY_READ_TIMEOUT_SECONDS", "3"),
            ("APP__SERVER__REQUEST_TIMEOUT_SECONDS", "1"),
            ("APP__LOG__FORMAT", "json"),
        ],
    )
    .await;
    let body = br#"{"email": "user@example.com", "password": "not-the-password"}"#;
    // Sends the head, then the body a few bytes at a time, `pause` apart.
    let trickle = |pause: Duration, chunk: usize| {
        let addr = server.addr;
        async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /api/accounts/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            for part in body.chunks(chunk) {
                if stream.write_all(part).await.is_err() {
                    break;
                }
                tokio::time::sleep(pause).await;
            }
            let mut answer = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
                .await;
            String::from_utf8_lossy(&answer).into_owned()
        }
    };
    // 63 bytes over about 2 s: longer than the request timeout, within the body's.
    let answer = trickle(Duration::from_millis(200), 7).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("invalid_credentials"), "{answer}");
    // A byte every 200 ms: the body's 3 s run out.
    let answer = trickle(Duration::from_millis(200), 1).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    let request_id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("the answer has a request id")
        .trim()
        .to_string();
    let log = server.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("request body too slow"))
        .unwrap_or_else(|| panic!("no WARN line:\n{log}"));
    assert!(line.contains("\"WARN\""), "{line}");
    assert!(
        line.contains(&format!("\"request_id\":\"{request_id}\"")),
        "{line}"
    );
    assert!(!log.contains("ERROR"), "{log}");
}

/// With `cache.url`, a client's budget is shared by every process (Redis counts); with
/// Redis unreachable each process counts on its own, and still limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn budgets_are_shared_through_redis_and_fall_back_per_process() {
    let database = seeded_database().await;
    let limited = |cache: String| {
        vec![
            ("APP__RATELIMIT__ENABLED".to_string(), "true".to_string()),
            ("APP__RATELIMIT__ANONYMOUS_PER_MINUTE".into(), "10".into()),
            ("APP__CACHE__URL".into(), cache),
        ]
    };
    let start = |settings: Vec<(String, String)>| {
        let url = database.url().to_string();
        async move {
            let pairs: Vec<(&str, &str)> = settings
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            Server::start(&url, &pairs).await
        }
    };
    // One budget for both processes.
    let shared = limited(web_test::redis_url());
    let (a, b) = (start(shared.clone()).await, start(shared).await);
    // (Each started server's readiness checks spent nothing: /healthz is exempt.)
    let mut statuses = Vec::new();
    for n in 0..14 {
        let server = if n % 2 == 0 { &a } else { &b };
        statuses.push(get_json(server.url("/api/catalog/products"), None).await.0);
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, throttled), (10, 4), "{statuses:?}");
    drop((a, b));

    // Redis unreachable: each process counts its own 10.
    let dead = format!("redis://127.0.0.1:{}/0", free_port());
    let (a, b) = (
        start(limited(dead.clone())).await,
        start(limited(dead)).await,
    );
    for server in [&a, &b] {
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(get_json(server.url("/api/catalog/products"), None).await.0);
        }
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 10, "{statuses:?}");
        let log = server.log_text();
        assert_eq!(
            log.matches("rate limits: Redis unavailable").count(),
            1,
            "one line per outage:\n{log}"
        );
    }
}
