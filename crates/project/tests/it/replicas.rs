//! Read replicas for real: `project serve` processes over a primary and a replica that
//! `.ci/replicas.sh start` runs (MariaDB 3307 → 3308, PostgreSQL 5433 → 5434), chosen by
//! `TEST_REPLICAS=mysql|postgres`; without it these tests have nothing to run against and
//! say so. The two tests take turns: one of them stops the replica.
//!
//! - With replication delayed on purpose, a client that writes through one process reads
//!   its write back through another at once, every time, while another client (a second
//!   token of the same user) reads the replica's older copy.
//! - A replica stopped under load costs no answer; started again, it takes reads again.
//! - A replica that hangs (a proxy that stops passing bytes) costs a read at most the read
//!   timeout, once; then the primary answers until it thaws.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use web_test::redis_url;

use crate::processes::{Proxy, Server, authority, free_port, get_json, manage, token};
use crate::shared_cache::metric;

static TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A replicated pair and a fresh database on it (dropped at the end).
struct Pair {
    kind: &'static str,
    admin: String,
    name: String,
}

impl Pair {
    async fn new() -> Option<Pair> {
        let kind = match std::env::var("TEST_REPLICAS").as_deref() {
            Ok("mysql") => "mysql",
            Ok("postgres") => "postgres",
            _ => {
                eprintln!(
                    "skipped: set TEST_REPLICAS=mysql or postgres after `.ci/replicas.sh start`"
                );
                return None;
            }
        };
        let admin = match kind {
            "mysql" => "mysql://root@127.0.0.1:3307/test".to_string(),
            _ => "postgres://postgres@127.0.0.1:5433/test?sslmode=disable".to_string(),
        };
        let name = format!("replicas_{}_{}", std::process::id(), rand_suffix());
        let db = sea_orm::Database::connect(&admin)
            .await
            .expect("the primary");
        db.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let pair = Pair { kind, admin, name };
        manage(&pair.primary(), &["migrate"]);
        pair.wait_until_replicated().await;
        Some(pair)
    }

    /// A pair with the demo store on it, replicating without delay.
    async fn seeded() -> Option<Pair> {
        let pair = Pair::new().await?;
        pair.delay(0);
        manage(&pair.primary(), &["seed", "--no-images"]);
        pair.wait_until_replicated().await;
        Some(pair)
    }

    fn url(&self, port: u16) -> String {
        match self.kind {
            "mysql" => format!("mysql://root@127.0.0.1:{port}/{}", self.name),
            _ => format!(
                "postgres://postgres@127.0.0.1:{port}/{}?sslmode=disable",
                self.name
            ),
        }
    }

    fn primary(&self) -> String {
        self.url(if self.kind == "mysql" { 3307 } else { 5433 })
    }

    fn replica(&self) -> String {
        self.url(if self.kind == "mysql" { 3308 } else { 5434 })
    }

    /// Waits until the replica has the migrated tables.
    async fn wait_until_replicated(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(db) = sea_orm::Database::connect(self.replica()).await
                && db
                    .execute_unprepared("SELECT 1 FROM addresses WHERE 1 = 0")
                    .await
                    .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the replica never got the tables"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Runs `.ci/replicas.sh args…`.
    fn script(&self, args: &[&str]) {
        let script: PathBuf = web_test::workspace_root().join(".ci/replicas.sh");
        let output = Command::new("bash")
            .arg(script)
            .args(args)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "replicas.sh {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn delay(&self, seconds: u32) {
        self.script(&["delay", &seconds.to_string()]);
    }

    async fn drop_database(self) {
        if let Ok(db) = sea_orm::Database::connect(&self.admin).await {
            let force = if self.kind == "postgres" {
                " WITH (FORCE)"
            } else {
                ""
            };
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {}{force}", self.name))
                .await;
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

/// `/readyz`'s replica list.
async fn replicas_of(server: &Server) -> Value {
    let (status, body) = get_json(server.url("/readyz"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["replicas"].clone()
}

/// Waits until `server` counts its replica usable (`want`), writing through it meanwhile
/// so that a PostgreSQL standby has something recent to replay.
async fn wait_for_replica(server: &Server, want: bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let replicas = replicas_of(server).await;
        if replicas[0]["ok"] == want {
            return replicas;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never became ok={want}: {replicas}\n{}",
            server.log_text()
        );
        let email = format!("warmup{}@example.com", rand_suffix());
        reqwest::Client::new()
            .post(server.url("/api/accounts/register"))
            .json(&json!({"email": email, "password": "a-long-passphrase", "name": "W"}))
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn new_address(server: &Server, token: &str, round: usize) -> i64 {
    let res = reqwest::Client::new()
        .post(server.url("/api/addresses"))
        .bearer_auth(token)
        .json(
            &json!({"name": format!("Round {round}"), "line1": "1 Main St",
            "city": "Springfield", "postal_code": "62701", "country": "US"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_writer_reads_its_writes_through_another_process_while_replication_lags() {
    let _turn = TURNS.lock().await;
    let Some(pair) = Pair::new().await else {
        return;
    };
    pair.delay(2);
    let settings = [
        ("APP__DATABASE__REPLICA_URLS", pair.replica()),
        ("APP__CACHE__URL", redis_url()),
    ];
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = Server::start(&pair.primary(), &settings).await;
    let b = Server::start(&pair.primary(), &settings).await;
    let res = reqwest::Client::new()
        .post(a.url("/api/accounts/register"))
        .json(&json!({"email": "writer@example.com", "password": "a-long-passphrase", "name": "Writer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let writer = token(&a, "writer@example.com", "a-long-passphrase").await;
    let other = token(&b, "writer@example.com", "a-long-passphrase").await;
    for server in [&a, &b] {
        let replicas = wait_for_replica(server, true).await;
        assert_eq!(replicas[0]["name"], "replica1");
        assert!(replicas[0]["lag_seconds"].as_f64().unwrap() <= 5.0);
        assert!(
            !replicas.to_string().contains("3308") && !replicas.to_string().contains("5434"),
            "no address or credentials in /readyz: {replicas}"
        );
    }
    // A token's first use records it (`last_used_at`): a write, which pins that client for
    // a while. Use the other token once, then let its pin lapse.
    let (status, _) = get_json(a.url("/api/addresses"), Some(&other)).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (mut stale_for_writer, mut stale_for_other) = (0, 0);
    for round in 0..20 {
        let (writes_to, reads_from) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let id = new_address(writes_to, &writer, round).await;
        let path = reads_from.url(&format!("/api/addresses/{id}"));
        let (mine, body) = get_json(path.clone(), Some(&writer)).await;
        match mine {
            StatusCode::OK => assert_eq!(body["name"], format!("Round {round}")),
            StatusCode::NOT_FOUND => stale_for_writer += 1,
            other => panic!("GET {path}: {other} {body}"),
        }
        let (theirs, _) = get_json(path, Some(&other)).await;
        if theirs == StatusCode::NOT_FOUND {
            stale_for_other += 1;
        }
    }
    assert_eq!(stale_for_writer, 0, "the writer read an older copy");
    assert!(
        stale_for_other > 0,
        "the other client never read the (delayed) replica: reads are not routed"
    );
    // Once the pin lapses (max lag + check period + 1 s), the writer reads the replica
    // again, which has the rows by then.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (status, list) = get_json(b.url("/api/addresses?per_page=50"), Some(&writer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 20);
    pair.delay(0);
    drop((a, b));
    pair.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_that_stops_under_load_costs_no_answer_and_comes_back() {
    let _turn = TURNS.lock().await;
    let Some(pair) = Pair::seeded().await else {
        return;
    };
    let metrics_port = free_port().to_string();
    let replica = pair.replica();
    let server = Server::start(
        &pair.primary(),
        &[
            ("APP__DATABASE__REPLICA_URLS", &replica),
            ("APP__METRICS__PORT", &metrics_port),
        ],
    )
    .await;
    let metrics_port: u16 = metrics_port.parse().unwrap();
    wait_for_replica(&server, true).await;
    let replica_reads = || metric(metrics_port, "db_replica_reads_total");

    // Load: four clients reading the (uncached on this database) catalog all along.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (stop, answered, failures) = (stop.clone(), answered.clone(), failures.clone());
            let url = server.url(&format!("/api/catalog/products?per_page={}", 5 + i));
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    match client.get(&url).send().await {
                        Ok(res) if res.status() == StatusCode::OK => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(res) => failures.lock().unwrap().push(res.status().to_string()),
                        Err(e) => failures.lock().unwrap().push(e.to_string()),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = replica_reads().await;
    assert!(before > 0.0, "reads go to the replica while it is up");

    pair.script(&["stop-replica", pair.kind]);
    let down_at = answered.load(Ordering::Relaxed);
    let replicas = wait_for_replica(&server, false).await;
    assert_eq!(replicas[0]["ok"], false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        answered.load(Ordering::Relaxed) > down_at + 20,
        "the primary answers while the replica is down"
    );
    let (status, _) = get_json(server.url("/readyz"), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a dead replica does not make the server unready"
    );

    pair.script(&["start-replica", pair.kind]);
    wait_for_replica(&server, true).await;
    let back = replica_reads().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        replica_reads().await > back,
        "reads go to the replica again once it is back"
    );
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        answered.load(Ordering::Relaxed) + failures.len(),
        &failures[..failures.len().min(5)]
    );
    drop(server);
    pair.drop_database().await;
}

/// A replica that answers small things (pings, and on PostgreSQL its lag check) but hangs
/// on real reads: a read waits at most the read timeout (the statement timeout + 0.5 s) and
/// is answered by the primary, and the replica is skipped for a while after, even though
/// its checks may pass; released, it takes reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_that_hangs_costs_a_read_at_most_the_read_timeout() {
    let _turn = TURNS.lock().await;
    let Some(pair) = Pair::seeded().await else {
        return;
    };
    let replica = pair.replica();
    let proxy = Proxy::start(replica[authority(&replica)].to_string()).await;
    let mut through_proxy = replica.clone();
    through_proxy.replace_range(authority(&replica), &proxy.addr.to_string());
    let metrics_port = free_port().to_string();
    let server = Server::start(
        &pair.primary(),
        &[
            ("APP__DATABASE__REPLICA_URLS", &through_proxy),
            ("APP__DATABASE__STATEMENT_TIMEOUT_MS", "1000"),
            ("APP__METRICS__PORT", &metrics_port),
        ],
    )
    .await;
    let metrics_port: u16 = metrics_port.parse().unwrap();
    wait_for_replica(&server, true).await;
    let replica_reads = || metric(metrics_port, "db_replica_reads_total");
    let client = reqwest::Client::new();
    let list = server.url("/api/catalog/products?per_page=3");
    assert_eq!(
        client.get(&list).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(replica_reads().await > 0.0, "the replica takes reads");

    // Three rows of products are far more than 300 bytes; a ping's reply is far less.
    proxy.hold_larger_than(300);
    let read_timeout = Duration::from_millis(1500);
    let hung_until = Instant::now() + Duration::from_secs(5);
    let mut waits = Vec::new();
    while Instant::now() < hung_until {
        let started = Instant::now();
        let res = client.get(&list).send().await.unwrap();
        waits.push(started.elapsed());
        assert_eq!(res.status(), StatusCode::OK, "the primary answers");
        let body = res.json::<Value>().await.unwrap();
        assert_eq!(body["items"].as_array().unwrap().len(), 3, "{body}");
    }
    let slow: Vec<_> = waits
        .iter()
        .filter(|wait| **wait >= Duration::from_millis(900))
        .collect();
    assert_eq!(
        slow.len(),
        1,
        "one read waits for the hung replica, then it is skipped: {slow:?} of {} reads",
        waits.len()
    );
    // Generous against a busy CI machine; without the read timeout it would wait forever.
    assert!(
        *slow[0] < read_timeout + Duration::from_secs(2),
        "a hung replica held a request {:?}",
        slow[0]
    );
    let (_, ready) = get_json(server.url("/readyz"), None).await;
    assert_eq!(ready["replicas"][0]["ok"], false, "{ready}");

    proxy.release();
    wait_for_replica(&server, true).await;
    let back = replica_reads().await;
    for _ in 0..5 {
        assert_eq!(
            client.get(&list).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    assert!(
        replica_reads().await > back,
        "reads go to the replica again once it answers"
    );
    drop(server);
    pair.drop_database().await;
}
