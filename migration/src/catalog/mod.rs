//! The `catalog` app's tables.

use sea_orm_migration::MigrationTrait;

pub(crate) mod m20261125_000201_create_products;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261125_000201_create_products::Migration)]
}
