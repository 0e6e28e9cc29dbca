//! Demo data: a small realistic catalog, the Django peer's synthetic products, and the two
//! local users. Everything here is idempotent: rows that exist are skipped.

use std::collections::HashSet;

use accounts::Auth;
use accounts::models::user::{self, NewUser};
use async_trait::async_trait;
use clap::{ArgMatches, Args, FromArgMatches};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set,
};
use web::{AppState, Command};

use crate::models::product::{self, ActiveModel, Column, Entity};
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
    }
}

/// A small catalog that looks like a real shop: coffee, tea, brewing gear, cups and
/// chocolate. Deterministic: the same 60 products every time.
pub fn demo_catalog() -> Vec<SeedProduct> {
    let mut items = Vec::new();
    let mut add = |sku: String, name: String, description: String, price_cents: i64, stock: i32| {
        let slug = product::slugify(&name);
        items.push(SeedProduct {
            sku,
            name,
            slug,
            description,
            price_cents,
            stock,
        });
    };
    let origins = [
        ("ETH", "Ethiopia Yirgacheffe", "bergamot, jasmine and lemon"),
        ("COL", "Colombia Huila", "red apple, caramel and cocoa"),
        (
            "KEN",
            "Kenya Nyeri",
            "blackcurrant, grapefruit and tomato vine",
        ),
        (
            "GUA",
            "Guatemala Antigua",
            "milk chocolate, almond and orange",
        ),
        (
            "BRA",
            "Brazil Cerrado",
            "hazelnut, brown sugar and low acidity",
        ),
        ("CRI", "Costa Rica Tarrazú", "honey, peach and cane sugar"),
        (
            "SUM",
            "Sumatra Mandheling",
            "cedar, dark chocolate and earth",
        ),
        ("RWA", "Rwanda Nyamasheke", "raspberry, black tea and plum"),
        ("HON", "Honduras Marcala", "toffee, walnut and green apple"),
        ("PER", "Peru Cajamarca", "cocoa nib, dried fig and vanilla"),
    ];
    for (n, (code, origin, notes)) in origins.iter().enumerate() {
        let n = n as i64;
        add(
            format!("COF-{code}-250"),
            format!("{origin} Coffee Beans 250 g"),
            format!("Single-origin whole beans with notes of {notes}. Roasted weekly."),
            1290 + n * 70,
            40,
        );
        add(
            format!("COF-{code}-1000"),
            format!("{origin} Coffee Beans 1 kg"),
            format!("The café-size bag of our {origin}: {notes}."),
            4190 + n * 210,
            12,
        );
    }
    let teas = [
        (
            "SEN",
            "Japanese Sencha",
            "Steamed green tea, grassy and sweet.",
            990,
        ),
        (
            "ASS",
            "Assam Breakfast",
            "Malty black tea that takes milk well.",
            790,
        ),
        (
            "DAR",
            "Darjeeling First Flush",
            "Light, floral black tea from the spring harvest.",
            1490,
        ),
        (
            "EAR",
            "Earl Grey Supreme",
            "Black tea with Calabrian bergamot.",
            890,
        ),
        (
            "OOL",
            "Tieguanyin Oolong",
            "Rolled oolong with orchid aroma.",
            1390,
        ),
        (
            "CHA",
            "Masala Chai Blend",
            "Black tea with cardamom, ginger and cinnamon.",
            850,
        ),
        (
            "ROO",
            "Rooibos Vanilla",
            "Caffeine-free red bush with vanilla.",
            750,
        ),
        (
            "MAT",
            "Ceremonial Matcha 30 g",
            "Stone-ground shade-grown green tea.",
            2490,
        ),
        ("PEP", "Peppermint Leaves", "Whole organic peppermint.", 650),
        (
            "CAM",
            "Chamomile Flowers",
            "Whole chamomile blossoms for the evening.",
            690,
        ),
    ];
    for (code, name, description, price) in teas {
        add(
            format!("TEA-{code}"),
            format!("{name} Tea"),
            description.into(),
            price,
            30,
        );
    }
    let gear = [
        (
            "DRP",
            "Ceramic Pour-Over Dripper",
            "A two-cup cone dripper in white porcelain.",
            2400,
            25,
        ),
        (
            "FLT",
            "Paper Filters (100)",
            "Oxygen-bleached cone filters, size 02.",
            650,
            200,
        ),
        (
            "KTL",
            "Gooseneck Kettle 1 L",
            "Stovetop kettle with a precise pouring spout.",
            4900,
            15,
        ),
        (
            "GRD",
            "Conical Burr Grinder",
            "Hand grinder with 40 click settings.",
            8900,
            10,
        ),
        (
            "FRP",
            "French Press 800 ml",
            "Borosilicate glass and stainless steel.",
            3200,
            20,
        ),
        (
            "AER",
            "Travel Press",
            "Immersion brewer that packs into a mug.",
            3900,
            18,
        ),
        (
            "MOK",
            "Moka Pot 6 Cup",
            "Classic aluminium stovetop espresso maker.",
            2900,
            22,
        ),
        (
            "CBJ",
            "Cold Brew Jar 1.5 L",
            "Jar with a fine steel filter for overnight brewing.",
            3500,
            14,
        ),
        (
            "SCL",
            "Brewing Scale with Timer",
            "0.1 g resolution, auto-tare, USB-C.",
            4500,
            16,
        ),
        (
            "FRO",
            "Milk Frother",
            "Handheld whisk for lattes at home.",
            1900,
            30,
        ),
    ];
    for (code, name, description, price, stock) in gear {
        add(
            format!("GEAR-{code}"),
            name.into(),
            description.into(),
            price,
            stock,
        );
    }
    let cups = [
        (
            "ESP",
            "Espresso Cups (set of 2)",
            "80 ml double-walled glass.",
            1800,
        ),
        (
            "CAP",
            "Cappuccino Cup and Saucer",
            "180 ml stoneware, speckled glaze.",
            1600,
        ),
        (
            "MUG",
            "Everyday Mug",
            "350 ml stoneware mug in slate blue.",
            1400,
        ),
        (
            "TRV",
            "Insulated Travel Mug",
            "Keeps coffee hot for 4 hours.",
            2600,
        ),
        ("TUM", "Glass Tumbler", "300 ml for iced drinks.", 900),
        (
            "TPT",
            "Cast Iron Teapot",
            "800 ml with an enamel interior and strainer.",
            5400,
        ),
        (
            "CHW",
            "Chawan Matcha Bowl",
            "Hand-thrown bowl for whisking matcha.",
            3800,
        ),
        ("WSK", "Bamboo Matcha Whisk", "100-prong chasen.", 1500),
        ("STR", "Tea Strainer", "Fine mesh stainless steel.", 800),
        (
            "CAN",
            "Airtight Storage Canister",
            "Keeps 250 g of beans fresh.",
            2200,
        ),
    ];
    for (code, name, description, price) in cups {
        add(
            format!("CUP-{code}"),
            name.into(),
            description.into(),
            price,
            35,
        );
    }
    let treats = [
        (
            "DRK",
            "Dark Chocolate 70%",
            "Single-origin bar from Ecuador.",
        ),
        (
            "MLK",
            "Milk Chocolate 45%",
            "Creamy bar with a hint of caramel.",
        ),
        (
            "SAL",
            "Sea Salt Chocolate",
            "Dark chocolate with flakes of sea salt.",
        ),
        (
            "ALM",
            "Chocolate Almonds",
            "Roasted almonds in dark chocolate.",
        ),
        ("BIS", "Almond Biscotti", "Twice-baked, made for dipping."),
        ("STR", "Stroopwafels (8)", "Caramel-filled waffle cookies."),
        (
            "SHB",
            "Butter Shortbread",
            "Scottish-style shortbread fingers.",
        ),
        ("GNG", "Crystallised Ginger", "Candied ginger pieces."),
        ("HNY", "Wildflower Honey", "Raw honey from a local apiary."),
        (
            "SYR",
            "Vanilla Syrup",
            "For lattes; made with Madagascar vanilla.",
        ),
    ];
    for (n, (code, name, description)) in treats.iter().enumerate() {
        add(
            format!("SWT-{code}"),
            (*name).into(),
            (*description).into(),
            450 + n as i64 * 40,
            50,
        );
    }
    items
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
    let skus: Vec<String> = products.iter().map(|p| p.sku.clone()).collect();
    let mut taken_skus: HashSet<String> = HashSet::new();
    let mut taken_slugs: HashSet<String> = HashSet::new();
    // Look the candidates up in chunks: an IN list per batch keeps statements small.
    for chunk in skus.chunks(BATCH) {
        let rows: Vec<(String, String)> = Entity::find()
            .select_only()
            .column(Column::Sku)
            .column(Column::Slug)
            .filter(Column::Sku.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        taken_skus.extend(rows.into_iter().map(|(sku, _)| sku));
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
        .filter(|p| !taken_skus.contains(&p.sku) && !taken_slugs.contains(&p.slug))
        .collect();
    let skipped = skus.len() - fresh.len();
    let total = fresh.len();
    let at = web::db::now();
    let txn = web::db::begin_write(db).await?;
    let mut search = search_index::BulkLoad::start(&txn).await?;
    for (n, chunk) in fresh.chunks(BATCH).enumerate() {
        let rows = chunk.iter().map(|p| ActiveModel {
            id: NotSet,
            sku: Set(p.sku.clone()),
            name: Set(p.name.clone()),
            slug: Set(p.slug.clone()),
            description: Set(p.description.clone()),
            price_cents: Set(p.price_cents),
            currency: Set("USD".into()),
            stock: Set(p.stock),
            is_active: Set(true),
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

/// The two local users of the contract (`--users`); for local use only.
pub const LOCAL_USERS: [(&str, &str, &str, bool); 2] = [
    ("staff@example.com", "staffpass123", "Staff User", true),
    ("user@example.com", "userpass123", "Regular User", false),
];

/// Creates the local users that do not exist; returns the emails created.
pub async fn seed_users(state: &AppState) -> anyhow::Result<Vec<&'static str>> {
    let auth: Auth = state.service()?;
    let mut created = Vec::new();
    for (email, password, name, staff) in LOCAL_USERS {
        if user::find_by_email(state.db(), email).await?.is_some() {
            continue;
        }
        let password_hash = auth.hasher.hash(password).await?;
        let new = NewUser {
            email: email.into(),
            name: name.into(),
            password_hash,
            is_staff: staff,
            is_superuser: staff,
        };
        match user::create(state.db(), new).await {
            Ok(_) | Err(user::CreateUserError::EmailTaken) => created.push(email),
            Err(user::CreateUserError::Db(e)) => return Err(e.into()),
        }
    }
    Ok(created)
}

/// Loads the demo catalog if the product table is empty; returns how many were loaded.
pub async fn demo_if_empty(db: &DatabaseConnection) -> anyhow::Result<usize> {
    use sea_orm::PaginatorTrait;
    if Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    Ok(insert_products(db, demo_catalog(), |_, _| {})
        .await?
        .created)
}

/// Seed demo data (idempotent: existing rows are skipped)
#[derive(Args, Debug)]
pub struct SeedArgs {
    /// Seed N synthetic products (SKU-000001, "Product 0001", …) instead of the demo catalog
    #[arg(long, value_name = "N")]
    products: Option<u32>,
    /// Also create staff@example.com / staffpass123 and user@example.com / userpass123 (local use only)
    #[arg(long)]
    users: bool,
}

pub struct Seed;

#[async_trait]
impl Command for Seed {
    fn definition(&self) -> clap::Command {
        SeedArgs::augment_args(clap::Command::new("seed").about("Seed demo data: the demo catalog, or --products N synthetic products; --users adds two local users"))
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = SeedArgs::from_arg_matches(matches)?;
        let (what, products) = match args.products {
            Some(n) => (
                format!("{n} synthetic products"),
                (1..=n).map(synthetic).collect(),
            ),
            None => ("the demo catalog".to_string(), demo_catalog()),
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
        if args.users {
            let created = seed_users(state).await?;
            for (email, _, _, staff) in LOCAL_USERS {
                let role = if staff { "staff" } else { "user" };
                let status = if created.contains(&email) {
                    "created"
                } else {
                    "already there"
                };
                println!("{role} {email}: {status}");
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
        let demo = demo_catalog();
        assert!(demo.len() >= 50);
        let skus: HashSet<_> = demo.iter().map(|p| &p.sku).collect();
        let slugs: HashSet<_> = demo.iter().map(|p| &p.slug).collect();
        assert_eq!(skus.len(), demo.len());
        assert_eq!(slugs.len(), demo.len());
        assert_eq!(demo, demo_catalog(), "deterministic");
    }
}
