//! What a table looks like on the live test database (SQLite, MySQL/MariaDB or
//! PostgreSQL), reduced to what makemigrations manages, to compare with an entity.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use web_schema::EntitySchema;
use web_schema::spec::{Kind, TableSpec};

/// Columns (name, nullable, declared length of a string), unique column lists,
/// one-column indexes and foreign keys (columns, referenced table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub columns: BTreeSet<(String, bool, Option<u32>)>,
    pub uniques: BTreeSet<Vec<String>>,
    pub indexes: BTreeSet<Vec<String>>,
    pub foreign_keys: BTreeSet<(Vec<String>, String)>,
}

fn length(kind: &Kind, backend: DbBackend) -> Option<u32> {
    match kind {
        // MySQL has no unbounded VARCHAR; sea-query writes `varchar(255)` there.
        Kind::String(None) if backend == DbBackend::MySql => Some(255),
        Kind::String(n) | Kind::Char(n) => *n,
        _ => None,
    }
}

impl Shape {
    fn of_spec(spec: &TableSpec, backend: DbBackend) -> Shape {
        Shape {
            columns: spec
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.nullable, length(&c.kind, backend)))
                .collect(),
            uniques: spec.uniques.iter().map(|u| u.columns.clone()).collect(),
            indexes: spec.indexes.iter().map(|i| i.columns.clone()).collect(),
            foreign_keys: spec
                .foreign_keys
                .iter()
                .map(|f| (f.columns.clone(), f.ref_table.clone()))
                .collect(),
        }
    }

    /// The shape an entity describes, on `backend`.
    pub fn of_entity(entity: &EntitySchema, backend: DbBackend) -> Shape {
        Shape::of_spec(&entity.spec().expect("a writable entity"), backend)
    }
}

async fn rows(db: &DatabaseConnection, sql: &str, table: &str) -> Vec<sea_orm::QueryResult> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn split(cols: Option<String>) -> Vec<String> {
    cols.unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// The table as the database has it; `None` when there is no such table.
pub async fn shape(db: &DatabaseConnection, table: &str) -> Option<Shape> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let tables = web_schema::introspect::tables(db).await.unwrap();
            tables
                .get(table)
                .map(|t| Shape::of_spec(t, DbBackend::Sqlite))
        }
        DbBackend::MySql => mysql(db, table).await,
        _ => postgres(db, table).await,
    }
}

async fn columns(
    db: &DatabaseConnection,
    sql: &str,
    table: &str,
) -> BTreeSet<(String, bool, Option<u32>)> {
    rows(db, sql, table)
        .await
        .iter()
        .map(|r| {
            let name: String = r.try_get("", "name").unwrap();
            let nullable: String = r.try_get("", "nullable").unwrap();
            let length: Option<i64> = r.try_get("", "length").unwrap();
            (name, nullable == "YES", length.map(|l| l as u32))
        })
        .collect()
}

async fn mysql(db: &DatabaseConnection, table: &str) -> Option<Shape> {
    let columns = columns(
        db,
        "SELECT column_name AS name, is_nullable AS nullable, \
         CAST(CASE WHEN data_type IN ('varchar', 'char') THEN character_maximum_length END AS SIGNED) AS length \
         FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
        table,
    )
    .await;
    if columns.is_empty() {
        return None;
    }
    let foreign_keys: Vec<(String, Vec<String>, String)> = rows(
        db,
        "SELECT constraint_name AS name, GROUP_CONCAT(column_name ORDER BY ordinal_position) AS cols, \
         MAX(referenced_table_name) AS ref FROM information_schema.key_column_usage \
         WHERE table_schema = DATABASE() AND table_name = ? AND referenced_table_name IS NOT NULL \
         GROUP BY constraint_name",
        table,
    )
    .await
    .iter()
    .map(|r| {
        (
            r.try_get("", "name").unwrap(),
            split(r.try_get("", "cols").unwrap()),
            r.try_get("", "ref").unwrap(),
        )
    })
    .collect();
    let mut uniques = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for r in rows(
        db,
        "SELECT index_name AS name, MAX(non_unique) AS non_unique, \
         GROUP_CONCAT(CONCAT(IF(collation = 'D', '-', ''), column_name) ORDER BY seq_in_index) AS cols \
         FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? \
         AND index_name <> 'PRIMARY' GROUP BY index_name",
        table,
    )
    .await
    {
        let name: String = r.try_get("", "name").unwrap();
        let non_unique: i64 = r.try_get("", "non_unique").unwrap();
        let cols = split(r.try_get("", "cols").unwrap());
        if non_unique == 0 {
            uniques.insert(cols);
        } else if !foreign_keys.iter().any(|(fk, _, _)| *fk == name) {
            // MySQL adds an index named after each foreign key; it is not the entity's.
            indexes.insert(cols);
        }
    }
    Some(Shape {
        columns,
        uniques,
        indexes,
        foreign_keys: foreign_keys.into_iter().map(|(_, c, r)| (c, r)).collect(),
    })
}

async fn postgres(db: &DatabaseConnection, table: &str) -> Option<Shape> {
    let columns = columns(
        db,
        "SELECT column_name::text AS name, is_nullable::text AS nullable, \
         CASE WHEN data_type IN ('character varying', 'character') THEN character_maximum_length::bigint END AS length \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    .await;
    if columns.is_empty() {
        return None;
    }
    let mut uniques = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for r in rows(
        db,
        "SELECT ix.indisunique AS is_unique, \
         (SELECT string_agg(CASE WHEN (ix.indoption::int2[])[array_lower(ix.indoption::int2[], 1) + k.n - 1] & 1 = 1 \
          THEN '-' ELSE '' END || a.attname::text, ',' ORDER BY k.n) \
          FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
          JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) AS cols \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
         WHERE NOT ix.indisprimary AND t.relname = $1 AND pg_table_is_visible(t.oid)",
        table,
    )
    .await
    {
        let unique: bool = r.try_get("", "is_unique").unwrap();
        let cols = split(r.try_get("", "cols").unwrap());
        if unique {
            uniques.insert(cols);
        } else {
            indexes.insert(cols);
        }
    }
    let foreign_keys = rows(
        db,
        "SELECT r.relname::text AS ref, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
         WHERE c.contype = 'f' AND t.relname = $1 AND pg_table_is_visible(t.oid)",
        table,
    )
    .await
    .iter()
    .map(|r| (split(r.try_get("", "cols").unwrap()), r.try_get("", "ref").unwrap()))
    .collect();
    Some(Shape {
        columns,
        uniques,
        indexes,
        foreign_keys,
    })
}
