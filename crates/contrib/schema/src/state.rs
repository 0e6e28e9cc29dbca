//! The two schemas makemigrations compares, each built in a scratch in-memory SQLite
//! database and read back the same way ([`super::introspect`]):
//!
//! - the schema the migrations produce: every installed app's migrations applied in
//!   order, each table owned by the app whose migration created it;
//! - the schema the entities describe: each entity's table created as a migration
//!   written from it would create it.
//!
//! Reading both back from one kind of database compares like with like, and needs no
//! database server. SQLite spells `integer` and `big_integer` alike, so a change between
//! `i32` and `i64` is the one type change it does not see.

use std::collections::BTreeMap;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use super::entity::EntitySchema;
use super::introspect;
use super::operations::Operation;
use super::spec::TableSpec;

/// An installed app, as makemigrations needs it.
pub struct InstalledApp {
    pub label: &'static str,
    pub entities: Vec<EntitySchema>,
    /// Tables its migrations create in raw SQL that no entity describes.
    pub unmanaged_tables: Vec<&'static str>,
    pub migrations: Vec<Box<dyn MigrationTrait>>,
}

/// An empty in-memory SQLite database on one connection (each connection to
/// `sqlite::memory:` is a database of its own).
pub async fn scratch() -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(options).await
}

/// The migrations' schema: the scratch database they ran on, and each table with the
/// app that created it.
pub struct Migrated {
    pub db: DatabaseConnection,
    pub tables: BTreeMap<String, TableSpec>,
    pub owners: BTreeMap<String, &'static str>,
}

pub async fn migrated(apps: &[InstalledApp]) -> Result<Migrated, DbErr> {
    let db = scratch().await?;
    let mut owners = BTreeMap::new();
    for app in apps {
        let manager = SchemaManager::new(&db);
        for migration in &app.migrations {
            migration.up(&manager).await.map_err(|e| {
                DbErr::Migration(format!(
                    "migration {} failed on a scratch SQLite database: {e}",
                    migration.name()
                ))
            })?;
        }
        for table in introspect::tables(&db).await?.into_keys() {
            owners.entry(table).or_insert(app.label);
        }
    }
    let tables = introspect::tables(&db).await?;
    owners.retain(|table, _| tables.contains_key(table));
    Ok(Migrated { db, tables, owners })
}

/// The entities' schema, read back from a scratch database where each table was
/// created from its spec.
pub async fn described(specs: &[TableSpec]) -> Result<BTreeMap<String, TableSpec>, DbErr> {
    let db = scratch().await?;
    let manager = SchemaManager::new(&db);
    for spec in specs {
        Operation::CreateTable(spec.clone())
            .apply(&manager)
            .await
            .map_err(|e| DbErr::Migration(format!("creating table {}: {e}", spec.name)))?;
    }
    introspect::tables(&db).await
}

/// How two readings of a table differ, one line each; empty when they agree on
/// everything makemigrations manages.
pub fn differences(have: &TableSpec, want: &TableSpec) -> Vec<String> {
    let mut out = Vec::new();
    for column in &want.columns {
        match have.column(&column.name) {
            None => out.push(format!("column {} is missing", column.name)),
            Some(c) if c != column => out.push(format!(
                "column {} is {}, not {}",
                column.name,
                c.describe(),
                column.describe()
            )),
            Some(_) => {}
        }
    }
    for column in &have.columns {
        if want.column(&column.name).is_none() {
            out.push(format!("column {} should not exist", column.name));
        }
    }
    let uniques = |t: &TableSpec| {
        t.uniques
            .iter()
            .map(|u| u.columns.clone())
            .collect::<Vec<_>>()
    };
    if uniques(have) != uniques(want) {
        out.push(format!(
            "unique constraints are {:?}, not {:?}",
            uniques(have),
            uniques(want)
        ));
    }
    let indexes = |t: &TableSpec| {
        t.managed_indexes(want)
            .map(|i| i.columns.clone())
            .collect::<Vec<_>>()
    };
    if indexes(have) != indexes(want) {
        out.push(format!(
            "indexed columns are {:?}, not {:?}",
            indexes(have),
            indexes(want)
        ));
    }
    if have.foreign_keys != want.foreign_keys {
        out.push(format!(
            "foreign keys are {:?}, not {:?}",
            have.foreign_keys, want.foreign_keys
        ));
    }
    out
}
