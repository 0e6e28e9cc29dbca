//! The framework's `media` app.

use sea_orm_migration::MigrationTrait;

mod m20261206_000701_initial;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261206_000701_initial::Migration)]
}
