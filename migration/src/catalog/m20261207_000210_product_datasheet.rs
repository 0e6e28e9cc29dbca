//! Written by `project makemigrations` for the `catalog` app on 2026-12-07; review it, then `project migrate`.
//!
//! - Add column products.datasheet (string_len(100) null)

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Datasheet,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::add_column(
            manager,
            Products::Table,
            ColumnDef::new(Products::Datasheet)
                .string_len(100)
                .null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_column(manager, Products::Table, Products::Datasheet).await?;
        Ok(())
    }
}
