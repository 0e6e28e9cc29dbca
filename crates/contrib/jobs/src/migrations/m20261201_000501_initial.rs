//! Written by `project makemigrations` for the `jobs` app on 2026-12-01; review it, then `project migrate`.
//!
//! - Create table jobs

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Queue,
    Task,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    UniqueKey,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(editor::id(manager, Jobs::Id))
                    .col(
                        ColumnDef::new(Jobs::Queue)
                            .string_len(64)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Jobs::Task)
                            .string_len(150)
                            .not_null()
                            .to_owned(),
                    )
                    .col(ColumnDef::new(Jobs::Payload).text().not_null().to_owned())
                    .col(
                        ColumnDef::new(Jobs::Status)
                            .string_len(16)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Jobs::Attempts)
                            .integer()
                            .not_null()
                            .default(0)
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Jobs::MaxAttempts)
                            .integer()
                            .null()
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, Jobs::RunAt))
                    .col(editor::timestamp_null(manager, Jobs::LockedUntil))
                    .col(
                        ColumnDef::new(Jobs::LockedBy)
                            .string_len(64)
                            .null()
                            .to_owned(),
                    )
                    .col(ColumnDef::new(Jobs::LastError).text().null().to_owned())
                    .col(
                        ColumnDef::new(Jobs::UniqueKey)
                            .string_len(200)
                            .null()
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, Jobs::CreatedAt))
                    .col(editor::timestamp_null(manager, Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_unique_key_key")
                    .table(Jobs::Table)
                    .col(Jobs::UniqueKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_finished_at")
                    .table(Jobs::Table)
                    .col(Jobs::FinishedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::Queue)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await?;
        Ok(())
    }
}
