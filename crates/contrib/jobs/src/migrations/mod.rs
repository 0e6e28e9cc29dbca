//! The framework's `jobs` app's tables, written by `project makemigrations`.

use sea_orm_migration::MigrationTrait;

mod m20261201_000501_initial;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261201_000501_initial::Migration)]
}
