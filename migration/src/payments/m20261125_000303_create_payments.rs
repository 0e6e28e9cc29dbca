use sea_orm_migration::prelude::*;

use super::m20261125_000301_create_orders::Orders;
use web_schema::editor::{id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrderId,
    Status,
    AmountCents,
    Provider,
    GatewayReference,
    UserId,
    IdempotencyKey,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(id(manager, Payments::Id))
                    .col(ColumnDef::new(Payments::OrderId).big_integer().not_null())
                    .col(ColumnDef::new(Payments::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Payments::AmountCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Payments::Provider).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Payments::GatewayReference)
                            .string_len(128)
                            .not_null()
                            .default(""),
                    )
                    // The idempotency record of a `pay` call: the key (unique per user) and the
                    // response replayed for it. NULL for payments that came by webhook, and once
                    // the record is past its retention (`project cleanup`).
                    .col(ColumnDef::new(Payments::UserId).big_integer().null())
                    .col(
                        ColumnDef::new(Payments::IdempotencyKey)
                            .string_len(255)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Payments::ResponseStatus)
                            .small_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Payments::ResponseBody).text().null())
                    .col(timestamp(manager, Payments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("payments_order")
                            .from(Payments::Table, Payments::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("payments_user")
                            .from(Payments::Table, Payments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payments_user_idempotency_key")
                    .table(Payments::Table)
                    .col(Payments::UserId)
                    .col(Payments::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payments_order_id")
                    .table(Payments::Table)
                    .col(Payments::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payments_created_at")
                    .table(Payments::Table)
                    .col(Payments::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Payments::Table).to_owned())
            .await
    }
}

/// The accounts app's table, as this migration references it.
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
