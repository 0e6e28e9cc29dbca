//! Reads a SQLite database's tables back as [`TableSpec`]s, through SQLite's own
//! catalog (`pragma_table_info`, `pragma_index_list`, `pragma_foreign_key_list`).
//!
//! Only what makemigrations manages is read: columns, unique constraints, plain indexes
//! and foreign keys. Virtual tables (FTS5) and their shadow tables, expression and partial
//! indexes are left out, like Django's `RunSQL`: they belong to hand-written migrations.
//! (Of the plain indexes, the autodetector manages those on one column and those an entity
//! declares by name.)

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use super::spec::{
    Action, ColumnSpec, DefaultValue, ForeignKeySpec, IndexSpec, Kind, TableSpec, UniqueSpec,
};

/// Every ordinary table but sea-orm-migration's own bookkeeping, by name.
pub async fn tables(db: &DatabaseConnection) -> Result<BTreeMap<String, TableSpec>, DbErr> {
    let rows = query(
        db,
        "SELECT l.name AS name, m.sql AS sql FROM pragma_table_list l \
         JOIN sqlite_master m ON m.name = l.name AND m.type = 'table' \
         WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite_%' \
         AND l.name <> 'seaql_migrations' ORDER BY l.name",
        None,
    )
    .await?;
    let mut tables = BTreeMap::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        let sql: String = row.try_get("", "sql")?;
        tables.insert(name.clone(), table(db, &name, &sql).await?);
    }
    Ok(tables)
}

async fn query(
    db: &DatabaseConnection,
    sql: &str,
    table: Option<&str>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    let values: Vec<sea_orm::Value> = table.map(|t| t.into()).into_iter().collect();
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
    .await
}

async fn table(db: &DatabaseConnection, name: &str, sql: &str) -> Result<TableSpec, DbErr> {
    let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
    let mut columns = Vec::new();
    for row in query(
        db,
        "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
        Some(name),
    )
    .await?
    {
        let column: String = row.try_get("", "name")?;
        let declared: String = row.try_get("", "type")?;
        let not_null: i32 = row.try_get("", "not_null")?;
        let default: Option<String> = row.try_get("", "dflt_value")?;
        let pk: i32 = row.try_get("", "pk")?;
        let kind = Kind::from_sqlite(&declared).unwrap_or(Kind::Other(declared.clone()));
        let id = pk > 0 && autoincrement && kind == Kind::Integer;
        columns.push(ColumnSpec {
            name: column,
            kind: if id { Kind::Id } else { kind },
            nullable: not_null == 0 && pk == 0,
            default: default.as_deref().and_then(DefaultValue::from_sqlite),
            primary_key: pk > 0 && !id,
        });
    }

    let mut uniques = Vec::new();
    let mut indexes = Vec::new();
    for row in query(
        db,
        "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list(?) ORDER BY name",
        Some(name),
    )
    .await?
    {
        let index: String = row.try_get("", "name")?;
        let unique: i32 = row.try_get("", "is_unique")?;
        let origin: String = row.try_get("", "origin")?;
        let partial: i32 = row.try_get("", "partial")?;
        if origin == "pk" || partial != 0 {
            continue;
        }
        let mut index_columns = Vec::new();
        let mut plain = true;
        for key in query(
            db,
            "SELECT name, cid, \"desc\" AS descending FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
            Some(&index),
        )
        .await?
        {
            let cid: i32 = key.try_get("", "cid")?;
            let descending: i32 = key.try_get("", "descending")?;
            let column: Option<String> = key.try_get("", "name")?;
            match column {
                Some(column) if cid >= 0 && descending == 0 => index_columns.push(column),
                Some(column) if cid >= 0 && unique == 0 => index_columns.push(format!("-{column}")),
                _ => plain = false,
            }
        }
        if !plain {
            continue;
        }
        if unique != 0 {
            uniques.push(UniqueSpec {
                name: (origin == "c").then_some(index),
                columns: index_columns,
            });
        } else {
            indexes.push(IndexSpec {
                name: index.clone(),
                columns: index_columns,
            });
        }
    }

    let mut foreign_keys: Vec<(i32, ForeignKeySpec)> = Vec::new();
    for row in query(
        db,
        "SELECT id, \"table\" AS ref_table, \"from\" AS from_column, \"to\" AS to_column, on_update, on_delete \
         FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        Some(name),
    )
    .await?
    {
        let id: i32 = row.try_get("", "id")?;
        let from: String = row.try_get("", "from_column")?;
        let to: Option<String> = row.try_get("", "to_column")?;
        let to = to.unwrap_or_else(|| "id".to_string());
        match foreign_keys.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.columns.push(from);
                fk.ref_columns.push(to);
            }
            _ => foreign_keys.push((
                id,
                ForeignKeySpec {
                    columns: vec![from],
                    ref_table: row.try_get("", "ref_table")?,
                    ref_columns: vec![to],
                    on_delete: Action::from_sql(&row.try_get::<String>("", "on_delete")?),
                    on_update: Action::from_sql(&row.try_get::<String>("", "on_update")?),
                },
            )),
        }
    }
    let mut foreign_keys: Vec<ForeignKeySpec> =
        foreign_keys.into_iter().map(|(_, fk)| fk).collect();
    foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
    uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
    indexes.sort_by(|a, b| a.columns.cmp(&b.columns));
    Ok(TableSpec {
        name: name.to_string(),
        columns,
        uniques,
        indexes,
        foreign_keys,
    })
}
