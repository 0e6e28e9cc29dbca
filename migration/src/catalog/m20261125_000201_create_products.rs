use sea_orm_migration::prelude::*;

use web_schema::editor::{id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Products {
    Table,
    Id,
    Sku,
    Name,
    Slug,
    Description,
    PriceCents,
    Currency,
    Stock,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id(manager, Products::Id))
                    .col(
                        ColumnDef::new(Products::Sku)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Products::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Products::Slug)
                            .string_len(220)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    // Money is integer minor units; stock can never go below zero, even if
                    // application code had a bug.
                    .col(
                        ColumnDef::new(Products::PriceCents)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(Products::PriceCents).gte(0)),
                    )
                    .col(
                        ColumnDef::new(Products::Currency)
                            .char_len(3)
                            .not_null()
                            .default("USD"),
                    )
                    .col(
                        ColumnDef::new(Products::Stock)
                            .integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(Products::Stock).gte(0)),
                    )
                    .col(
                        ColumnDef::new(Products::IsActive)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(timestamp(manager, Products::CreatedAt))
                    .col(timestamp(manager, Products::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The list order: newest active products first.
        manager
            .create_index(
                Index::create()
                    .name("products_active_newest")
                    .table(Products::Table)
                    .col(Products::IsActive)
                    .col((Products::CreatedAt, IndexOrder::Desc))
                    .col((Products::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Products::Table).to_owned())
            .await
    }
}
