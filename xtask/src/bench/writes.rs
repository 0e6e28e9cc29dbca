//! The write path under load (`cargo xtask bench --writes`): creating and paying orders,
//! and a flash sale, against a server that speaks the v1 contract (ours or the Django
//! peer), driven by buyers of their own (each registered and holding a bearer token).
//!
//! wrk can't follow an order it created to pay it, so this is a small client of its own:
//! one task and one connection per buyer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::client::{client, percentile, post, sorted};
use super::{Bench, django_url, fresh_database, server_url};
use crate::processes::Processes;

/// Buyers of the flash sale; the first [`CONNECTIONS`] of them also create and pay.
const BUYERS: usize = 500;
/// Units of the flash sale's product.
const UNITS: u32 = 50;
/// Connections (one buyer each) of create + pay.
const CONNECTIONS: usize = 32;

/// A card the built-in test gateway (ours and the peer's) accepts.
const GOOD_CARD: &str = "4242424242424242";

/// Products of the bench's seed: orders pick one of them at random.
pub const SEEDED_PRODUCTS: u64 = 1000;

/// A server under test, by its base URL (ours or the Django peer: the same API).
pub struct Shop {
    base: String,
}

/// Create + pay at a steady concurrency: orders completed (created and paid) per second,
/// and the latency of the pair.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    pub orders_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// One flash sale: `buyers` race for `units` of one product.
#[derive(Debug, Clone, Default)]
pub struct FlashSale {
    pub buyers: usize,
    pub units: u32,
    /// Orders created (stock reserved) and paid.
    pub sold: u64,
    pub paid: u64,
    /// `409 out_of_stock` answers.
    pub turned_away: u64,
    /// Anything else (a 5xx, a timeout, a refused connection).
    pub errors: u64,
    /// The product's stock afterwards, as its detail shows it.
    pub stock_after: i64,
    /// From the start of the race to the last sale's payment.
    pub sold_out_ms: f64,
    /// Of every request of the race (orders and payments).
    pub p99_ms: f64,
}

impl FlashSale {
    /// The report's cells: sold / paid / turned away / errors, stock after, sold out in,
    /// p99, exact.
    fn cells(&self) -> String {
        format!(
            "{} / {} / {} / {} | {} | {:.0} | {:.1} | {}",
            self.sold,
            self.paid,
            self.turned_away,
            self.errors,
            self.stock_after,
            self.sold_out_ms,
            self.p99_ms,
            if self.exact() { "yes" } else { "**no**" }
        )
    }

    /// Exactly `units` sold and paid, everyone else turned away, no stock left, no error.
    pub fn exact(&self) -> bool {
        self.sold == u64::from(self.units)
            && self.paid == self.sold
            && self.turned_away + self.sold == self.buyers as u64
            && self.errors == 0
            && self.stock_after == 0
    }
}

/// A small xorshift: which product each order takes (no need for a random crate).
struct Picks(u64);

impl Picks {
    fn next_product(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % SEEDED_PRODUCTS + 1
    }
}

impl Shop {
    pub fn on_port(port: u16) -> Shop {
        Shop {
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A bearer token for `email`.
    async fn token(&self, client: &reqwest::Client, email: &str, password: &str) -> Result<String> {
        let (status, body) = post(
            client,
            &self.url("/api/accounts/token"),
            None,
            &[],
            &json!({"email": email, "password": password}),
        )
        .await?;
        match body["token"].as_str() {
            Some(token) if status == 200 => Ok(token.to_string()),
            _ => bail!("no token for {email}: {status} {body}"),
        }
    }

    /// The seeded staff user's token (who puts the flash sale's product on sale).
    pub async fn staff_token(&self) -> Result<String> {
        self.token(&client()?, "staff@example.com", "staffpass123")
            .await
    }

    /// Registers `count` buyers (eight at a time: registering hashes a password) and
    /// returns their tokens.
    pub async fn register_buyers(&self, count: usize) -> Result<Vec<String>> {
        const AT_ONCE: usize = 8;
        let started = Instant::now();
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for lane in 0..AT_ONCE {
            let shop = Shop {
                base: self.base.clone(),
            };
            let done = done.clone();
            tasks.spawn(async move {
                let client = client()?;
                let mut tokens = Vec::new();
                for i in (lane..count).step_by(AT_ONCE) {
                    let email = format!("buyer{i:04}@bench.example");
                    let password = "flash-sale-Buyer-2026";
                    let (status, body) = post(
                        &client,
                        &shop.url("/api/accounts/register"),
                        None,
                        &[],
                        &json!({"email": email, "password": password, "name": "Bench buyer"}),
                    )
                    .await?;
                    if status != 201 && status != 409 {
                        bail!("registering {email}: {status} {body}");
                    }
                    tokens.push((i, shop.token(&client, &email, password).await?));
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if n.is_multiple_of(100) {
                        println!(
                            "    {n}/{count} buyers registered ({:.0} s)",
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                anyhow::Ok(tokens)
            });
        }
        let mut tokens = Vec::with_capacity(count);
        while let Some(lane) = tasks.join_next().await {
            tokens.extend(lane??);
        }
        tokens.sort();
        Ok(tokens.into_iter().map(|(_, token)| token).collect())
    }

    /// Each buyer, on a connection of its own, creates an order of one unit of a random
    /// seeded product and pays it, again and again; measured after `warmup`, for
    /// `duration`.
    pub async fn create_and_pay(
        &self,
        tokens: &[String],
        warmup: Duration,
        duration: Duration,
    ) -> Result<Throughput> {
        let measure_from = Instant::now() + warmup;
        let until = measure_from + duration;
        let mut tasks = tokio::task::JoinSet::new();
        for (n, token) in tokens.iter().enumerate() {
            let (orders, token) = (self.url("/api/orders"), token.clone());
            tasks.spawn(async move {
                let client = client()?;
                let mut picks = Picks(0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1));
                let (mut latencies, mut errors) = (Vec::new(), 0u64);
                let mut key = 0u64;
                while Instant::now() < until {
                    let started = Instant::now();
                    let item =
                        json!({"items": [{"product_id": picks.next_product(), "quantity": 1}]});
                    let paid = match post(&client, &orders, Some(&token), &[], &item).await {
                        Ok((201, order)) => {
                            key += 1;
                            let pay = format!("{orders}/{}/pay", order["id"]);
                            let idempotency = format!("bench-{n}-{key}");
                            matches!(
                                post(
                                    &client,
                                    &pay,
                                    Some(&token),
                                    &[("Idempotency-Key", &idempotency)],
                                    &json!({"card_number": GOOD_CARD}),
                                )
                                .await,
                                Ok((200, _))
                            )
                        }
                        _ => false,
                    };
                    if started < measure_from {
                        continue;
                    }
                    if paid {
                        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors += 1;
                    }
                }
                anyhow::Ok((latencies, errors))
            });
        }
        let (mut latencies, mut errors) = (Vec::new(), 0);
        while let Some(buyer) = tasks.join_next().await {
            let (theirs, failed) = buyer??;
            latencies.extend(theirs);
            errors += failed;
        }
        let latencies = sorted(latencies);
        Ok(Throughput {
            orders_per_s: latencies.len() as f64 / duration.as_secs_f64(),
            p50_ms: percentile(&latencies, 50.0),
            p99_ms: percentile(&latencies, 99.0),
            errors,
        })
    }

    /// Puts a new product with `units` in stock on sale, then every buyer (each on a
    /// connection already open) orders one unit at the same moment and pays if the order
    /// was taken.
    pub async fn flash_sale(
        &self,
        staff_token: &str,
        tokens: &[String],
        units: u32,
    ) -> Result<FlashSale> {
        let admin = client()?;
        let sku = format!(
            "FLASH-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        );
        let (status, product) = post(
            &admin,
            &self.url("/api/catalog/products"),
            Some(staff_token),
            &[],
            &json!({"sku": sku, "name": format!("Flash sale {sku}"), "price_cents": 1999, "stock": units}),
        )
        .await?;
        if status != 201 {
            bail!("creating the flash sale's product: {status} {product}");
        }
        let product_id = product["id"].as_i64().context("a product id")?;

        let barrier = Arc::new(tokio::sync::Barrier::new(tokens.len() + 1));
        let mut tasks = tokio::task::JoinSet::new();
        for (n, token) in tokens.iter().enumerate() {
            let (orders, token, barrier) =
                (self.url("/api/orders"), token.clone(), barrier.clone());
            let health = self.url("/healthz");
            tasks.spawn(async move {
                // Open the connection before the race (and never leave the others waiting).
                let client = client();
                let opened = match &client {
                    Ok(client) => client.get(&health).send().await.map(drop),
                    Err(_) => Ok(()),
                };
                barrier.wait().await;
                let client = client?;
                opened?;
                let started = Instant::now();
                let item = json!({"items": [{"product_id": product_id, "quantity": 1}]});
                let (status, order) = post(&client, &orders, Some(&token), &[], &item).await?;
                let mut latencies = vec![started.elapsed()];
                let outcome = match status {
                    201 => {
                        let pay_started = Instant::now();
                        let (paid, _) = post(
                            &client,
                            &format!("{orders}/{}/pay", order["id"]),
                            Some(&token),
                            &[("Idempotency-Key", &format!("flash-{n}"))],
                            &json!({"card_number": GOOD_CARD}),
                        )
                        .await?;
                        latencies.push(pay_started.elapsed());
                        Outcome::Sold { paid: paid == 200 }
                    }
                    409 if order["error"]["code"] == "out_of_stock" => Outcome::TurnedAway,
                    _ => Outcome::Error,
                };
                anyhow::Ok((outcome, latencies, Instant::now()))
            });
        }
        barrier.wait().await;
        let race_started = Instant::now();
        let mut sale = FlashSale {
            buyers: tokens.len(),
            units,
            ..FlashSale::default()
        };
        let mut latencies = Vec::new();
        let mut last_sale = race_started;
        while let Some(buyer) = tasks.join_next().await {
            let Ok(Ok((outcome, theirs, finished))) = buyer else {
                sale.errors += 1;
                continue;
            };
            latencies.extend(theirs.iter().map(|d| d.as_secs_f64() * 1000.0));
            match outcome {
                Outcome::Sold { paid } => {
                    sale.sold += 1;
                    sale.paid += u64::from(paid);
                    last_sale = last_sale.max(finished);
                }
                Outcome::TurnedAway => sale.turned_away += 1,
                Outcome::Error => sale.errors += 1,
            }
        }
        sale.sold_out_ms = (last_sale - race_started).as_secs_f64() * 1000.0;
        sale.p99_ms = percentile(&sorted(latencies), 99.0);
        let detail = admin
            .get(self.url(&format!("/api/catalog/products/{product_id}")))
            .send()
            .await?
            .json::<Value>()
            .await?;
        sale.stock_after = detail["stock"].as_i64().context("the product's stock")?;
        Ok(sale)
    }
}

/// Both scenarios against one server.
struct WriteResults {
    throughput: Throughput,
    sale: FlashSale,
}

/// One database's write-path figures: the peer's (unless --no-peer) and ours.
struct WriteRow {
    db: String,
    django: Option<WriteResults>,
    ours: WriteResults,
}

/// Both scenarios on SQLite and every --databases database, the Django peer first, then
/// ours, each on a database of its own seeded the same way; the report's section.
pub(super) fn measure(bench: &Bench, procs: &mut Processes) -> Result<String> {
    let runtime = tokio::runtime::Runtime::new()?;
    let duration = Duration::from_secs(bench.args.duration.into());
    let mut rows = Vec::new();
    let databases = std::iter::once("sqlite".to_string()).chain(bench.args.databases.clone());
    for db in databases {
        let server = match db.as_str() {
            "sqlite" => None,
            db => Some(server_url(db)?),
        };
        let django = if bench.args.no_peer {
            None
        } else {
            println!("\nWrite path, the Django peer on {db}:");
            let name = format!("django-writes-{db}");
            let (variable, value) = match &server {
                None => (
                    "DJANGO_STORE_DB",
                    bench
                        .work
                        .path()
                        .join("django-writes.sqlite3")
                        .into_os_string(),
                ),
                Some(url) => (
                    "DJANGO_STORE_DB_URL",
                    django_url(&fresh_database(url, "store_bench_writes_django")?).into(),
                ),
            };
            let port = bench.start_peer(procs, &name, (variable, &value))?;
            let results = runtime.block_on(scenarios(Shop::on_port(port), duration))?;
            procs.stop(&name);
            Some(results)
        };
        println!("\nWrite path, ours on {db}:");
        let database = match &server {
            None => format!(
                "sqlite://{}?mode=rwc",
                bench.work.path().join("writes.sqlite3").display()
            ),
            Some(url) => fresh_database(url, "store_bench_writes")?,
        };
        let name = format!("writes-{db}");
        let (port, _) = bench.start_ours(procs, &name, &database, SEEDED_PRODUCTS as u32)?;
        let ours = runtime.block_on(scenarios(Shop::on_port(port), duration))?;
        procs.stop(&name);
        rows.push(WriteRow { db, django, ours });
    }
    Ok(report(&rows, duration))
}

/// Registers the buyers, then create + pay, then the flash sale.
async fn scenarios(shop: Shop, duration: Duration) -> Result<WriteResults> {
    let tokens = shop.register_buyers(BUYERS).await?;
    let staff = shop.staff_token().await?;
    let throughput = shop
        .create_and_pay(&tokens[..CONNECTIONS], Duration::from_secs(2), duration)
        .await?;
    println!(
        "    create + pay: {:.0} orders/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
        throughput.orders_per_s, throughput.p50_ms, throughput.p99_ms, throughput.errors
    );
    let sale = shop.flash_sale(&staff, &tokens, UNITS).await?;
    println!(
        "    flash sale (sold / paid / turned away / errors | stock after | sold out in ms | p99 ms | exact): {}",
        sale.cells()
    );
    Ok(WriteResults { throughput, sale })
}

/// The write path's section of the report.
fn report(rows: &[WriteRow], duration: Duration) -> String {
    let mut out = format!(
        "\n**The write path** (`--writes`; each server on a database of its own, seeded with {SEEDED_PRODUCTS} products, {BUYERS} buyers registered through the API). *Create + pay*: {CONNECTIONS} buyers, each on its own connection, create an order of one unit of a random product and pay it with the test card, again and again, for {} s after a 2 s warm-up; orders/s counts orders created and paid, the latencies are of the pair. *Flash sale*: a new product with {UNITS} in stock, {BUYERS} buyers on open connections order one unit at the same moment and pay when the order is taken; *sold out in* is from the start to the last sale's payment, p99 over every request of the race, *exact* means {UNITS} sold and paid, everyone else `409 out_of_stock`, stock 0, no error.\n\n| database | server | create + pay orders/s | p50 / p99 ms | errors | ours/Django | flash sale sold / paid / turned away / errors | stock after | sold out in ms | p99 ms | exact |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        duration.as_secs()
    );
    for row in rows {
        let django_rate = row
            .django
            .as_ref()
            .map_or(0.0, |d| d.throughput.orders_per_s);
        for (server, results) in [("Django", row.django.as_ref()), ("ours", Some(&row.ours))] {
            let Some(WriteResults {
                throughput: t,
                sale,
            }) = results
            else {
                continue;
            };
            let versus = if server == "ours" {
                super::ratio(t.orders_per_s, django_rate)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "| {} | {server} | {:.0} | {:.1} / {:.1} | {} | {versus} | {} |\n",
                row.db,
                t.orders_per_s,
                t.p50_ms,
                t.p99_ms,
                t.errors,
                sale.cells(),
            ));
        }
    }
    out
}

/// What one buyer's race ended with.
enum Outcome {
    Sold { paid: bool },
    TurnedAway,
    Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_stay_within_the_seeded_products() {
        let mut picks = Picks(7);
        let all: Vec<u64> = (0..10_000).map(|_| picks.next_product()).collect();
        assert!(all.iter().all(|p| (1..=SEEDED_PRODUCTS).contains(p)));
        assert!(all.iter().collect::<std::collections::BTreeSet<_>>().len() > 900);
    }
}
