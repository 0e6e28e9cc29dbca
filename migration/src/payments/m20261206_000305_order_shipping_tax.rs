//! Written by `project makemigrations` for the `payments` app on 2026-12-06; review it, then `project migrate`.
//!
//! - Create table tax_rates
//! - Add column orders.subtotal_cents (big_integer not null default 0)
//! - Add column orders.shipping_cents (big_integer not null default 0)
//! - Add column orders.tax_cents (big_integer not null default 0)
//! - Add column orders.shipping_address (text null)
//! - Add column orders.shipping_method (string_len(100) null)
//! - Add column orders.shipping_method_price_cents (big_integer not null default 0)
//! - Add column orders.fulfillment_status (string_len(16) not null default "unfulfilled")
//! - Add column orders.carrier (string_len(100) null)
//! - Add column orders.tracking_number (string_len(100) null)
//! - Add column orders.shipped_at (timestamp_with_time_zone null)
//! - Add column orders.delivered_at (timestamp_with_time_zone null)
//! - Existing orders (no shipping, no tax): subtotal = total (added by hand)

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    SubtotalCents,
    TotalCents,
    ShippingCents,
    TaxCents,
    ShippingAddress,
    ShippingMethod,
    ShippingMethodPriceCents,
    FulfillmentStatus,
    Carrier,
    TrackingNumber,
    ShippedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum TaxRates {
    Table,
    Id,
    Country,
    RateBp,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaxRates::Table)
                    .col(editor::id(manager, TaxRates::Id))
                    .col(
                        ColumnDef::new(TaxRates::Country)
                            .string_len(2)
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(TaxRates::RateBp)
                            .integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(editor::timestamp(manager, TaxRates::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tax_rates_country_key")
                    .table(TaxRates::Table)
                    .col(TaxRates::Country)
                    .unique()
                    .to_owned(),
            )
            .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::SubtotalCents)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::ShippingCents)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::TaxCents)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::ShippingAddress)
                .text()
                .null()
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::ShippingMethod)
                .string_len(100)
                .null()
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::ShippingMethodPriceCents)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::FulfillmentStatus)
                .string_len(16)
                .not_null()
                .default("unfulfilled")
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::Carrier)
                .string_len(100)
                .null()
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            ColumnDef::new(Orders::TrackingNumber)
                .string_len(100)
                .null()
                .to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            editor::timestamp_null(manager, Orders::ShippedAt),
        )
        .await?;
        editor::add_column(
            manager,
            Orders::Table,
            editor::timestamp_null(manager, Orders::DeliveredAt),
        )
        .await?;
        // Orders placed before had no shipping or tax: their lines are their total.
        manager
            .exec_stmt(
                Query::update()
                    .table(Orders::Table)
                    .value(Orders::SubtotalCents, Expr::col(Orders::TotalCents))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_column(manager, Orders::Table, Orders::DeliveredAt).await?;
        editor::drop_column(manager, Orders::Table, Orders::ShippedAt).await?;
        editor::drop_column(manager, Orders::Table, Orders::TrackingNumber).await?;
        editor::drop_column(manager, Orders::Table, Orders::Carrier).await?;
        editor::drop_column(manager, Orders::Table, Orders::FulfillmentStatus).await?;
        editor::drop_column(manager, Orders::Table, Orders::ShippingMethodPriceCents).await?;
        editor::drop_column(manager, Orders::Table, Orders::ShippingMethod).await?;
        editor::drop_column(manager, Orders::Table, Orders::ShippingAddress).await?;
        editor::drop_column(manager, Orders::Table, Orders::TaxCents).await?;
        editor::drop_column(manager, Orders::Table, Orders::ShippingCents).await?;
        editor::drop_column(manager, Orders::Table, Orders::SubtotalCents).await?;
        manager
            .drop_table(Table::drop().table(TaxRates::Table).to_owned())
            .await?;
        Ok(())
    }
}
