//! `cargo xtask mail`: background jobs and email end to end, on the release binary with a
//! real SMTP server (aiosmtpd from PyPI, with the handler in `smtp_sink.py`).
//!
//! The store runs as in production: `project serve` with `jobs.run_in_server = false`
//! and `project worker` processes beside it, over a fresh SQLite file (or a fresh
//! `store_mail` database on the server of `--database-url`). Scenarios, in order:
//!
//! 1. A paid order's confirmation is not sent while no worker runs; a worker sends it
//!    (recipient, subject, lines, total, link to the order page, HTML and text parts).
//! 2. With the SMTP server stopped, paying still answers 200 at once; the job is retried
//!    with backoff and the mail arrives after the server comes back.
//! 3. A worker killed (SIGKILL) in the middle of sending leaves the job to another worker
//!    once its lease runs out: the mail arrives exactly once.
//! 4. SIGTERM lets the job in hand finish: the mail arrives and the worker exits 0.
//! 5. A server that stalls after `DATA`, or one that never greets: the send gives up after
//!    `email.timeout_seconds`, the job is retried (the worker is not held), and the mail
//!    arrives once the server answers again.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::e2e::{pypi_venv, server_env, target_dir};
use crate::processes::{
    Processes, free_port, http_get, http_post_json, http_post_json_with, run, tempfile_dir,
    wait_healthy,
};

/// The aiosmtpd release the task installs.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";
const SINK: &str = include_str!("smtp_sink.py");
const CONFIRMATION: &str = "payments.send_order_confirmation";
/// The lease of a claimed job here (production: 300 s).
const LEASE_SECONDS: u64 = 3;
/// `email.timeout_seconds` here (production: 30 s).
const EMAIL_TIMEOUT_SECONDS: u64 = 2;

/// Background jobs and email against a real SMTP server and the release binary
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `project` binary to test [default: build the release binary]
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// A MySQL/MariaDB or PostgreSQL server (`mysql://root@127.0.0.1:3306/test`): run over
    /// a fresh `store_mail` database there instead of a SQLite file
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// A Python with aiosmtpd installed [default: a venv in target/aiosmtpd-venv, installed
    /// from PyPI on first use]
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
}

pub fn run_mail(args: Args) -> Result<()> {
    let root = crate::workspace_root()?;
    let binary = crate::e2e::release_binary(&root, args.binary.as_deref())?;
    let python = match &args.python {
        Some(python) => python.clone(),
        None => pypi_venv(&target_dir(&root), "aiosmtpd-venv", AIOSMTPD)?.join("bin/python"),
    };
    let work = tempfile_dir::TempDir::new("store-mail")?;
    let database = match &args.database_url {
        Some(url) => Some(crate::bench::fresh_database(url, "store_mail")?),
        None => None,
    };
    let mut store = Store::new(&binary, work.path(), python, database.as_deref())?;
    let outcome = store.scenarios();
    let ended = store.procs.ended();
    drop(store);
    if outcome.is_err() {
        for process in &ended {
            eprintln!("--- ended before the end: {process}");
        }
        // What the processes said, before their folder goes.
        for log in [
            "server.log",
            "worker-1.log",
            "worker-2.log",
            "worker-3.log",
            "worker-silent.log",
            "smtp.log",
        ] {
            if let Ok(text) = std::fs::read_to_string(work.path().join(log)) {
                let lines: Vec<&str> = text.lines().collect();
                eprintln!("--- {log} (last 40 lines)");
                for line in &lines[lines.len().saturating_sub(40)..] {
                    eprintln!("{line}");
                }
            }
        }
    }
    if let Some(url) = &args.database_url {
        crate::bench::drop_database(url, "store_mail")?;
    }
    outcome?;
    println!("\nmail passed: every scenario");
    Ok(())
}

/// The store's processes (server, workers, SMTP server) and how to talk to them.
struct Store {
    binary: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    port: u16,
    python: PathBuf,
    smtp_port: u16,
    mail_dir: PathBuf,
    procs: Processes,
    token: String,
    product: Value,
}

impl Store {
    fn new(binary: &Path, dir: &Path, python: PathBuf, database: Option<&str>) -> Result<Store> {
        let port = free_port()?;
        let smtp_port = free_port()?;
        let mut env = server_env(dir, port);
        env.retain(|(key, _)| {
            key != "APP__EMAIL__BACKEND" && (database.is_none() || key != "APP__DATABASE__URL")
        });
        let public_url = format!("http://127.0.0.1:{port}");
        for (key, value) in [
            ("APP__DATABASE__URL", database.unwrap_or_default()),
            ("APP__EMAIL__BACKEND", "smtp"),
            (
                "APP__EMAIL__SMTP_URL",
                &format!("smtp://127.0.0.1:{smtp_port}"),
            ),
            ("APP__EMAIL__FROM", "Store <noreply@store.test>"),
            ("APP__SERVER__PUBLIC_URL", &public_url),
            ("APP__JOBS__RUN_IN_SERVER", "false"),
            ("APP__JOBS__BACKOFF_BASE_SECONDS", "1"),
            ("APP__JOBS__MAX_ATTEMPTS", "20"),
            ("APP__JOBS__LEASE_SECONDS", &LEASE_SECONDS.to_string()),
            (
                "APP__EMAIL__TIMEOUT_SECONDS",
                &EMAIL_TIMEOUT_SECONDS.to_string(),
            ),
        ] {
            if !value.is_empty() {
                env.push((key.into(), value.into()));
            }
        }
        let mail_dir = dir.join("mail");
        std::fs::create_dir_all(&mail_dir)?;
        std::fs::write(dir.join("smtp_sink.py"), SINK)?;
        let mut store = Store {
            binary: binary.to_path_buf(),
            dir: dir.to_path_buf(),
            env,
            port,
            python,
            smtp_port,
            mail_dir,
            procs: Processes::default(),
            token: String::new(),
            product: Value::Null,
        };
        for args in [&["migrate"][..], &["seed", "--users"]] {
            run(
                &mut store.command(args),
                &format!("project {}", args.join(" ")),
            )?;
        }
        let log = std::fs::File::create(dir.join("server.log"))?;
        store.procs.spawn(
            "project serve",
            store.command(&["serve"]).stdout(Stdio::null()).stderr(log),
        )?;
        wait_healthy(port, "project serve", Duration::from_secs(30))?;
        store.token = store.login()?;
        store.product = store.a_product()?;
        Ok(store)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn scenarios(&mut self) -> Result<()> {
        self.start_smtp()?;
        self.no_mail_before_a_worker_runs()?;
        self.mail_arrives_after_the_smtp_server_comes_back()?;
        self.a_killed_workers_job_is_run_again_after_its_lease()?;
        self.sigterm_lets_the_job_in_hand_finish()?;
        self.a_stalling_server_times_out_and_the_job_is_retried()?;
        Ok(())
    }

    fn a_stalling_server_times_out_and_the_job_is_retried(&mut self) -> Result<()> {
        println!(
            "\n=== 5. a server that stalls after DATA or never greets: the send times out, the job is retried"
        );
        // Never greets: a listener that accepts and says nothing, for one worker.
        let silent = std::net::TcpListener::bind("127.0.0.1:0")?;
        let silent_url = format!("smtp://{}", silent.local_addr()?);
        let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = held.clone();
        std::thread::spawn(move || {
            for stream in silent.incoming().flatten() {
                keep.lock().unwrap_or_else(|e| e.into_inner()).push(stream);
            }
        });
        let log = std::fs::File::create(self.dir.join("worker-silent.log"))?;
        let stderr = log.try_clone()?;
        self.procs.spawn(
            "worker silent",
            self.command(&["worker", "--concurrency", "1"])
                .env("APP__EMAIL__SMTP_URL", &silent_url)
                .stdout(log)
                .stderr(stderr),
        )?;
        let (first, _) = self.buy_and_pay()?;
        self.wait_for_attempts("a server that never greets", &Default::default(), 2)?;
        self.procs.signal("worker silent", libc::SIGKILL);
        self.procs.wait("worker silent", Duration::from_secs(10))?;
        ensure!(
            !held.lock().unwrap_or_else(|e| e.into_inner()).is_empty(),
            "the worker never connected to the silent server"
        );

        // Stalls after DATA: the message is in, the answer never comes.
        let stall = self.mail_dir.join("stall");
        std::fs::write(&stall, "")?;
        let before = self.attempts_by_job()?;
        self.start_worker("worker 3")?;
        self.wait_for_attempts("a server that stalls after DATA", &before, 2)?;
        std::fs::remove_file(&stall)?;
        // The mail of the first order arrives (the stalled transaction may be delivered
        // too: a server that had the whole message may deliver it, as SMTP allows).
        let mail = self.wait_for_mail(&first, Duration::from_secs(30))?;
        self.check_confirmation(&mail, &first)?;
        println!(
            "ok: both sends gave up after {EMAIL_TIMEOUT_SECONDS} s and were retried; the mail arrived"
        );
        Ok(())
    }

    /// The attempts of each confirmation job not done, by job id (`project jobs` lists
    /// `id\tstate\t…\tattempts N\t…`).
    fn attempts_by_job(&self) -> Result<std::collections::HashMap<String, u32>> {
        Ok(self
            .confirmation_jobs()?
            .iter()
            .filter_map(|j| {
                let id = j.split('\t').next()?.trim().to_string();
                let after = j.split("\tattempts ").nth(1)?;
                Some((id, after.split('\t').next()?.trim().parse().ok()?))
            })
            .collect())
    }

    /// Waits until a confirmation job has been tried `more` times since `before` (its
    /// attempts then; each try given up after `email.timeout_seconds`), and none is failed
    /// for good. Counted per job: an earlier job finishing meanwhile changes nothing.
    fn wait_for_attempts(
        &self,
        what: &str,
        before: &std::collections::HashMap<String, u32>,
        more: u32,
    ) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(EMAIL_TIMEOUT_SECONDS * 5 + 10);
        loop {
            let jobs = self.confirmation_jobs()?;
            ensure!(
                !jobs.iter().any(|j| j.contains("\tfailed\t")),
                "{what}: failed for good: {jobs:?}"
            );
            let retried = self
                .attempts_by_job()?
                .iter()
                .any(|(id, n)| *n >= before.get(id).copied().unwrap_or(0) + more);
            if retried {
                println!("{what}: given up and retried ({})", jobs.join(" | "));
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "{what}: the job was not given up and retried: {jobs:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn no_mail_before_a_worker_runs(&mut self) -> Result<()> {
        println!("\n=== 1. no mail before a worker runs; a worker sends it");
        let (order, _) = self.buy_and_pay()?;
        std::thread::sleep(Duration::from_secs(2));
        ensure!(
            self.mails_about(&order)?.is_empty(),
            "mail sent with no worker running"
        );
        ensure!(
            self.confirmation_jobs()?
                .iter()
                .any(|j| j.contains("\tqueued\t")),
            "no queued confirmation job: {:?}",
            self.confirmation_jobs()?
        );
        self.start_worker("worker 1")?;
        let mail = self.wait_for_mail(&order, Duration::from_secs(20))?;
        self.check_confirmation(&mail, &order)?;
        println!("ok: {} to {}", mail["subject"], mail["to"]);
        Ok(())
    }

    fn mail_arrives_after_the_smtp_server_comes_back(&mut self) -> Result<()> {
        println!("\n=== 2. the SMTP server is down: pay answers 200 at once, the mail comes later");
        self.procs.stop("smtp server");
        let started = Instant::now();
        let (order, _) = self.buy_and_pay()?;
        println!(
            "pay answered 200 in {} ms with the SMTP server down",
            started.elapsed().as_millis()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let jobs = self.confirmation_jobs()?;
            if jobs.iter().any(|j| {
                j.contains("\tqueued\t")
                    && !j.contains("\tattempts 0\t")
                    && !j.contains("\tattempts 1\t")
            }) {
                println!("retried with backoff: {}", jobs.join(" | "));
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "the job was not retried: {jobs:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        ensure!(
            self.mails_about(&order)?.is_empty(),
            "a mail with the server down"
        );
        self.start_smtp()?;
        let mail = self.wait_for_mail(&order, Duration::from_secs(30))?;
        self.check_confirmation(&mail, &order)?;
        println!("ok: the mail arrived after the server came back");
        Ok(())
    }

    fn a_killed_workers_job_is_run_again_after_its_lease(&mut self) -> Result<()> {
        println!(
            "\n=== 3. a worker killed (SIGKILL) mid-job: another runs the job after the lease"
        );
        self.hold_smtp(true)?;
        let (order, _) = self.buy_and_pay()?;
        self.wait_for_running_job()?;
        self.procs.signal("worker 1", libc::SIGKILL);
        self.procs.wait("worker 1", Duration::from_secs(10))?;
        self.hold_smtp(false)?;
        let killed_at = Instant::now();
        self.start_worker("worker 2")?;
        let mail = self.wait_for_mail(&order, Duration::from_secs(LEASE_SECONDS + 20))?;
        self.check_confirmation(&mail, &order)?;
        ensure!(
            killed_at.elapsed() >= Duration::from_secs(LEASE_SECONDS - 1),
            "the job ran again before the dead worker's lease ran out"
        );
        std::thread::sleep(Duration::from_secs(1));
        ensure!(self.mails_about(&order)?.len() == 1, "sent more than once");
        println!(
            "ok: sent once, {} ms after the kill",
            killed_at.elapsed().as_millis()
        );
        Ok(())
    }

    fn sigterm_lets_the_job_in_hand_finish(&mut self) -> Result<()> {
        println!("\n=== 4. SIGTERM lets the job in hand finish");
        self.hold_smtp(true)?;
        let (order, _) = self.buy_and_pay()?;
        self.wait_for_running_job()?;
        self.procs.signal("worker 2", libc::SIGTERM);
        std::thread::sleep(Duration::from_secs(1));
        ensure!(
            self.mails_about(&order)?.is_empty(),
            "sent while the server held it"
        );
        self.hold_smtp(false)?;
        let status = self.procs.wait("worker 2", Duration::from_secs(30))?;
        ensure!(status.success(), "the worker exited with {status}");
        let mail = self.wait_for_mail(&order, Duration::from_secs(5))?;
        self.check_confirmation(&mail, &order)?;
        ensure!(
            self.confirmation_jobs()?.is_empty(),
            "jobs left: {:?}",
            self.confirmation_jobs()?
        );
        println!("ok: the worker finished sending, then exited 0");
        Ok(())
    }

    fn start_smtp(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("smtp.log"))?;
        self.procs.spawn(
            "smtp server",
            Command::new(&self.python)
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{}", self.smtp_port))
                .args(["-c", "smtp_sink.Sink"])
                .arg(&self.mail_dir)
                .current_dir(&self.dir)
                .env("PYTHONPATH", &self.dir)
                .stdout(Stdio::null())
                .stderr(log),
        )?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.smtp_port)).is_err() {
            ensure!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {} (see {})",
                self.smtp_port,
                self.dir.join("smtp.log").display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// While held, the SMTP server waits before accepting a recipient.
    fn hold_smtp(&self, hold: bool) -> Result<()> {
        let flag = self.mail_dir.join("hold");
        if hold {
            std::fs::write(flag, "")?;
        } else {
            std::fs::remove_file(flag)?;
        }
        Ok(())
    }

    fn start_worker(&mut self, name: &str) -> Result<()> {
        let log = std::fs::File::create(self.dir.join(format!("{}.log", name.replace(' ', "-"))))?;
        let stderr = log.try_clone()?;
        self.procs.spawn(
            name,
            self.command(&["worker", "--concurrency", "2"])
                .stdout(log)
                .stderr(stderr),
        )?;
        Ok(())
    }

    fn login(&self) -> Result<String> {
        let body = json!({"email": "user@example.com", "password": "userpass123"}).to_string();
        let (status, answer) = http_post_json(self.port, "/api/accounts/token", &body)?;
        ensure!(
            status == 200,
            "login answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        let json: Value = serde_json::from_slice(&answer)?;
        Ok(json["token"].as_str().context("no token")?.to_string())
    }

    /// A seeded product in dollars with stock (the mail's total is checked as `$…`).
    fn a_product(&self) -> Result<Value> {
        let (status, body) = http_get(self.port, "/api/catalog/products", None)?;
        ensure!(status == 200, "product list answered {status}");
        let json: Value = serde_json::from_slice(&body)?;
        json["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|p| p["currency"] == "USD" && p["stock"].as_i64() > Some(10))
            })
            .cloned()
            .context("the seeded catalog has no USD product in stock")
    }

    /// Orders one unit of the product and pays it by the API: (the order, the total).
    fn buy_and_pay(&self) -> Result<(Value, i64)> {
        let bearer = format!("Bearer {}", self.token);
        let body =
            json!({"items": [{"product_id": self.product["id"], "quantity": 1}]}).to_string();
        let (status, answer) = http_post_json_with(
            self.port,
            "/api/orders",
            &body,
            &[("Authorization", &bearer)],
        )?;
        ensure!(
            status == 201,
            "order answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        let order: Value = serde_json::from_slice(&answer)?;
        let key = format!("mail-{}", order["id"]);
        let pay = json!({"card_number": "4242424242424242"}).to_string();
        let (status, answer) = http_post_json_with(
            self.port,
            &format!("/api/orders/{}/pay", order["id"]),
            &pay,
            &[("Authorization", &bearer), ("Idempotency-Key", &key)],
        )?;
        ensure!(
            status == 200,
            "pay answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        let total = order["total_cents"].as_i64().context("no total")?;
        Ok((order, total))
    }

    /// Received mail about `order` (by its subject).
    fn mails_about(&self, order: &Value) -> Result<Vec<Value>> {
        let subject = format!("Order #{} is paid", order["id"]);
        let mut mails = Vec::new();
        for entry in std::fs::read_dir(&self.mail_dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let mail: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
                if mail["subject"] == subject.as_str() {
                    mails.push(mail);
                }
            }
        }
        Ok(mails)
    }

    fn wait_for_mail(&self, order: &Value, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(mail) = self.mails_about(order)?.into_iter().next() {
                return Ok(mail);
            }
            if Instant::now() > deadline {
                bail!(
                    "no confirmation of order {} within {} s; jobs: {:?}",
                    order["id"],
                    timeout.as_secs(),
                    self.confirmation_jobs()?
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `project jobs` lines of confirmation jobs (queued, running or failed).
    fn confirmation_jobs(&self) -> Result<Vec<String>> {
        let listed = run(&mut self.command(&["jobs"]), "project jobs")?;
        Ok(listed
            .lines()
            .filter(|l| l.contains(CONFIRMATION))
            .map(str::to_string)
            .collect())
    }

    fn wait_for_running_job(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self
            .confirmation_jobs()?
            .iter()
            .any(|j| j.contains("\trunning\t"))
        {
            ensure!(Instant::now() < deadline, "no worker took the job");
            std::thread::sleep(Duration::from_millis(100));
        }
        // The worker is connected and waiting on the held server.
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }

    fn check_confirmation(&self, mail: &Value, order: &Value) -> Result<()> {
        let total = order["total_cents"].as_i64().context("no total")?;
        let money = format!("${}.{:02}", total / 100, total % 100);
        let link = format!("http://127.0.0.1:{}/orders/{}/", self.port, order["id"]);
        let text = mail["text"].as_str().unwrap_or_default();
        let html = mail["html"].as_str().unwrap_or_default();
        ensure!(
            mail["to"] == "user@example.com",
            "recipient: {}",
            mail["to"]
        );
        ensure!(
            mail["envelope_to"] == json!(["user@example.com"]),
            "envelope: {}",
            mail["envelope_to"]
        );
        ensure!(
            text.contains(&format!("Total: {money}")),
            "no total {money} in:\n{text}"
        );
        ensure!(text.contains(&link), "no link {link} in:\n{text}");
        let name = self.product["name"].as_str().unwrap_or_default();
        ensure!(text.contains(name), "no line for {name} in:\n{text}");
        ensure!(
            html.contains(&money) && html.contains("See your order"),
            "HTML part:\n{html}"
        );
        Ok(())
    }
}
