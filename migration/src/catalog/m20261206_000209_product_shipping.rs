//! Written by `project makemigrations` for the `catalog` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Add column products.weight_grams (integer not null default 0)
//! - Add column products.requires_shipping (boolean not null default true)

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    WeightGrams,
    RequiresShipping,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::add_column(
            manager,
            Products::Table,
            ColumnDef::new(Products::WeightGrams)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Products::Table,
            ColumnDef::new(Products::RequiresShipping)
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_column(manager, Products::Table, Products::RequiresShipping).await?;
        editor::drop_column(manager, Products::Table, Products::WeightGrams).await?;
        Ok(())
    }
}
