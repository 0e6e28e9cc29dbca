//! Written by `project makemigrations` for the `addresses` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Create table addresses

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    Name,
    Line1,
    Line2,
    City,
    Region,
    PostalCode,
    Country,
    Phone,
    CreatedAt,
    UpdatedAt,
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
                    .table(Addresses::Table)
                    .col(editor::id(manager, Addresses::Id))
                    .col(
                        ColumnDef::new(Addresses::UserId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Name)
                            .string_len(100)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Line1)
                            .string_len(200)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Line2)
                            .string_len(200)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::City)
                            .string_len(100)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Region)
                            .string_len(100)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::PostalCode)
                            .string_len(20)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Country)
                            .string_len(2)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(Addresses::Phone)
                            .string_len(40)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, Addresses::CreatedAt))
                    .col(editor::timestamp(manager, Addresses::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_user_id_fkey")
                            .from(Addresses::Table, Addresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("addresses_user_id")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Addresses::Table).to_owned())
            .await?;
        Ok(())
    }
}
