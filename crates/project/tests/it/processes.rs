//! The release-style deployment, exercised for real: `project serve` processes on free
//! ports over one database, talked to through sockets. Scaling out (two processes share
//! sessions, tokens, stock and throttling), losing the database while serving, and
//! stopping with SIGTERM under load.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use web::db::Backend;
use web_test::ScratchDatabase;

use crate::cli::project_command;

/// A `project serve` child process. Dropping it kills that one process.
pub(crate) struct Server {
    child: Child,
    base: String,
    pub(crate) addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The environment every process of a test gets: the test profile, templates and static
/// files from the binary (no folders beside it), the given database.
pub(crate) fn base_env(database_url: &str) -> Vec<(String, String)> {
    [
        ("APP_ENV", "test"),
        ("APP__DATABASE__URL", database_url),
        ("APP__DATABASE__AUTO_MIGRATE", "false"),
        ("APP__TEMPLATES__DIR", ""),
        ("APP__STATIC__DIR", ""),
        ("APP__LOG__LEVEL", "warn"),
        ("APP__LOG__FORMAT", "compact"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Runs `project args…` to completion (migrate, seed) and checks it succeeded.
pub(crate) fn manage(database_url: &str, args: &[&str]) {
    manage_with(database_url, &[], args);
}

/// Like [`manage`], with more settings.
pub(crate) fn manage_with(database_url: &str, settings: &[(&str, &str)], args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(database_url);
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let output = project_command(dir.path(), env)
        .args(args)
        .output()
        .expect("the project binary runs");
    assert!(
        output.status.success(),
        "project {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A migrated database with the two documented users.
pub(crate) async fn seeded_database() -> ScratchDatabase {
    let database = ScratchDatabase::new().await;
    manage(database.url(), &["migrate"]);
    // Without the demo pictures: their thumbnail jobs, run by the server, would change
    // data (and so the cached answers these tests count) while they run.
    manage(database.url(), &["seed", "--users", "--no-images"]);
    database
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub(crate) async fn start(database_url: &str, settings: &[(&str, &str)]) -> Server {
        Server::start_with_file_limit(database_url, settings, None).await
    }

    /// Like [`Server::start`], the process allowed at most `files` open file descriptors.
    pub(crate) async fn start_with_file_limit(
        database_url: &str,
        settings: &[(&str, &str)],
        files: Option<u64>,
    ) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut env = base_env(database_url);
        env.push(("APP__SERVER__PORT".into(), port.to_string()));
        env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let mut command = project_command(dir.path(), env);
        if let Some(files) = files {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; it only lowers the child's own limit.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: files,
                        rlim_max: files,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let child = command
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("project serve starts");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut server = Server {
            child,
            base: format!("http://{addr}"),
            addr,
            log,
            _dir: dir,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}):\n{}", self.log_text());
            }
            if let Ok(res) = client.get(self.url("/healthz")).send().await
                && res.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not come up:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: sends a signal to our own child process, by its pid only.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM could not be sent");
    }

    async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only this child, by pid: never a process group.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser-like client: keeps cookies (per host, so across both ports, as behind one
/// load balancer), doesn't follow redirects.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn hidden_input(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} field in:\n{html}"));
    let rest = &html[at..];
    let start = rest.find("value=\"").unwrap() + 7;
    let end = rest[start..].find('"').unwrap();
    rest[start..start + end].to_string()
}

pub(crate) async fn csrf_token(client: &reqwest::Client, page: &str) -> String {
    let html = client.get(page).send().await.unwrap().text().await.unwrap();
    hidden_input(&html, "csrf_token")
}

pub(crate) async fn token(server: &Server, email: &str, password: &str) -> String {
    let res = reqwest::Client::new()
        .post(server.url("/api/accounts/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "token for {email}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) async fn get_json(url: String, bearer: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Two processes behind one (imaginary) load balancer, on the same database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_sessions_tokens_stock_and_throttling() {
    let database = seeded_database().await;
    let a = Server::start(database.url(), &[]).await;
    let b = Server::start(database.url(), &[]).await;

    // A session cookie from A's login form is a signed-in session on B.
    let browser = browser();
    let login = a.url("/accounts/login/");
    let csrf = csrf_token(&browser, &login).await;
    let res = browser
        .post(&login)
        .form(&[
            ("email", "user@example.com"),
            ("password", "userpass123"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "login: {}", res.status());
    let res = browser
        .get(b.url("/accounts/profile/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("user@example.com"));
    // Without the cookie B sends a stranger to the login page.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(b.url("/accounts/profile/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    // The CSRF token of a page served by B is accepted by A (it lives in the session).
    let csrf = csrf_token(&browser, &b.url("/accounts/profile/")).await;
    let res = browser
        .post(a.url("/accounts/logout/"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "logout: {}", res.status());
    let res = browser
        .get(b.url("/accounts/profile/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "logged out on A is out on B"
    );

    // A bearer token from A works on B; revoked on B, it is dead on A.
    let user_token = token(&a, "user@example.com", "userpass123").await;
    let (status, me) = get_json(b.url("/api/accounts/me"), Some(&user_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "user@example.com");
    let res = reqwest::Client::new()
        .post(b.url("/api/accounts/logout"))
        .bearer_auth(&user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, _) = get_json(a.url("/api/accounts/me"), Some(&user_token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The last 5 units, 20 buyers split across both processes: exactly 5 orders.
    let staff = token(&b, "staff@example.com", "staffpass123").await;
    let res = reqwest::Client::new()
        .post(a.url("/api/catalog/products"))
        .bearer_auth(&staff)
        .json(&json!({"sku": "LAST-5", "name": "Last five", "price_cents": 1500, "stock": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let product_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let detail = format!("/api/catalog/products/{product_id}");
    for server in [&a, &b] {
        let (_, product) = get_json(server.url(&detail), None).await;
        assert_eq!(product["stock"], 5, "each process has read (and cached) it");
    }
    let mut buyers = Vec::new();
    for i in 0..20 {
        let server = if i % 2 == 0 { &a } else { &b };
        let email = format!("buyer{i}@example.com");
        let res = reqwest::Client::new()
            .post(server.url("/api/accounts/register"))
            .json(&json!({"email": email, "password": "a-long-passphrase", "name": "Buyer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        buyers.push((
            server.url("/api/orders"),
            token(server, &email, "a-long-passphrase").await,
        ));
    }
    let start = Arc::new(tokio::sync::Barrier::new(buyers.len()));
    let orders = buyers.into_iter().map(|(url, token)| {
        let start = start.clone();
        tokio::spawn(async move {
            start.wait().await;
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"items": [{"product_id": product_id, "quantity": 1}]}))
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        })
    });
    let mut created = 0;
    for order in orders.collect::<Vec<_>>() {
        let (status, body) = order.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(body["error"]["code"], "out_of_stock"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 5, "exactly the 5 units in stock were sold");
    for server in [&a, &b] {
        let (_, product) = get_json(server.url(&detail), None).await;
        assert_eq!(product["stock"], 0, "both processes see the sale");
    }

    // Login throttling counts failures made on either process.
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        let res = reqwest::Client::new()
            .post(server.url("/api/accounts/token"))
            .json(&json!({"email": "user@example.com", "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "failure {i}");
    }
    for server in [&a, &b] {
        let res = reqwest::Client::new()
            .post(server.url("/api/accounts/token"))
            .json(&json!({"email": "user@example.com", "password": "userpass123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"]["code"],
            "throttled"
        );
    }
    // Another account is not affected.
    token(&a, "staff@example.com", "staffpass123").await;
}

/// A TCP proxy the test can cut (every connection through it drops, new ones are closed
/// at once) and restore, standing in for a database that becomes unreachable; or made to
/// hold every chunk larger than some bytes (small replies pass, large ones never arrive:
/// a network that drops large packets, a server that hangs mid-query) until released.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
    held: tokio::sync::watch::Sender<Option<usize>>,
}

impl Proxy {
    pub(crate) async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (held, _) = tokio::sync::watch::channel(None);
        let (accept_up, accept_cut, accept_held) = (up.clone(), cut.clone(), held.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = accept_cut.subscribe();
                let held = accept_held.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.split();
                    let (server_read, server_write) = server.split();
                    tokio::select! {
                        _ = pump(client_read, server_write, held.clone()) => {}
                        _ = pump(server_read, client_write, held) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            up,
            cut,
            held,
        }
    }

    pub(crate) fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    pub(crate) fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// From now on, chunks larger than `bytes` wait until [`Proxy::release`].
    pub(crate) fn hold_larger_than(&self, bytes: usize) {
        self.held.send_replace(Some(bytes));
    }

    pub(crate) fn release(&self) {
        self.held.send_replace(None);
    }
}

/// Copies `from` to `to`, holding a chunk the proxy holds until it is released.
async fn pump(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    mut held: tokio::sync::watch::Receiver<Option<usize>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let passes = |held: &Option<usize>| held.is_none_or(|limit| read <= limit);
        if held.wait_for(passes).await.is_err() || to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// The `host:port` of a `scheme://user@host:port/db?q` URL.
pub(crate) fn authority(url: &str) -> std::ops::Range<usize> {
    let after_scheme = url.find("://").unwrap() + 3;
    let start = url[after_scheme..]
        .find('@')
        .map(|i| after_scheme + i + 1)
        .unwrap_or(after_scheme);
    start..start + url[start..].find('/').unwrap()
}

pub(crate) async fn wait_for_status(url: &str, want: StatusCode) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get_json(url.to_string(), None).await;
        if status == want {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{url} stayed {status}: {body}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The database goes away while serving and comes back: 503s meanwhile, each within
/// `database.acquire_timeout_seconds` (3 by default, not the 10 s it once took), and
/// recovery without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_outage_gives_503_and_recovers_without_restart() {
    let database = seeded_database().await;
    if database.backend() == Backend::Sqlite {
        eprintln!("skipped: SQLite is a file, not a server to lose (runs on MariaDB/PostgreSQL)");
        return;
    }
    let host = authority(database.url());
    let proxy = Proxy::start(database.url()[host.clone()].to_string()).await;
    let mut proxied_url = database.url().to_string();
    proxied_url.replace_range(host, &proxy.addr.to_string());
    // The default timeouts: what a deployment gets.
    let server = Server::start(&proxied_url, &[]).await;
    let user = token(&server, "user@example.com", "userpass123").await;
    let readyz = server.url("/readyz");
    let products = server.url("/api/catalog/products");
    let me = server.url("/api/accounts/me");
    assert_eq!(get_json(readyz.clone(), None).await.0, StatusCode::OK);

    let visitor = browser();
    csrf_token(&visitor, &server.url("/accounts/login/")).await;

    proxy.cut();
    let body = wait_for_status(&readyz, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        body,
        json!({"status": "unavailable", "database": "unavailable"})
    );
    let fail_fast = Duration::from_secs(6);
    let started = Instant::now();
    let (status, body) = get_json(products.clone(), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "service_unavailable");
    assert!(
        started.elapsed() < fail_fast,
        "took {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let (status, _) = get_json(server.url("/api/catalog/products/1"), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < fail_fast,
        "took {:?}",
        started.elapsed()
    );
    // A token that can't be checked is not an invalid token: 503, not 401.
    let (status, body) = get_json(me.clone(), Some(&user)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "service_unavailable");
    // Pages too, for a visitor with a session (loading it needs the database): an HTML
    // error page, as fast.
    let started = Instant::now();
    let res = visitor.get(server.url("/catalog/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < fail_fast,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // The process itself is alive.
    assert_eq!(
        get_json(server.url("/healthz"), None).await.0,
        StatusCode::OK
    );

    proxy.restore();
    wait_for_status(&readyz, StatusCode::OK).await;
    let (status, _) = get_json(products, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get_json(me, Some(&user)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["email"], "user@example.com");
}

/// SIGTERM under load: the request in flight completes, new connections are refused, no
/// request gets a 5xx, and the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_requests_in_flight_and_exits_zero() {
    let database = seeded_database().await;
    let mut server = Server::start(database.url(), &[]).await;

    // Background load on keep-alive connections until the server is gone.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, server_errors) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (stop, ok, server_errors) = (stop.clone(), ok.clone(), server_errors.clone());
            let url = server.url("/api/catalog/products");
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::SeqCst) {
                    match client.get(&url).send().await {
                        Ok(res) if res.status().is_server_error() => {
                            server_errors.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(res) => {
                            let _ = res.bytes().await;
                            ok.fetch_add(1, Ordering::SeqCst);
                        }
                        // Refused once the listener is closed: expected.
                        Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                }
            })
        })
        .collect();
    while ok.load(Ordering::SeqCst) < 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A request whose body is still arriving when the signal comes.
    let body = r#"{"email":"user@example.com","password":"userpass123"}"#;
    let (first, rest) = body.split_at(20);
    let mut in_flight = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /api/accounts/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.terminate();
    // New connections are refused once the listener has closed (a connection caught in
    // the backlog as it closes is reset instead).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect(server.addr).await {
            Err(e) => {
                assert!(
                    matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
                    ),
                    "{e}"
                );
                break;
            }
            Ok(_) => {
                assert!(Instant::now() < deadline, "the listener stayed open");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server must wait for the request in flight"
    );

    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        in_flight.read_to_end(&mut response),
    )
    .await
    .expect("the response arrives")
    .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "in-flight request: {response}"
    );
    assert!(response.contains("\"token\""), "{response}");

    let status = server.wait_exit(Duration::from_secs(10)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    assert!(
        status.success(),
        "exit status {status}:\n{}",
        server.log_text()
    );
    assert_eq!(
        server_errors.load(Ordering::SeqCst),
        0,
        "no 5xx under shutdown"
    );
    assert!(ok.load(Ordering::SeqCst) >= 50);
}

/// Slow clients can't take the server down: with 256 file descriptors and a 2-second
/// header timeout, 300 connections that never finish their request head are all closed by
/// the server (those beyond the limit wait in the backlog meanwhile), a connection left
/// idle after an answer is closed after `keep_alive_seconds`, and a normal request is
/// served afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_connections_are_closed_by_the_server() {
    let database = seeded_database().await;
    let server = Server::start_with_file_limit(
        database.url(),
        &[
            ("APP__SERVER__HEADER_READ_TIMEOUT_SECONDS", "2"),
            ("APP__SERVER__KEEP_ALIVE_SECONDS", "3"),
        ],
        Some(256),
    )
    .await;
    let addr = server.addr;
    let started = Instant::now();
    let slow = (0..300).map(|_| {
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr)
                .await
                .expect("connects or waits in the backlog");
            // Half a request head, never finished.
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
            let mut buf = [0u8; 512];
            // Closed by the server: end of stream or a reset, long before this timeout.
            match tokio::time::timeout(Duration::from_secs(60), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => true,
                Ok(Ok(_)) | Err(_) => false,
            }
        })
    });
    let mut closed = 0;
    for task in slow.collect::<Vec<_>>() {
        closed += usize::from(task.await.unwrap());
    }
    assert_eq!(closed, 300, "every slow connection is closed by the server");
    eprintln!("300 slow connections closed in {:?}", started.elapsed());
    assert_eq!(
        get_json(server.url("/healthz"), None).await.0,
        StatusCode::OK
    );

    // Idle after an answer: kept for a while (a second request works), then closed.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut buf = vec![0u8; 4096];
    idle.write_all(request).await.unwrap();
    assert!(idle.read(&mut buf).await.unwrap() > 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    idle.write_all(request).await.unwrap();
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let idle_since = Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(20), idle.read(&mut buf))
        .await
        .expect("the idle connection is closed");
    assert!(matches!(end, Ok(0) | Err(_)), "{end:?}");
    assert!(
        idle_since.elapsed() >= Duration::from_secs(2),
        "not before keep_alive_seconds"
    );
    assert!(
        !server.log_text().contains("panicked"),
        "{}",
        server.log_text()
    );
}

/// `metrics.port` serves Prometheus metrics on a listener of its own: requests by route
/// name and status with their latency, the database pool, the response cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_are_served_on_their_own_port() {
    let database = seeded_database().await;
    let metrics_port = free_port();
    let server = Server::start(
        database.url(),
        &[("APP__METRICS__PORT", &metrics_port.to_string())],
    )
    .await;
    for _ in 0..3 {
        get_json(server.url("/api/catalog/products"), None).await;
    }
    get_json(server.url("/api/catalog/products/999999"), None).await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let has = |needle: &str| {
        text.lines()
            .any(|l| l.starts_with(needle) || l.contains(needle))
    };
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains(r#"route="catalog:api_product_list""#)
            && l.contains(r#"status="200""#)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("http_requests_total") && l.contains(r#"status="404""#)),
        "{text}"
    );
    assert!(has("http_request_duration_seconds_bucket"), "{text}");
    assert!(has(r#"db_pool_connections{state="idle"}"#), "{text}");
    // The queue: its depth per status, and the runs of the server's worker (the hourly
    // cleanup runs at start, jobs.run_in_server being on in the test environment).
    assert!(has(r#"jobs{status="failed"} 0"#), "{text}");
    let mut text = text;
    // A liveness wait, generous for a loaded two-core CI machine.
    for _ in 0..300 {
        if text.contains(r#"jobs_finished_total{task="jobs.cleanup",outcome="done"} 1"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        text = client
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    }
    assert!(
        text.contains(r#"jobs_finished_total{task="jobs.cleanup",outcome="done"} 1"#),
        "{text}\n{}",
        server.log_text()
    );
    // The public port does not serve them.
    let public = client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
}
