//! Demo data: a small realistic catalog, the Django peer's synthetic products, and the two
//! local users. Everything here is idempotent: rows that exist are skipped.

use std::collections::HashSet;

use async_trait::async_trait;
use clap::{ArgMatches, Args, FromArgMatches};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set,
};
use web::{AppState, Command};

use crate::models::product::{self, ActiveModel, Column, Entity, sku_key};
use crate::models::{counts, search_index};

/// Rows per INSERT: 10 columns each stays far below every backend's parameter limit.
const BATCH: usize = 1000;

/// One product to seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedProduct {
    pub sku: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i32,
    pub weight_grams: i32,
}

/// Product `i` of the synthetic catalog, exactly as the Django peer seeds it.
pub fn synthetic(i: u32) -> SeedProduct {
    SeedProduct {
        sku: format!("SKU-{i:06}"),
        name: format!("Product {i:04}"),
        slug: format!("product-{i:04}"),
        description: format!("Demo product number {i}."),
        price_cents: 100 + (i64::from(i) * 137) % 9900,
        stock: 1000,
        weight_grams: 0,
    }
}

/// The demo catalog (`fixtures/demo.json`, built into the binary), as Django's fixtures
/// hold a project's sample data: a small catalog that looks like a real shop — coffee,
/// tea, brewing gear, cups and chocolate. Slugs come from the names, as for any product.
const DEMO_FIXTURE: &str = include_str!("../fixtures/demo.json");

/// A product of the fixture.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoProduct {
    sku: String,
    name: String,
    price_cents: i64,
    stock: i32,
    description: String,
    /// Packed, in grams.
    weight_grams: i32,
}

/// The demo catalog; the same 60 products every time.
pub fn demo_catalog() -> Result<Vec<SeedProduct>, serde_json::Error> {
    let products: Vec<DemoProduct> = serde_json::from_str(DEMO_FIXTURE)?;
    Ok(products
        .into_iter()
        .map(|p| SeedProduct {
            slug: product::slugify(&p.name),
            sku: p.sku,
            name: p.name,
            description: p.description,
            price_cents: p.price_cents,
            stock: p.stock,
            weight_grams: p.weight_grams,
        })
        .collect())
}

/// What a seeding run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub created: usize,
    pub skipped: usize,
}

/// Inserts the products whose sku (and slug) are free, in batches, in one transaction.
/// `progress` is called with (done, to do) after every batch.
pub async fn insert_products(
    db: &DatabaseConnection,
    products: Vec<SeedProduct>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Seeded, DbErr> {
    // SKUs are compared by their keys (case does not make another SKU).
    let keys: Vec<String> = products.iter().map(|p| sku_key(&p.sku)).collect();
    let mut taken_skus: HashSet<String> = HashSet::new();
    let mut taken_slugs: HashSet<String> = HashSet::new();
    // Look the candidates up in chunks: an IN list per batch keeps statements small.
    for chunk in keys.chunks(BATCH) {
        let rows: Vec<String> = Entity::find()
            .select_only()
            .column(Column::SkuKey)
            .filter(Column::SkuKey.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        taken_skus.extend(rows);
    }
    let slugs: Vec<String> = products.iter().map(|p| p.slug.clone()).collect();
    for chunk in slugs.chunks(BATCH) {
        let rows: Vec<String> = Entity::find()
            .select_only()
            .column(Column::Slug)
            .filter(Column::Slug.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        taken_slugs.extend(rows);
    }
    let fresh: Vec<SeedProduct> = products
        .into_iter()
        .filter(|p| !taken_skus.contains(&sku_key(&p.sku)) && !taken_slugs.contains(&p.slug))
        .collect();
    let skipped = keys.len() - fresh.len();
    let total = fresh.len();
    let at = web::db::now();
    let txn = web::db::begin_write(db).await?;
    let mut search = search_index::BulkLoad::start(&txn).await?;
    for (n, chunk) in fresh.chunks(BATCH).enumerate() {
        let rows = chunk.iter().map(|p| ActiveModel {
            id: NotSet,
            sku: Set(p.sku.clone()),
            sku_key: Set(sku_key(&p.sku)),
            name: Set(p.name.clone()),
            slug: Set(p.slug.clone()),
            description: Set(p.description.clone()),
            price_cents: Set(p.price_cents),
            currency: Set("USD".into()),
            stock: Set(p.stock),
            is_active: Set(true),
            weight_grams: Set(p.weight_grams),
            requires_shipping: Set(true),
            datasheet: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        });
        Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        search.inserted(&txn).await?;
        progress((n * BATCH + chunk.len()).min(total), total);
    }
    search.finish(&txn).await?;
    let created = i64::try_from(total).unwrap_or(i64::MAX);
    counts::adjust(&txn, created, created).await?;
    txn.commit().await?;
    if total > 0 {
        refresh_statistics(db).await?;
    }
    Ok(Seeded {
        created: total,
        skipped,
    })
}

/// Tells the planner the table's new size after a bulk load: until autovacuum gets to it,
/// PostgreSQL would plan a search over 100,000 new rows as if the table were empty (and
/// pick a scan over the trigram index). SQLite plans without statistics.
async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        // VACUUM also merges the trigram indexes' pending lists (which every search would
        // otherwise scan) and marks the pages all-visible for index-only scans.
        DbBackend::Postgres => "VACUUM (ANALYZE) products",
        DbBackend::MySql => "ANALYZE TABLE products",
        _ => return Ok(()),
    };
    db.execute_unprepared(sql).await.map(|_| ())
}

/// Loads the demo catalog if the product table is empty; returns how many were loaded.
pub async fn demo_if_empty(db: &DatabaseConnection) -> anyhow::Result<usize> {
    use sea_orm::PaginatorTrait;
    if Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    Ok(insert_products(db, demo_catalog()?, |_, _| {})
        .await?
        .created)
}

/// Seed demo data (idempotent: existing rows are skipped)
#[derive(Args, Debug)]
pub struct SeedArgs {
    /// Seed N synthetic products (SKU-000001, "Product 0001", …) instead of the demo catalog
    #[arg(long, value_name = "N")]
    products: Option<u32>,
    /// Also create staff@example.com / staffpass123 (superuser), editor@example.com /
    /// editorpass123 (staff in "Catalog editors") and user@example.com / userpass123 (local use only)
    #[arg(long)]
    users: bool,
    /// Leave the demo catalog without its pictures (drawn and stored otherwise, with a
    /// thumbnail job each)
    #[arg(long)]
    no_images: bool,
}

pub struct Seed;

#[async_trait]
impl Command for Seed {
    fn definition(&self) -> clap::Command {
        SeedArgs::augment_args(clap::Command::new("seed").about("Seed demo data: the demo catalog, or --products N synthetic products; --users adds three local users; then the other apps' demo data (shipping zones and methods)"))
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = SeedArgs::from_arg_matches(matches)?;
        let (what, products) = match args.products {
            Some(n) => (
                format!("{n} synthetic products"),
                (1..=n).map(synthetic).collect(),
            ),
            None => ("the demo catalog".to_string(), demo_catalog()?),
        };
        println!("Seeding {what}...");
        let started = std::time::Instant::now();
        let mut next_report = 0;
        let seeded = insert_products(state.db(), products, |done, total| {
            if total >= 10_000 && done >= next_report {
                println!("  {done}/{total} products inserted");
                next_report = done + total / 10;
            }
        })
        .await?;
        println!(
            "products: {} created, {} already there ({:.1} s)",
            seeded.created,
            seeded.skipped,
            started.elapsed().as_secs_f64()
        );
        if args.products.is_none() && !args.no_images {
            // The demo catalog comes with pictures (synthetic products stay without).
            let media: web_media::MediaStore = state.service()?;
            let skus: Vec<String> = demo_catalog()?.into_iter().map(|p| p.sku).collect();
            let added = crate::demo_images::add_missing(state.db(), &media, &skus).await?;
            println!("product images: {added} added (thumbnails follow from the worker)");
        }
        if args.users {
            let created = accounts::seed::local_users(state).await?;
            for local in accounts::seed::LOCAL_USERS {
                let status = if created.contains(&local.email) {
                    "created"
                } else {
                    "already there"
                };
                println!("{} {}: {status}", local.role.as_str(), local.email);
                if local.role == accounts::seed::LocalRole::Editor {
                    println!(
                        "  in the group \"{}\" (every catalog permission)",
                        accounts::seed::EDITORS_GROUP
                    );
                }
            }
        }
        // The other installed apps' demo data (shipping zones and methods…), each only
        // where it has none yet.
        if let Ok(apps) = state.service::<web::project::InstalledApps>() {
            for (app, what, count) in web::cli::run_seed_demo(&apps.0, state).await? {
                println!("{app}: {count} {what} added");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_products_match_the_django_peer() {
        let p = synthetic(1);
        assert_eq!(
            (
                p.sku.as_str(),
                p.name.as_str(),
                p.slug.as_str(),
                p.price_cents,
                p.stock
            ),
            ("SKU-000001", "Product 0001", "product-0001", 237, 1000)
        );
        assert_eq!(synthetic(12345).slug, "product-12345");
        assert_eq!(synthetic(100).price_cents, 100 + (100 * 137) % 9900);
    }

    #[test]
    fn the_demo_catalog_is_realistic_and_unique() {
        let demo = demo_catalog().unwrap();
        assert_eq!(demo.len(), 60);
        let skus: HashSet<_> = demo.iter().map(|p| &p.sku).collect();
        let slugs: HashSet<_> = demo.iter().map(|p| &p.slug).collect();
        assert_eq!(skus.len(), demo.len());
        assert_eq!(slugs.len(), demo.len());
        assert!(demo.iter().all(|p| p.price_cents > 0 && p.stock > 0));
    }
}
