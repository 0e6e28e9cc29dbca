use sea_orm_migration::prelude::*;

use web_schema::editor::{id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Orders {
    Table,
    Id,
    UserId,
    Status,
    Currency,
    TotalCents,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(id(manager, Orders::Id))
                    .col(ColumnDef::new(Orders::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Orders::Status)
                            .string_len(16)
                            .not_null()
                            .default("pending"),
                    )
                    .col(ColumnDef::new(Orders::Currency).char_len(3).not_null())
                    .col(
                        ColumnDef::new(Orders::TotalCents)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(Orders::TotalCents).gte(0)),
                    )
                    .col(timestamp(manager, Orders::CreatedAt))
                    .col(timestamp(manager, Orders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("orders_user")
                            .from(Orders::Table, Orders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A user's orders, newest first; and everyone's, for staff.
        manager
            .create_index(
                Index::create()
                    .name("orders_user_newest")
                    .table(Orders::Table)
                    .col(Orders::UserId)
                    .col((Orders::CreatedAt, IndexOrder::Desc))
                    .col((Orders::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_newest")
                    .table(Orders::Table)
                    .col((Orders::CreatedAt, IndexOrder::Desc))
                    .col((Orders::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Orders::Table).to_owned())
            .await
    }
}

/// The accounts app's table, as this migration references it.
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
