//! SKUs are unique regardless of case (`race-5` and `RACE-5` are one SKU), like Django's
//! `UniqueConstraint(Lower("sku"))`: an expression index on SQLite and PostgreSQL. MySQL
//! and MariaDB compare with the column's case-insensitive collation (`utf8mb4_general_ci`
//! and its successors), so their existing unique index on `sku` already does this.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite | DbBackend::Postgres => manager
                .get_connection()
                .execute_unprepared(
                    "CREATE UNIQUE INDEX products_sku_lower ON products (lower(sku))",
                )
                .await
                .map(|_| ()),
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite | DbBackend::Postgres => manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS products_sku_lower")
                .await
                .map(|_| ()),
            _ => Ok(()),
        }
    }
}
