//! Written by `project makemigrations` for the `cart` app on 2026-12-01; review it, then `project migrate`.
//!
//! - Create table cart_items

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CartItems {
    Table,
    Id,
    UserId,
    ProductId,
    Quantity,
    AddedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CartItems::Table)
                    .col(editor::id(manager, CartItems::Id))
                    .col(
                        ColumnDef::new(CartItems::UserId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(CartItems::ProductId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(CartItems::Quantity)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, CartItems::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("cart_items_product_id_fkey")
                            .from(CartItems::Table, CartItems::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("cart_items_user_id_fkey")
                            .from(CartItems::Table, CartItems::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cart_items_user_id_product_id_key")
                    .table(CartItems::Table)
                    .col(CartItems::UserId)
                    .col(CartItems::ProductId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cart_items_product_id")
                    .table(CartItems::Table)
                    .col(CartItems::ProductId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CartItems::Table).to_owned())
            .await?;
        Ok(())
    }
}
