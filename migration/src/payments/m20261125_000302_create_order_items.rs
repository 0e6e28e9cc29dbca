use sea_orm_migration::prelude::*;

use super::m20261125_000301_create_orders::Orders;
use crate::catalog::m20261125_000201_create_products::Products;
use web_schema::editor::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    Name,
    UnitPriceCents,
    Quantity,
    LineTotalCents,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(id(manager, OrderItems::Id))
                    .col(ColumnDef::new(OrderItems::OrderId).big_integer().not_null())
                    .col(
                        ColumnDef::new(OrderItems::ProductId)
                            .big_integer()
                            .not_null(),
                    )
                    // Copied at order time: the order keeps what was bought, at that price.
                    .col(ColumnDef::new(OrderItems::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(OrderItems::UnitPriceCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrderItems::Quantity)
                            .integer()
                            .not_null()
                            .check(Expr::col(OrderItems::Quantity).gt(0)),
                    )
                    .col(
                        ColumnDef::new(OrderItems::LineTotalCents)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("order_items_order")
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // A product that was ordered cannot be deleted (the catalog then
                    // deactivates it instead), so order history stays intact.
                    .foreign_key(
                        ForeignKey::create()
                            .name("order_items_product")
                            .from(OrderItems::Table, OrderItems::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_items_order_id")
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_items_product_id")
                    .table(OrderItems::Table)
                    .col(OrderItems::ProductId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrderItems::Table).to_owned())
            .await
    }
}
