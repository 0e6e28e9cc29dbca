//! `cargo xtask bench`: our server, the Django peer and a floor, under the same load, in
//! one run on this machine; one table, and `BENCHMARKS.md` with the machine and a plot.
//!
//! Every server runs alone under load (the others idle). Our server is the release build on
//! a fresh SQLite file seeded exactly like the peer (1,000 products, the local users),
//! with the production settings. The floor is a bare axum server that returns the same
//! product-list bytes from memory: what the HTTP stack alone does here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::processes::{Processes, free_port, http_get, run, tempfile_dir, wait_healthy};

mod client;
mod flood;
mod writes;

/// Benchmark our server against the Django peer and a floor (needs wrk, curl, python3)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds of load per endpoint
    #[arg(long, default_value_t = 10)]
    duration: u32,
    /// Concurrent connections
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Also measure our server on these databases: mysql, postgres (URLs from
    /// BENCH_MYSQL_URL / BENCH_POSTGRES_URL, defaulting to the local test servers)
    #[arg(long, value_delimiter = ',')]
    databases: Vec<String>,
    /// Also seed a large catalog (see --large-products) on SQLite and every --databases
    /// database and measure the list, cursor pages and searches at that size
    #[arg(long)]
    large: bool,
    /// Products of the large catalog
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    large_products: u32,
    /// Shared cache for the --databases runs: each database is measured without and with
    /// it (empty: without only)
    #[arg(long, default_value = "redis://127.0.0.1:6379/0", value_name = "URL")]
    cache_url: String,
    /// Skip the Django peer (ours and the floor only)
    #[arg(long)]
    no_peer: bool,
    /// Also measure the write path on SQLite and every --databases database, ours beside
    /// the Django peer: create + pay orders at 32 connections, and a flash sale (500
    /// buyers racing for 50 units of one product)
    #[arg(long)]
    writes: bool,
    /// Also measure noisy neighbours on every --databases database: 32 connections
    /// flooding the search while one client measures detail, list and a whole-catalog
    /// search (at --large-products products)
    #[arg(long)]
    flood: bool,
    /// Skip the read endpoints, the floor and --large (with --writes or --flood: those
    /// only)
    #[arg(long)]
    skip_reads: bool,
    /// Write the results to this file (Markdown) and a plot beside it
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
}

/// One endpoint's figures from `load.sh`.
#[derive(Debug, Clone, Default)]
struct Figures {
    req_per_s: f64,
    p99_ms: f64,
    errors: u64,
}

type Results = BTreeMap<String, Figures>;

/// Peak resident memory of a process (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

struct Bench {
    root: PathBuf,
    shared: PathBuf,
    args: Args,
    work: tempfile_dir::TempDir,
}

impl Bench {
    fn project_binary(&self) -> PathBuf {
        self.target_dir().join("release/project")
    }

    fn target_dir(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"))
    }

    /// The environment of our server: production settings, quiet logs, `database`.
    fn our_env(&self, database: &str, port: u16) -> Vec<(String, String)> {
        [
            ("APP_ENV", "production"),
            (
                "APP__SECRET_KEY",
                "bench-secret-key-0123456789abcdef0123456789abcdef",
            ),
            ("APP__PAYMENTS__WEBHOOK_SECRET", "whsec_test_secret"),
            ("APP__DATABASE__URL", database),
            ("APP__DATABASE__AUTO_MIGRATE", "true"),
            ("APP__LOG__LEVEL", "warn"),
            ("APP__SERVER__ALLOWED_HOSTS", "127.0.0.1,localhost"),
            ("APP__EMAIL__BACKEND", "console"),
            // The load comes from one address: budgets off, as for every load tool here.
            ("APP__RATELIMIT__ENABLED", "false"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([("APP__SERVER__PORT".to_string(), port.to_string())])
        .collect()
    }

    fn project(&self, env: &[(String, String)], args: &[&str]) -> Command {
        let mut command = Command::new(self.project_binary());
        command
            .args(args)
            .current_dir(self.work.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        command.envs(env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// `load.sh` against `port` for `endpoints`.
    fn load(&self, port: u16, endpoints: &str) -> Result<Results> {
        let out = run(
            Command::new("bash")
                .arg(self.shared.join("bench/load.sh"))
                .arg(format!("http://127.0.0.1:{port}"))
                .env("DURATION", format!("{}s", self.args.duration))
                .env("CONNECTIONS", self.args.connections.to_string())
                .env("ENDPOINTS", endpoints)
                .stderr(Stdio::inherit()),
            "load.sh",
        )?;
        print!(
            "{}",
            out.lines()
                .filter(|l| !l.starts_with('{'))
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        let json = out
            .lines()
            .find(|l| l.starts_with('{'))
            .context("load.sh printed no JSON line")?;
        let report: serde_json::Value = serde_json::from_str(json)?;
        let mut results = Results::new();
        for item in report["results"].as_array().into_iter().flatten() {
            results.insert(
                item["endpoint"].as_str().unwrap_or_default().to_string(),
                Figures {
                    req_per_s: item["req_per_s"].as_f64().unwrap_or_default(),
                    p99_ms: item["p99_ms"].as_f64().unwrap_or_default(),
                    errors: item["errors"].as_u64().unwrap_or_default(),
                },
            );
        }
        Ok(results)
    }

    /// wrk directly against one URL (for the large-catalog queries `load.sh` does not have).
    fn wrk(&self, url: &str, connections: u32) -> Result<Figures> {
        self.wrk_with(url, connections, &self.shared.join("bench/wrk_report.lua"))
    }

    /// wrk with `connections` and a Lua `script` (which reports like `wrk_report.lua`).
    fn wrk_with(&self, url: &str, connections: u32, script: &Path) -> Result<Figures> {
        let out = run(
            Command::new("wrk")
                .args([
                    "-t2",
                    &format!("-c{connections}"),
                    &format!("-d{}s", self.args.duration),
                    "--latency",
                    "-s",
                ])
                .arg(script)
                .arg(url),
            "wrk",
        )?;
        wrk_figures(&out)
    }

    /// Runs the Django peer (2 gunicorn workers, 1,000 products, its database given by
    /// `database`, a `run.sh` variable and its value), loads `endpoints` and stops it.
    fn run_peer(
        &self,
        procs: &mut Processes,
        name: &str,
        database: (&str, &std::ffi::OsStr),
        endpoints: &str,
    ) -> Result<Results> {
        let peer_port = self.start_peer(procs, name, database)?;
        let results = self.load(peer_port, endpoints)?;
        procs.stop(name);
        Ok(results)
    }

    /// Starts the Django peer on an emptied `database` (seeded with 1,000 products and the
    /// local users) and returns its port.
    fn start_peer(
        &self,
        procs: &mut Processes,
        name: &str,
        database: (&str, &std::ffi::OsStr),
    ) -> Result<u16> {
        let peer_port = free_port()?;
        let log = std::fs::File::create(self.work.path().join(format!("{name}.log")))?;
        procs.spawn(
            name,
            Command::new("bash")
                .arg(self.shared.join("peers/django_store/run.sh"))
                .env("WORKERS", "2")
                .env("PORT", peer_port.to_string())
                .env("SEED_PRODUCTS", "1000")
                .env("RESET_DB", "1")
                .env(database.0, database.1)
                .stdout(log.try_clone()?)
                .stderr(log),
        )?;
        wait_healthy(peer_port, "the Django peer", Duration::from_secs(600))?;
        Ok(peer_port)
    }

    /// Starts our server on `database` (migrated and seeded) and returns its port and pid.
    fn start_ours(
        &self,
        procs: &mut Processes,
        name: &str,
        database: &str,
        products: u32,
    ) -> Result<(u16, u32)> {
        self.start_ours_with(procs, name, database, products, &[])
    }

    /// [`Bench::start_ours`] with more settings (`APP__…` variables).
    fn start_ours_with(
        &self,
        procs: &mut Processes,
        name: &str,
        database: &str,
        products: u32,
        settings: &[(&str, &str)],
    ) -> Result<(u16, u32)> {
        let port = free_port()?;
        let mut env = self.our_env(database, port);
        env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let started = Instant::now();
        let seeded = run(
            self.project(
                &env,
                &["seed", "--products", &products.to_string(), "--users"],
            )
            .stderr(Stdio::piped()),
            "project seed",
        )?;
        println!(
            "  seeded {name}: {} ({:.1} s)",
            seeded
                .lines()
                .find(|l| l.starts_with("products:"))
                .unwrap_or("")
                .trim(),
            started.elapsed().as_secs_f64()
        );
        let log = std::fs::File::create(self.work.path().join(format!("{name}.log")))?;
        let pid = procs.spawn(
            name,
            self.project(&env, &["serve"])
                .stdout(Stdio::null())
                .stderr(log),
        )?;
        wait_healthy(port, name, Duration::from_secs(30))?;
        Ok((port, pid))
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| format!("{:.0} GiB RAM", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    let kernel = Command::new("uname")
        .arg("-sr")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let wrk = Command::new("wrk")
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {mem}, {kernel}; {rustc}; {wrk}; load generator and servers on the same machine"
    )
}

/// Connections for the large-catalog table: the issue's targets for a million products
/// are stated at 16.
const LARGE_CONNECTIONS: u32 = 16;

const ENDPOINTS: [(&str, &str); 5] = [
    ("healthz", "GET /healthz"),
    (
        "products_list",
        "GET /api/catalog/products?page=1&per_page=20",
    ),
    ("product_detail", "GET /api/catalog/products/1"),
    ("catalog_html", "GET /catalog/ (HTML)"),
    ("orders_auth", "GET /api/orders (bearer)"),
];

pub fn run_bench(args: Args) -> Result<()> {
    let root = crate::workspace_root()?;
    let shared = root.join("../shared");
    for tool in ["wrk", "curl", "python3"] {
        if Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            if tool == "wrk" && !(args.skip_reads && args.flood) {
                println!("wrk is missing: load.sh installs it with apt-get on first use");
            } else {
                bail!("`{tool}` is needed by the benchmark; install it first");
            }
        }
    }
    if !shared.join("bench/load.sh").is_file() {
        bail!(
            "{} not found: the benchmark uses the shared load script",
            shared.join("bench/load.sh").display()
        );
    }
    println!("Building release binaries (project, floor)...");
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "project",
            "-p",
            "xtask",
            "--bin",
            "project",
            "--bin",
            "floor",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("the release build failed");
    }
    let bench = Bench {
        root,
        shared,
        work: tempfile_dir::TempDir::new("store-bench")?,
        args,
    };
    let mut procs = Processes::default();
    let reads = if bench.args.skip_reads {
        None
    } else {
        Some(measure_reads(&bench, &mut procs)?)
    };
    let writes = if bench.args.writes {
        writes::measure(&bench, &mut procs)?
    } else {
        String::new()
    };
    let flood = if bench.args.flood {
        flood::measure(&bench, &mut procs)?
    } else {
        String::new()
    };
    drop(procs);

    let mut report = reads
        .as_ref()
        .map(|r| {
            report(
                &r.ours,
                &r.django,
                &r.floor,
                r.rss,
                &r.other_dbs,
                &r.large,
                &r.seed_times,
                &bench.args,
            )
        })
        .unwrap_or_default();
    report.push_str(&writes);
    report.push_str(&flood);
    println!("\n{report}");
    if let Some(path) = &bench.args.write {
        let mut doc = format!(
            "# Benchmarks\n\nMeasured by `cargo xtask bench{}` on {} UTC.\n\n**Machine:** {}.\n\n{report}\n",
            invocation(&bench.args),
            time::OffsetDateTime::now_utc().format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))?,
            machine()
        );
        if let Some(reads) = &reads {
            let plot = path.with_extension("svg");
            std::fs::write(&plot, plot_svg(&reads.ours, &reads.django, &reads.floor))?;
            let name = plot
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("bench.svg");
            doc.push_str(&format!("![Requests per second, log scale]({name})\n"));
            println!("Wrote {}", plot.display());
        }
        std::fs::write(path, doc)?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}

/// The read endpoints' figures: ours, the peer's and the floor's on SQLite, the same on
/// every --databases database, and the large catalog.
struct ReadRun {
    ours: Results,
    django: Results,
    floor: Results,
    rss: Option<f64>,
    other_dbs: Vec<SameDatabase>,
    large: Vec<(String, String, f64, Figures)>,
    seed_times: Vec<(String, f64)>,
}

fn measure_reads(bench: &Bench, procs: &mut Processes) -> Result<ReadRun> {
    let all = ENDPOINTS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(",");

    println!("\nOur server (release, SQLite, production settings):");
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        bench.work.path().join("bench.sqlite3").display()
    );
    let (port, pid) = bench.start_ours(procs, "ours", &sqlite, 1000)?;
    let (status, list) = http_get(port, "/api/catalog/products?page=1&per_page=20", None)?;
    if status != 200 {
        bail!("our product list answered {status}");
    }
    let ours = bench.load(port, &all)?;
    let rss = peak_rss_mib(pid);
    procs.stop("ours");

    println!("\nFloor (bare axum, the same JSON from memory):");
    let body_file = bench.work.path().join("products.json");
    std::fs::write(&body_file, &list)?;
    let floor_port = free_port()?;
    let floor_bin = bench.target_dir().join("release/floor");
    procs.spawn(
        "floor",
        Command::new(&floor_bin)
            .args(["--port", &floor_port.to_string(), "--body"])
            .arg(&body_file),
    )?;
    wait_healthy(floor_port, "the floor", Duration::from_secs(10))?;
    let floor = bench.load(floor_port, "healthz,products_list")?;
    procs.stop("floor");

    let django = if bench.args.no_peer {
        Results::new()
    } else {
        println!(
            "\nDjango peer (gunicorn, 2 sync workers, SQLite; first run installs it into a venv):"
        );
        let sqlite = bench.work.path().join("django.sqlite3");
        bench.run_peer(
            procs,
            "django",
            ("DJANGO_STORE_DB", sqlite.as_os_str()),
            &all,
        )?
    };

    let mut other_dbs: Vec<SameDatabase> = Vec::new();
    for db in &bench.args.databases {
        let url = server_url(db)?;
        let mut run = SameDatabase {
            db: db.clone(),
            ..SameDatabase::default()
        };
        if !bench.args.no_peer {
            println!("\nDjango peer on {db} (gunicorn, 2 sync workers):");
            let peer_database = django_url(&fresh_database(&url, "store_bench_django")?);
            run.django = bench.run_peer(
                procs,
                &format!("django-{db}"),
                ("DJANGO_STORE_DB_URL", peer_database.as_ref()),
                &all,
            )?;
        }
        let database = fresh_database(&url, "store_bench")?;
        println!("\nOur server on {db}, no cache:");
        let (port, _) = bench.start_ours(procs, db, &database, 1000)?;
        run.uncached = bench.load(port, &all)?;
        procs.stop(db);
        if !bench.args.cache_url.is_empty() {
            println!(
                "\nOur server on {db}, cache.url = {}:",
                bench.args.cache_url
            );
            let (port, pid) = bench.start_ours_with(
                procs,
                db,
                &database,
                1000,
                &[("APP__CACHE__URL", &bench.args.cache_url)],
            )?;
            run.cached = bench.load(port, &all)?;
            run.cached_rss = peak_rss_mib(pid);
            procs.stop(db);
        }
        other_dbs.push(run);
    }

    let mut large: Vec<(String, String, f64, Figures)> = Vec::new();
    let mut seed_times: Vec<(String, f64)> = Vec::new();
    if bench.args.large {
        let products = bench.args.large_products;
        let mut targets = vec![(
            "sqlite".to_string(),
            format!(
                "sqlite://{}?mode=rwc",
                bench.work.path().join("large.sqlite3").display()
            ),
        )];
        for db in &bench.args.databases {
            targets.push((
                db.clone(),
                fresh_database(&server_url(db)?, "store_bench_large")?,
            ));
        }
        let script = bench.work.path().join("random_search.lua");
        std::fs::write(&script, random_search_script(&bench.shared, products))?;
        for (db, url) in targets {
            println!("\n{products} products on {db}:");
            let name = format!("large-{db}");
            let started = Instant::now();
            let (port, _) = bench.start_ours(procs, &name, &url, products)?;
            seed_times.push((db.clone(), started.elapsed().as_secs_f64()));
            // A cursor 50,000 rows deep (or as deep as the catalog goes).
            let deep_page = (products / 20).clamp(1, 2500);
            let (_, deep) = http_get(
                port,
                &format!("/api/catalog/products?page={deep_page}&per_page=20"),
                None,
            )?;
            let deep: serde_json::Value = serde_json::from_slice(&deep)?;
            let cursor = deep["next_cursor"].as_str().unwrap_or_default().to_string();
            let mut queries = vec![
                (
                    "list, page 1".to_string(),
                    "/api/catalog/products?page=1&per_page=20".to_string(),
                ),
                (
                    format!("list, page {deep_page}"),
                    format!("/api/catalog/products?page={deep_page}&per_page=20"),
                ),
            ];
            if !cursor.is_empty() {
                queries.push((
                    format!("cursor page {} rows deep", deep_page * 20),
                    format!("/api/catalog/products?per_page=20&cursor={cursor}"),
                ));
            }
            queries.extend([
                (
                    "search name `Product 0999`".to_string(),
                    "/api/catalog/products?q=Product%200999".to_string(),
                ),
                (
                    "search with no hit".to_string(),
                    "/api/catalog/products?q=no-such-product".to_string(),
                ),
                (
                    "search `Product` (every product)".to_string(),
                    "/api/catalog/products?q=Product".to_string(),
                ),
            ]);
            for (label, path) in &queries {
                // The first request is a cache miss on SQLite: the query's own cost.
                let started = Instant::now();
                let (status, _) = http_get(port, path, None)?;
                let first_ms = started.elapsed().as_secs_f64() * 1000.0;
                if status != 200 {
                    bail!("{path} answered {status}");
                }
                let figures =
                    bench.wrk(&format!("http://127.0.0.1:{port}{path}"), LARGE_CONNECTIONS)?;
                println!(
                    "    {label:<40} first {first_ms:>7.2} ms  {:>10.0} req/s  p99 {:>7.2} ms",
                    figures.req_per_s, figures.p99_ms
                );
                large.push((db.clone(), label.clone(), first_ms, figures));
            }
            // A different term on every request: no cache can answer.
            let label = "search, a random term per request".to_string();
            let figures = bench.wrk_with(
                &format!("http://127.0.0.1:{port}/api/catalog/products"),
                LARGE_CONNECTIONS,
                &script,
            )?;
            println!(
                "    {label:<40}                 {:>10.0} req/s  p99 {:>7.2} ms  errors {}",
                figures.req_per_s, figures.p99_ms, figures.errors
            );
            large.push((db.clone(), label, f64::NAN, figures));
            procs.stop(&name);
        }
    }
    Ok(ReadRun {
        ours,
        django,
        floor,
        rss,
        other_dbs,
        large,
        seed_times,
    })
}

/// The options of this run, as typed: ` --databases mysql,postgres --large`.
fn invocation(args: &Args) -> String {
    let mut out = String::new();
    if args.duration != 10 {
        out.push_str(&format!(" --duration {}", args.duration));
    }
    if args.connections != 64 {
        out.push_str(&format!(" --connections {}", args.connections));
    }
    if !args.databases.is_empty() {
        out.push_str(&format!(" --databases {}", args.databases.join(",")));
    }
    if args.large {
        out.push_str(" --large");
        if args.large_products != 100_000 {
            out.push_str(&format!(" --large-products {}", args.large_products));
        }
    }
    if args.no_peer {
        out.push_str(" --no-peer");
    }
    if args.writes {
        out.push_str(" --writes");
    }
    if args.flood {
        out.push_str(" --flood");
    }
    if args.skip_reads {
        out.push_str(" --skip-reads");
    }
    out
}

/// One database server's side-by-side: the Django peer, ours without and with the shared
/// cache, all with the same seed.
#[derive(Default)]
struct SameDatabase {
    db: String,
    django: Results,
    uncached: Results,
    cached: Results,
    cached_rss: Option<f64>,
}

/// The figures of wrk's output with a `wrk_report.lua`-like script (its `WRK_RESULT` line).
fn wrk_figures(out: &str) -> Result<Figures> {
    let line = out
        .lines()
        .find(|l| l.starts_with("WRK_RESULT "))
        .context("no WRK_RESULT line")?;
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    Ok(Figures {
        req_per_s: f[0] / f[1],
        p99_ms: f[3],
        errors: f[6..].iter().sum::<f64>() as u64,
    })
}

/// The server URL for `--databases` name `db`.
fn server_url(db: &str) -> Result<String> {
    Ok(match db {
        "mysql" | "mariadb" => std::env::var("BENCH_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        "postgres" | "postgresql" => std::env::var("BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into()),
        other => bail!("unknown database `{other}`: use mysql or postgres"),
    })
}

/// The peer's `DJANGO_STORE_DB_URL`: ours without the query string.
fn django_url(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

/// A wrk script asking for a different search term on every request (so no cache can
/// answer): a product number's digits (3 to 6 of them), a whole name or a whole sku, as
/// a shop's visitors type them. Reports like `wrk_report.lua`.
fn random_search_script(shared: &Path, products: u32) -> String {
    search_script(shared, products, "forms[math.random(#forms)]()")
}

/// A wrk script searching for the Lua expression `term` on each request; it may use
/// `forms` (a random number, `Product NNNN` or `SKU-NNNNNN` of `products`) and `turn`
/// (the request's number on its connection). Reports like `wrk_report.lua`.
pub(crate) fn search_script(shared: &Path, products: u32, term: &str) -> String {
    format!(
        r#"dofile("{report}")
local n = {products}
math.randomseed(os.time())
local forms = {{
  function() local d = math.random(3, 6); return tostring(math.random(10 ^ (d - 1), 10 ^ d - 1)) end,
  function() return string.format("Product%%20%04d", math.random(1, n)) end,
  function() return string.format("SKU-%06d", math.random(1, n)) end,
}}
local turn = 0
request = function()
  turn = turn + 1
  local q = {term}
  return wrk.format("GET", "/api/catalog/products?q=" .. q)
end
"#,
        report = shared.join("bench/wrk_report.lua").display()
    )
}

/// Drops and creates database `name` on the server of `url`; returns its URL.
pub(crate) fn fresh_database(url: &str, name: &str) -> Result<String> {
    let (main, query) = url
        .split_once('?')
        .map(|(m, q)| (m, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let base = &main[..main.rfind('/').context("a database URL ends with /name")? + 1];
    drop_database(url, name)?;
    on_server(url, &format!("CREATE DATABASE {name}"))?;
    Ok(format!("{base}{name}{query}"))
}

/// Drops database `name` on the server of `url`, if it exists.
pub(crate) fn drop_database(url: &str, name: &str) -> Result<()> {
    if url.starts_with("mysql") {
        on_server(url, &format!("DROP DATABASE IF EXISTS {name}"))
    } else {
        on_server(url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    }
}

/// Runs one statement with the server's command-line client (`mariadb` or `psql`).
fn on_server(url: &str, sql: &str) -> Result<()> {
    if url.starts_with("mysql") {
        run(
            Command::new("mariadb").args(["-uroot", "-h127.0.0.1", "-e", sql]),
            "mariadb",
        )?;
    } else {
        run(
            Command::new("psql").args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ]),
            "psql",
        )?;
    }
    Ok(())
}

fn ratio(a: f64, b: f64) -> String {
    if a > 0.0 && b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "—".into()
    }
}

fn rps(f: Option<&Figures>) -> String {
    f.map(|f| format!("{:.0}", f.req_per_s))
        .unwrap_or_else(|| "—".into())
}

fn p99(f: Option<&Figures>) -> String {
    f.map(|f| format!("{:.1}", f.p99_ms))
        .unwrap_or_else(|| "—".into())
}

fn report(
    ours: &Results,
    django: &Results,
    floor: &Results,
    rss: Option<f64>,
    others: &[SameDatabase],
    large: &[(String, String, f64, Figures)],
    seed_times: &[(String, f64)],
    args: &Args,
) -> String {
    let mut out = format!(
        "wrk: {} connections, 2 threads, {} s per endpoint after a 2 s warm-up (`load.sh`).\n\n| endpoint | Django req/s | ours req/s | floor req/s | ours/Django | ours/floor | p99 ms Django / ours / floor | errors (ours) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        args.connections, args.duration
    );
    for (key, label) in ENDPOINTS {
        let (o, d, f) = (ours.get(key), django.get(key), floor.get(key));
        out.push_str(&format!(
            "| `{label}` | {} | {} | {} | {} | {} | {} / {} / {} | {} |\n",
            rps(d),
            rps(o),
            rps(f),
            ratio(
                o.map_or(0.0, |x| x.req_per_s),
                d.map_or(0.0, |x| x.req_per_s)
            ),
            if f.is_some() {
                format!(
                    "{:.0}%",
                    100.0 * o.map_or(0.0, |x| x.req_per_s) / f.map_or(1.0, |x| x.req_per_s)
                )
            } else {
                "—".into()
            },
            p99(d),
            p99(o),
            p99(f),
            o.map_or(0, |x| x.errors)
        ));
    }
    if let Some(rss) = rss {
        out.push_str(&format!(
            "\nPeak RSS of our server during the run: **{rss:.1} MiB**.\n"
        ));
    }
    for run in others {
        out.push_str(&format!(
            "\n**{}, the same database for both** (1,000 products; ours without a cache, then with `cache.url` = Redis):\n\n| endpoint | Django req/s | ours req/s | ours/Django | ours + cache req/s | ours + cache/Django | p99 ms Django / ours / ours + cache | errors (ours) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            run.db
        ));
        for (key, label) in ENDPOINTS {
            let (d, u, c) = (
                run.django.get(key),
                run.uncached.get(key),
                run.cached.get(key),
            );
            let base = d.map_or(0.0, |x| x.req_per_s);
            out.push_str(&format!(
                "| `{label}` | {} | {} | {} | {} | {} | {} / {} / {} | {} |\n",
                rps(d),
                rps(u),
                ratio(u.map_or(0.0, |x| x.req_per_s), base),
                rps(c),
                ratio(c.map_or(0.0, |x| x.req_per_s), base),
                p99(d),
                p99(u),
                p99(c),
                u.map_or(0, |x| x.errors) + c.map_or(0, |x| x.errors)
            ));
        }
        if let Some(rss) = run.cached_rss {
            out.push_str(&format!(
                "\nPeak RSS of our server with the cache: {rss:.1} MiB.\n"
            ));
        }
    }
    if !large.is_empty() {
        out.push_str(&format!("\n**{} products** (`project seed --products {}`; seeding took {}). *First* is one request on an idle server, before any cache has the answer: the query's own cost. On SQLite the load then runs from the cache; on MySQL/MariaDB and PostgreSQL (no `cache.url`) every request runs the query. The random-term search asks for a different term on every request (digits of a product number, a name, a sku), so nothing is cached anywhere. Every row at {LARGE_CONNECTIONS} connections.\n\n| database | query | first ms | req/s | p99 ms | errors |\n|---|---|---:|---:|---:|---:|\n",
            args.large_products, args.large_products,
            seed_times.iter().map(|(db, s)| format!("{s:.0} s on {db}")).collect::<Vec<_>>().join(", ")));
        for (db, label, first_ms, f) in large {
            let first = if first_ms.is_nan() {
                "—".to_string()
            } else {
                format!("{first_ms:.1}")
            };
            out.push_str(&format!(
                "| {db} | {label} | {first} | {:.0} | {:.1} | {} |\n",
                f.req_per_s, f.p99_ms, f.errors
            ));
        }
    }
    out
}

/// A grouped bar chart (log scale) of the three servers per endpoint, as SVG.
fn plot_svg(ours: &Results, django: &Results, floor: &Results) -> String {
    let (w, h, left, bottom, top) = (860.0, 420.0, 70.0, 90.0, 40.0);
    let plot_h = h - bottom - top;
    let max = [ours, django, floor]
        .iter()
        .flat_map(|r| r.values())
        .map(|f| f.req_per_s)
        .fold(1.0, f64::max);
    let decades = max.log10().ceil().max(1.0);
    let y = |v: f64| top + plot_h * (1.0 - (v.max(1.0).log10() / decades));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{left}\" y=\"24\" font-size=\"15\">Requests per second (log scale), higher is better</text>\n"
    );
    for d in 0..=(decades as i32) {
        let v = 10f64.powi(d);
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            w - 20.0,
            left - 6.0,
            y(v) + 4.0,
            if v >= 1000.0 { format!("{}k", v / 1000.0) } else { format!("{v}") },
            y = y(v)
        ));
    }
    let series = [
        ("Django", django, "#a0a0a0"),
        ("ours", ours, "#0b5cad"),
        ("floor", floor, "#7fbf7f"),
    ];
    let group = (w - left - 20.0) / ENDPOINTS.len() as f64;
    let bar = group / 4.0;
    for (i, (key, label)) in ENDPOINTS.iter().enumerate() {
        let x0 = left + group * i as f64 + bar / 2.0;
        for (j, (_, results, color)) in series.iter().enumerate() {
            if let Some(f) = results.get(*key) {
                let x = x0 + bar * j as f64;
                let top_y = y(f.req_per_s);
                svg.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{top_y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{:.0}</text>\n",
                    bar - 2.0,
                    (h - bottom) - top_y,
                    x + bar / 2.0 - 1.0,
                    top_y - 3.0,
                    f.req_per_s
                ));
            }
        }
        let short = label
            .trim_start_matches("GET ")
            .split('?')
            .next()
            .unwrap_or(label);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x0 + bar * 1.5,
            h - bottom + 18.0,
            short.replace('&', "&amp;").replace('<', "&lt;")
        ));
    }
    for (j, (name, _, color)) in series.iter().enumerate() {
        let x = left + 140.0 * j as f64;
        svg.push_str(&format!("<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{name}</text>\n", h - 40.0, x + 18.0, h - 30.0));
    }
    svg.push_str("</svg>\n");
    svg
}
