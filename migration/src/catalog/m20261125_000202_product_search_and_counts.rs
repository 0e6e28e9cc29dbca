//! Search and counting that do not scan the products table:
//! - `catalog_counts` holds the number of products and of active products, kept by the
//!   catalog in the same transaction as every change, so a list's `total` is one row;
//! - staff lists (all products, newest first) get their own index, so page 1 reads one
//!   page of rows rather than sorting the table;
//! - substring search gets a trigram index where the database has one: an FTS5 table
//!   with the trigram tokenizer on SQLite (kept in sync by triggers), `pg_trgm` GIN
//!   indexes on PostgreSQL. MySQL/MariaDB have no substring index: search scans there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    CreatedAt,
    Id,
}

#[derive(DeriveIden)]
enum CatalogCounts {
    Table,
    Name,
    Value,
}

const SQLITE_UP: &str = "
CREATE VIRTUAL TABLE products_search USING fts5(name, sku, content='products', content_rowid='id', tokenize='trigram');
CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_search(rowid, name, sku) VALUES (new.id, new.name, new.sku);
END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_search(products_search, rowid, name, sku) VALUES ('delete', old.id, old.name, old.sku);
END;
CREATE TRIGGER products_search_update AFTER UPDATE OF name, sku ON products BEGIN
  INSERT INTO products_search(products_search, rowid, name, sku) VALUES ('delete', old.id, old.name, old.sku);
  INSERT INTO products_search(rowid, name, sku) VALUES (new.id, new.name, new.sku);
END;
INSERT INTO products_search(products_search) VALUES ('rebuild');
";

const SQLITE_DOWN: &str = "
DROP TRIGGER IF EXISTS products_search_update;
DROP TRIGGER IF EXISTS products_search_delete;
DROP TRIGGER IF EXISTS products_search_insert;
DROP TABLE IF EXISTS products_search;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogCounts::Table)
                    .col(
                        ColumnDef::new(CatalogCounts::Name)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CatalogCounts::Value)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("products_newest")
                    .table(Products::Table)
                    .col((Products::CreatedAt, IndexOrder::Desc))
                    .col((Products::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO catalog_counts (name, value) SELECT 'products', COUNT(*) FROM products UNION ALL \
             SELECT 'active_products', COUNT(*) FROM products WHERE is_active",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Sqlite => db.execute_unprepared(SQLITE_UP).await.map(|_| ()),
            DbBackend::Postgres => {
                // pg_trgm ships with PostgreSQL and is a trusted extension; where it cannot be
                // created (a locked-down server), search still works, by scanning.
                if let Err(e) = db
                    .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await
                {
                    eprintln!(
                        "warning: pg_trgm is unavailable ({e}); product search will scan the table"
                    );
                    return Ok(());
                }
                db.execute_unprepared(
                    "CREATE INDEX products_name_trgm ON products USING gin (lower(name) gin_trgm_ops); \
                     CREATE INDEX products_sku_trgm ON products USING gin (lower(sku) gin_trgm_ops)",
                )
                .await
                .map(|_| ())
            }
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE_DOWN).await?;
            }
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS products_name_trgm; DROP INDEX IF EXISTS products_sku_trgm").await?;
            }
            _ => {}
        }
        manager
            .drop_index(
                Index::drop()
                    .name("products_newest")
                    .table(Products::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CatalogCounts::Table).to_owned())
            .await
    }
}
