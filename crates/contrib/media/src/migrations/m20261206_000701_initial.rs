//! Written by `project makemigrations` for the `media` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Create table media_files

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    Name,
    ContentType,
    SizeBytes,
    Width,
    Height,
    Thumbnails,
    ThumbnailsReady,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MediaFiles::Table)
                    .col(
                        ColumnDef::new(MediaFiles::Name)
                            .string_len(100)
                            .not_null()
                            .primary_key()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::ContentType)
                            .string_len(32)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::SizeBytes)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::Width)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::Height)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::Thumbnails)
                            .string_len(100)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(MediaFiles::ThumbnailsReady)
                            .boolean()
                            .not_null()
                            .default(false)
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, MediaFiles::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("media_files_created_at")
                    .table(MediaFiles::Table)
                    .col(MediaFiles::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaFiles::Table).to_owned())
            .await?;
        Ok(())
    }
}
