//! Noisy neighbours (`cargo xtask bench --flood`): at a large catalog, other clients
//! hammer the search (`?q=Product`, which matches every product, and a random term per
//! request) on 32 connections while one more client measures what a shopper does: a
//! product's detail, the list's first page and a whole-catalog search. Our server on
//! MySQL/MariaDB and PostgreSQL without a cache (every request runs its statements),
//! rate limits off (they would turn the flood away rather than let its cost show).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::client::{client, percentile, sorted};
use super::{Bench, fresh_database, server_url};
use crate::processes::Processes;

/// Connections of the flood.
const FLOODERS: u32 = 32;

/// What the measuring client asks for, in turn.
const KINDS: [(&str, &str); 3] = [
    ("product detail", "detail"),
    ("list, page 1", "/api/catalog/products?page=1&per_page=20"),
    (
        "search `Product` (every product)",
        "/api/catalog/products?q=Product",
    ),
];

/// The measuring client's figures for one kind of request.
#[derive(Debug, Clone, Default)]
struct Measured {
    requests: usize,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// One database's run: the measuring client alone, then beside the flood.
struct FloodRow {
    db: String,
    alone: Vec<Measured>,
    flooded: Vec<Measured>,
    /// The flood's own figures (wrk): requests per second, p99, errors.
    flood: super::Figures,
}

/// Seeds `--large-products` on every --databases database, then measures.
pub(super) fn measure(bench: &Bench, procs: &mut Processes) -> Result<String> {
    let runtime = tokio::runtime::Runtime::new()?;
    let duration = Duration::from_secs(bench.args.duration.into());
    let products = bench.args.large_products;
    let script = bench.work.path().join("flood.lua");
    std::fs::write(&script, flood_script(&bench.shared, products))?;
    let mut rows = Vec::new();
    for db in &bench.args.databases {
        println!("\nNoisy neighbours, {products} products on {db}:");
        let database = fresh_database(&server_url(db)?, "store_bench_flood")?;
        let name = format!("flood-{db}");
        let (port, _) = bench.start_ours(procs, &name, &database, products)?;
        let base = format!("http://127.0.0.1:{port}");
        let alone = runtime.block_on(shopper(&base, products, duration))?;
        report_line("alone", &alone);
        let wrk = Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{FLOODERS}"),
                &format!("-d{}s", bench.args.duration + 2),
                "--timeout",
                "10s",
                "--latency",
                "-s",
            ])
            .arg(&script)
            .arg(format!("{base}/api/catalog/products"))
            .stdout(Stdio::piped())
            .spawn()
            .context("starting wrk")?;
        // The flood first fills the server's queues.
        std::thread::sleep(Duration::from_secs(1));
        let flooded = runtime.block_on(shopper(&base, products, duration))?;
        let out = wrk.wait_with_output()?;
        let flood = super::wrk_figures(&String::from_utf8_lossy(&out.stdout))?;
        report_line("beside the flood", &flooded);
        println!(
            "    the flood: {:.0} req/s, p99 {:.1} ms, {} errors",
            flood.req_per_s, flood.p99_ms, flood.errors
        );
        procs.stop(&name);
        rows.push(FloodRow {
            db: db.clone(),
            alone,
            flooded,
            flood,
        });
    }
    Ok(report(&rows, products, duration))
}

fn report_line(when: &str, measured: &[Measured]) {
    let figures: Vec<String> = KINDS
        .iter()
        .zip(measured)
        .map(|((label, _), m)| {
            format!(
                "{label}: p50 {:.1} / p99 {:.1} ms ({} errors)",
                m.p50_ms, m.p99_ms, m.errors
            )
        })
        .collect();
    println!("    {when}: {}", figures.join("; "));
}

/// One client, one connection, one request at a time: each of [`KINDS`] in turn (the
/// detail of a random product) for `duration`.
async fn shopper(base: &str, products: u32, duration: Duration) -> Result<Vec<Measured>> {
    let client = client()?;
    let mut latencies: Vec<Vec<f64>> = vec![Vec::new(); KINDS.len()];
    let mut errors = vec![0u64; KINDS.len()];
    let until = Instant::now() + duration;
    let mut product = 0x2545_F491_4F6C_DD1Du64;
    while Instant::now() < until {
        for (kind, (_, path)) in KINDS.iter().enumerate() {
            let url = if *path == "detail" {
                product = product
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                format!(
                    "{base}/api/catalog/products/{}",
                    (product >> 33) % u64::from(products) + 1
                )
            } else {
                format!("{base}{path}")
            };
            let started = Instant::now();
            let ok = match client.get(&url).send().await {
                Ok(response) => {
                    let status = response.status();
                    response.bytes().await.is_ok() && status.is_success()
                }
                Err(_) => false,
            };
            if ok {
                latencies[kind].push(started.elapsed().as_secs_f64() * 1000.0);
            } else {
                errors[kind] += 1;
            }
        }
    }
    Ok(latencies
        .into_iter()
        .zip(errors)
        .map(|(latencies, errors)| {
            let latencies = sorted(latencies);
            Measured {
                requests: latencies.len(),
                p50_ms: percentile(&latencies, 50.0),
                p99_ms: percentile(&latencies, 99.0),
                errors,
            }
        })
        .collect())
}

/// The flood: every other request `?q=Product`, the rest a random term (as
/// [`super::random_search_script`] draws them).
fn flood_script(shared: &std::path::Path, products: u32) -> String {
    super::search_script(
        shared,
        products,
        r#"(turn % 2 == 0) and "Product" or forms[math.random(#forms)]()"#,
    )
}

/// The flood's section of the report.
fn report(rows: &[FloodRow], products: u32, duration: Duration) -> String {
    let mut out = format!(
        "\n**Noisy neighbours** (`--flood`; {products} products, no cache, rate limits off). {FLOODERS} connections of other clients search for `Product` (every product) and a random term in turn (wrk, {} s) while one more client, on one connection, asks for a random product's detail, the list's first page and `?q=Product` in turn; *alone* is the same client on the idle server just before.\n\n| database | request (measuring client) | alone p50 / p99 ms | beside the flood p50 / p99 ms | requests | errors |\n|---|---|---:|---:|---:|---:|\n",
        duration.as_secs() + 2
    );
    for row in rows {
        for (((label, _), alone), flooded) in KINDS.iter().zip(&row.alone).zip(&row.flooded) {
            out.push_str(&format!(
                "| {} | {label} | {:.1} / {:.1} | {:.1} / {:.1} | {} | {} |\n",
                row.db,
                alone.p50_ms,
                alone.p99_ms,
                flooded.p50_ms,
                flooded.p99_ms,
                flooded.requests,
                flooded.errors
            ));
        }
        out.push_str(&format!(
            "| {} | *the flood itself* (wrk, {FLOODERS} connections) | | {:.0} req/s, p99 {:.1} | | {} |\n",
            row.db, row.flood.req_per_s, row.flood.p99_ms, row.flood.errors
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flood_alternates_the_whole_catalog_and_random_terms() {
        let script = flood_script(std::path::Path::new("/shared"), 1000);
        assert!(
            script.contains("(turn % 2 == 0) and \"Product\""),
            "{script}"
        );
        assert!(script.contains("wrk.format(\"GET\", \"/api/catalog/products?q=\" .. q)"));
    }
}
