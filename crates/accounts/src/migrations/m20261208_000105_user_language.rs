//! Written by `project makemigrations` for the `accounts` app on 2026-12-08; review it, then `project migrate`.
//!
//! - Add column users.language (string_len(16) not null default "")

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::add_column(
            manager,
            Users::Table,
            ColumnDef::new(Users::Language)
                .string_len(16)
                .not_null()
                .default("")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_column(manager, Users::Table, Users::Language).await?;
        Ok(())
    }
}
