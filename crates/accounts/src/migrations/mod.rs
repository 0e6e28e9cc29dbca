//! The `accounts` app's tables: users, API tokens, login throttling counters.

use sea_orm_migration::MigrationTrait;

pub(crate) mod m20261125_000101_create_users;
mod m20261125_000102_create_auth_tokens;
mod m20261125_000103_create_login_throttles;
mod m20261201_000104_permissions_and_groups;
mod m20261208_000105_user_language;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261125_000101_create_users::Migration),
        Box::new(m20261125_000102_create_auth_tokens::Migration),
        Box::new(m20261125_000103_create_login_throttles::Migration),
        Box::new(m20261201_000104_permissions_and_groups::Migration),
        Box::new(m20261208_000105_user_language::Migration),
    ]
}
