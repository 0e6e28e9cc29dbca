//! The `admin` app's table: the audit log of changes made through the admin site.

use sea_orm_migration::MigrationTrait;

mod m20261125_000401_create_admin_log;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261125_000401_create_admin_log::Migration)]
}
