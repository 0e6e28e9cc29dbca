//! The `payments` app's tables: orders and their lines, payments, webhook events.

use sea_orm_migration::MigrationTrait;

mod m20261125_000301_create_orders;
mod m20261125_000302_create_order_items;
mod m20261125_000303_create_payments;
mod m20261125_000304_create_webhook_events;
mod m20261206_000305_order_shipping_tax;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261125_000301_create_orders::Migration),
        Box::new(m20261125_000302_create_order_items::Migration),
        Box::new(m20261125_000303_create_payments::Migration),
        Box::new(m20261125_000304_create_webhook_events::Migration),
        Box::new(m20261206_000305_order_shipping_tax::Migration),
    ]
}
