//! Written by `project makemigrations` for the `catalog` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Drop unique constraint on products (sku)
//! - Add column products.sku_key (string_len(64) not null default "")
//! - Fill it for the products there (by hand): the SHA-256 of the SKU's Unicode simple
//!   case folding, as `catalog::models::product::sku_key` computes it today; stop with
//!   the SKUs that now count as one (on SQLite `σ1241` and `Σ1241` could both exist)
//! - Drop `products_sku_lower` (SQLite, PostgreSQL), which the new key replaces (by hand)
//! - Add unique constraint on products (sku_key)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use web_schema::editor;

/// The key of a SKU (a data migration keeps its own copy of the rule, as Django's
/// historical models do).
fn sku_key(sku: &str) -> String {
    use sha2::Digest;
    use unicode_casefold::{Locale, UnicodeCaseFold, Variant};
    let folded: String = sku
        .chars()
        .case_fold_with(Variant::Simple, Locale::NonTurkic)
        .collect();
    hex::encode(sha2::Sha256::digest(folded.as_bytes()))
}

/// Fills `sku_key` for every product; refuses SKUs that now count as one.
async fn fill_keys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, sku FROM products",
        ))
        .await?;
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for row in rows {
        let id: i64 = row.try_get_by_index(0)?;
        let sku: String = row.try_get_by_index(1)?;
        let key = sku_key(&sku);
        if let Some(other) = seen.insert(key.clone(), sku.clone()) {
            clashes.push(format!("{other:?} and {sku:?}"));
        }
        let update = Query::update()
            .table(Products::Table)
            .value(Products::SkuKey, key)
            .and_where(Expr::col(Products::Id).eq(id))
            .to_owned();
        manager.exec_stmt(update).await?;
    }
    if !clashes.is_empty() {
        return Err(DbErr::Migration(format!(
            "these SKUs differ only by case, so they now count as one: {}; rename one of each (PATCH /api/catalog/products/ID), then migrate again",
            clashes.join(", ")
        )));
    }
    Ok(())
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    SkuKey,
    Sku,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_unique(manager, Products::Table, &["sku"]).await?;
        editor::add_column(
            manager,
            Products::Table,
            ColumnDef::new(Products::SkuKey)
                .string_len(64)
                .not_null()
                .default("")
                .to_owned(),
        )
        .await?;
        fill_keys(manager).await?;
        if matches!(
            manager.get_database_backend(),
            DbBackend::Sqlite | DbBackend::Postgres
        ) {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS products_sku_lower")
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("products_sku_key_key")
                    .table(Products::Table)
                    .col(Products::SkuKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("products_sku_key_key")
                    .table(Products::Table)
                    .to_owned(),
            )
            .await?;
        editor::drop_column(manager, Products::Table, Products::SkuKey).await?;
        manager
            .create_index(
                Index::create()
                    .name("products_sku_key")
                    .table(Products::Table)
                    .col(Products::Sku)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if matches!(
            manager.get_database_backend(),
            DbBackend::Sqlite | DbBackend::Postgres
        ) {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE UNIQUE INDEX products_sku_lower ON products (lower(sku))",
                )
                .await?;
        }
        Ok(())
    }
}
