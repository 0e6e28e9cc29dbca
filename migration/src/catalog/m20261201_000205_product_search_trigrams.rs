//! Substring search on MySQL/MariaDB, which have no n-gram index of their own (MariaDB's
//! FULLTEXT parsers split words): a side table of every product's trigrams, as Postgres'
//! `pg_trgm` keeps them. `product_search_trigrams` holds each distinct three-character
//! window of the lowercased name and sku (ASCII windows only: the ones the query side can
//! fold exactly as the database does), keyed by trigram for lookups and by product for
//! re-indexing; `product_search_trigram_counts` says how many products have each trigram,
//! so a search starts from its rarest ones. The catalog writes both in the same
//! transaction as the product
//! (`catalog::models::search_index`); `product_search_positions` (1..=200) numbers the
//! windows in SQL. Other databases have their own index (migration 000202).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const MYSQL_UP: [&str; 3] = [
    "CREATE TABLE product_search_positions (n SMALLINT NOT NULL PRIMARY KEY)",
    "CREATE TABLE product_search_trigram_counts (
       trigram CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
       products BIGINT NOT NULL
     )",
    "CREATE TABLE product_search_trigrams (
       trigram CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
       product_id BIGINT NOT NULL,
       PRIMARY KEY (trigram, product_id),
       KEY product_search_trigrams_product (product_id)
     )",
];

/// The products already there (the catalog's own statement, frozen here as of this
/// migration).
const MYSQL_BACKFILL: &str = "
INSERT IGNORE INTO product_search_trigrams (trigram, product_id)
SELECT w.trigram, w.id FROM (
  SELECT p.id, SUBSTRING(LOWER(p.name), n.n, 3) AS trigram
    FROM products p JOIN product_search_positions n ON n.n <= CHAR_LENGTH(p.name) - 2
  UNION
  SELECT p.id, SUBSTRING(LOWER(p.sku), n.n, 3)
    FROM products p JOIN product_search_positions n ON n.n <= CHAR_LENGTH(p.sku) - 2
) w WHERE LENGTH(w.trigram) = 3
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        let db = manager.get_connection();
        for statement in MYSQL_UP {
            db.execute_unprepared(statement).await?;
        }
        let positions: Vec<String> = (1..=200).map(|n| format!("({n})")).collect();
        db.execute_unprepared(&format!(
            "INSERT INTO product_search_positions (n) VALUES {}",
            positions.join(",")
        ))
        .await?;
        db.execute_unprepared(MYSQL_BACKFILL).await?;
        db.execute_unprepared(
            "INSERT INTO product_search_trigram_counts (trigram, products) \
             SELECT trigram, COUNT(*) FROM product_search_trigrams GROUP BY trigram",
        )
        .await
        .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE IF EXISTS product_search_trigrams")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS product_search_trigram_counts")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS product_search_positions")
            .await
            .map(|_| ())
    }
}
