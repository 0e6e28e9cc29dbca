//! Written by `project makemigrations` for the `shipping` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Create table shipping_zones
//! - Create table shipping_methods

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShippingMethods {
    Table,
    Id,
    ZoneId,
    Name,
    Currency,
    PriceCents,
    WeightBands,
    MinDays,
    MaxDays,
    IsActive,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ShippingZones {
    Table,
    Id,
    Name,
    Countries,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShippingZones::Table)
                    .col(editor::id(manager, ShippingZones::Id))
                    .col(
                        ColumnDef::new(ShippingZones::Name)
                            .string_len(100)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingZones::Countries)
                            .string_len(1000)
                            .not_null()
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, ShippingZones::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShippingMethods::Table)
                    .col(editor::id(manager, ShippingMethods::Id))
                    .col(
                        ColumnDef::new(ShippingMethods::ZoneId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::Name)
                            .string_len(100)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::Currency)
                            .char_len(3)
                            .not_null()
                            .default("USD")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::PriceCents)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::WeightBands)
                            .string_len(500)
                            .not_null()
                            .default("")
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::MinDays)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::MaxDays)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(ShippingMethods::IsActive)
                            .boolean()
                            .not_null()
                            .default(true)
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, ShippingMethods::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("shipping_methods_zone_id_fkey")
                            .from(ShippingMethods::Table, ShippingMethods::ZoneId)
                            .to(ShippingZones::Table, ShippingZones::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("shipping_methods_zone_id")
                    .table(ShippingMethods::Table)
                    .col(ShippingMethods::ZoneId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShippingMethods::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ShippingZones::Table).to_owned())
            .await?;
        Ok(())
    }
}
