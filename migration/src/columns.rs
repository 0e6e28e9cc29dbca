//! Column definitions that behave the same on SQLite, MySQL/MariaDB and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A UTC timestamp with microseconds. MySQL's plain `TIMESTAMP` drops the fraction and
/// stops in 2038, so MySQL/MariaDB get `DATETIME(6)` (the connection's time zone is UTC);
/// PostgreSQL gets `timestamp with time zone`, SQLite text.
pub fn timestamp(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.not_null();
    if manager.get_database_backend() == DbBackend::MySql {
        column.custom(Alias::new("DATETIME(6)"));
    } else {
        column.timestamp_with_time_zone();
    }
    column
}

/// A nullable [`timestamp`].
pub fn timestamp_null(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    let mut column = timestamp(manager, name);
    column.null();
    column
}

/// An auto-incrementing 64-bit primary key (SQLite: `INTEGER PRIMARY KEY`, which is 64-bit;
/// SQLite allows AUTOINCREMENT on no other type).
pub fn id(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    if manager.get_database_backend() == DbBackend::Sqlite {
        column.integer();
    } else {
        column.big_integer();
    }
    column.not_null().auto_increment().primary_key();
    column
}
