//! The `shipping` app's tables, written by `project makemigrations`.

use sea_orm_migration::MigrationTrait;

mod m20261206_000901_initial;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261206_000901_initial::Migration)]
}
