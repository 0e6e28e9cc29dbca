//! The `catalog` app's tables.

use sea_orm_migration::MigrationTrait;

pub(crate) mod m20261125_000201_create_products;
mod m20261125_000202_product_search_and_counts;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261125_000201_create_products::Migration),
        Box::new(m20261125_000202_product_search_and_counts::Migration),
    ]
}
