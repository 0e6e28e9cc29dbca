//! The framework's `sessions` app.

use sea_orm_migration::MigrationTrait;

mod m20261125_000001_create_sessions;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261125_000001_create_sessions::Migration)]
}
