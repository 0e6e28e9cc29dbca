//! Written by `project makemigrations` for the `catalog` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Create table product_images

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    Name,
}

#[derive(DeriveIden)]
enum ProductImages {
    Table,
    Id,
    ProductId,
    File,
    Width,
    Height,
    Alt,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductImages::Table)
                    .col(editor::id(manager, ProductImages::Id))
                    .col(
                        ColumnDef::new(ProductImages::ProductId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ProductImages::File)
                            .string_len(100)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ProductImages::Width)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ProductImages::Height)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ProductImages::Alt)
                            .string_len(200)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ProductImages::Position)
                            .integer()
                            .not_null()
                            .default(0)
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, ProductImages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("product_images_file_fkey")
                            .from(ProductImages::Table, ProductImages::File)
                            .to(MediaFiles::Table, MediaFiles::Name)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("product_images_product_id_fkey")
                            .from(ProductImages::Table, ProductImages::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("product_images_file")
                    .table(ProductImages::Table)
                    .col(ProductImages::File)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("product_images_product_id")
                    .table(ProductImages::Table)
                    .col(ProductImages::ProductId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductImages::Table).to_owned())
            .await?;
        Ok(())
    }
}
