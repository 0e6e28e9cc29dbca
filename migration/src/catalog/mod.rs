//! The `catalog` app's tables.

use sea_orm_migration::MigrationTrait;

pub(crate) mod m20261125_000201_create_products;
mod m20261125_000202_product_search_and_counts;
mod m20261201_000203_sku_unique_ignoring_case;
mod m20261201_000204_create_product_slug_history;
mod m20261201_000205_product_search_trigrams;
mod m20261201_000206_product_trigram_counts_postgres;
mod m20261206_000207_sku_key;
mod m20261206_000208_create_product_images;
mod m20261206_000209_product_shipping;
mod m20261207_000210_product_datasheet;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261125_000201_create_products::Migration),
        Box::new(m20261125_000202_product_search_and_counts::Migration),
        Box::new(m20261201_000203_sku_unique_ignoring_case::Migration),
        Box::new(m20261201_000204_create_product_slug_history::Migration),
        Box::new(m20261201_000205_product_search_trigrams::Migration),
        Box::new(m20261201_000206_product_trigram_counts_postgres::Migration),
        Box::new(m20261206_000207_sku_key::Migration),
        Box::new(m20261206_000208_create_product_images::Migration),
        Box::new(m20261206_000209_product_shipping::Migration),
        Box::new(m20261207_000210_product_datasheet::Migration),
    ]
}
