//! Schema changes that behave the same on SQLite, MySQL/MariaDB and PostgreSQL, for
//! migrations (Django's schema editor). Hand-written migrations use the column helpers;
//! the ones `makemigrations` writes use the rest too.
//!
//! SQLite cannot alter a column or add or drop a constraint in place, so there these
//! rebuild the table the way SQLite's documentation prescribes (create the new table,
//! copy the rows, drop the old one, rename, recreate its indexes and triggers) with
//! foreign keys switched off for the swap. Constraints are found by their columns, not
//! their names: SQLite keeps no name for an inline `UNIQUE` or a foreign key.

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKeyCreateStatement, IntoIden, SqliteQueryBuilder, Table,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_orm_migration::{SchemaManager, SchemaManagerConnection};

use super::entity::table_ref_name;
use super::sqlite_table::{self, CreateTable};

/// An auto-incrementing 64-bit primary key (SQLite: `INTEGER PRIMARY KEY`, which is 64-bit;
/// SQLite allows AUTOINCREMENT on no other type).
pub fn id(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    id_for(manager.get_database_backend(), name)
}

/// [`id`] for a backend.
pub fn id_for(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    if backend == DbBackend::Sqlite {
        column.integer();
    } else {
        column.big_integer();
    }
    column.not_null().auto_increment().primary_key();
    column
}

/// A UTC timestamp with microseconds. MySQL's plain `TIMESTAMP` drops the fraction and
/// stops in 2038, so MySQL/MariaDB get `DATETIME(6)` (the connection's time zone is UTC);
/// PostgreSQL gets `timestamp with time zone`, SQLite text.
pub fn timestamp(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    timestamp_for(manager.get_database_backend(), name)
}

/// [`timestamp`] for a backend.
pub fn timestamp_for(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.not_null();
    if backend == DbBackend::MySql {
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

/// Adds a column. SQLite adds a `NOT NULL` column without a default, or a unique one, by
/// rebuilding the table (its `ADD COLUMN` refuses both).
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let table = table.into_iden().to_string();
    let spec = column.get_column_spec();
    let needs_value = spec.nullable == Some(false) && spec.default.is_none();
    if manager.get_database_backend() == DbBackend::Sqlite && (needs_value || spec.unique) {
        let part = column_sql(&column);
        return rebuild(manager, &table, |t| {
            t.add_part(part);
            Ok(())
        })
        .await;
    }
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(&table))
                .add_column(column)
                .to_owned(),
        )
        .await
}

/// Drops a column (on SQLite by a rebuild, which also removes the table constraints that
/// name it; drop the indexes on it first).
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    let table = table.into_iden().to_string();
    let column = column.into_iden().to_string();
    if manager.get_database_backend() == DbBackend::Sqlite {
        return rebuild(manager, &table, |t| t.remove_column(&column)).await;
    }
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(&table))
                .drop_column(Alias::new(&column))
                .to_owned(),
        )
        .await
}

/// Changes a column's type, nullability and default to `column`'s. Its unique and check
/// constraints stay as they are.
pub async fn alter_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let table = table.into_iden().to_string();
    let name = column.get_column_name();
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let part = column_sql(&column);
            rebuild(manager, &table, |t| t.alter_column(&name, &part)).await
        }
        backend => {
            let mut column = column;
            // PostgreSQL's ALTER only sets a default; one the column no longer has is dropped.
            let drop_default =
                backend == DbBackend::Postgres && column.get_column_spec().default.is_none();
            // MySQL's MODIFY restates the whole column; a unique index is its own object
            // and stays, but MariaDB's column CHECK is part of the column.
            if backend == DbBackend::MySql
                && let Some(clause) = mariadb_column_check(manager, &table, &name).await?
            {
                column.check(Expr::cust(clause));
            }
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(&table))
                        .modify_column(column)
                        .to_owned(),
                )
                .await?;
            if drop_default {
                execute(
                    manager,
                    format!(r#"ALTER TABLE "{table}" ALTER COLUMN "{name}" DROP DEFAULT"#),
                )
                .await?;
            }
            Ok(())
        }
    }
}

/// MariaDB's CHECK written on a column (named after it); MySQL keeps its checks at table
/// level, where an ALTER leaves them.
async fn mariadb_column_check(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<Option<String>, DbErr> {
    let found = manager
        .get_connection()
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT check_clause AS clause FROM information_schema.check_constraints \
             WHERE constraint_schema = DATABASE() AND table_name = ? AND constraint_name = ? \
             AND level = 'Column'",
            [table.into(), column.into()],
        ))
        .await;
    match found {
        Ok(Some(row)) => Ok(Some(row.try_get("", "clause")?)),
        // MySQL has no `level` column: nothing to carry over.
        Ok(None) | Err(_) => Ok(None),
    }
}

/// Drops the unique constraint (or unique index) on exactly `columns`.
pub async fn drop_unique(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_iden().to_string();
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            // A unique index goes by its name; an inline UNIQUE only with a rebuild.
            match find_by_columns(manager, SQLITE_UNIQUE_INDEXES, &table, columns).await? {
                Some(index) => execute(manager, format!(r#"DROP INDEX "{index}""#)).await,
                None => rebuild(manager, &table, |t| t.remove_unique(columns)).await,
            }
        }
        DbBackend::MySql => {
            let sql = "SELECT index_name AS name, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols \
                       FROM information_schema.statistics \
                       WHERE table_schema = DATABASE() AND table_name = ? AND non_unique = 0 \
                       AND index_name <> 'PRIMARY' GROUP BY index_name";
            let name = expect_by_columns(manager, sql, &table, columns).await?;
            execute(manager, format!("DROP INDEX `{name}` ON `{table}`")).await
        }
        _ => {
            // PostgreSQL: a constraint, or else a unique index made with CREATE UNIQUE INDEX.
            let constraints = postgres_constraints('u');
            match find_by_columns(manager, &constraints, &table, columns).await? {
                Some(name) => {
                    execute(
                        manager,
                        format!(r#"ALTER TABLE "{table}" DROP CONSTRAINT "{name}""#),
                    )
                    .await
                }
                None => {
                    let name = expect_by_columns(manager, POSTGRES_UNIQUE_INDEXES, &table, columns)
                        .await?;
                    execute(manager, format!(r#"DROP INDEX "{name}""#)).await
                }
            }
        }
    }
}

/// Adds a foreign key to an existing table.
pub async fn add_foreign_key(
    manager: &SchemaManager<'_>,
    foreign_key: ForeignKeyCreateStatement,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return manager.create_foreign_key(foreign_key).await;
    }
    let fk = foreign_key.get_foreign_key();
    let table = fk
        .get_table()
        .map(table_ref_name)
        .ok_or_else(|| DbErr::Migration("the foreign key names no table".into()))?;
    let clause = sqlite_table::foreign_key_clause(
        &fk.get_columns(),
        &fk.get_ref_table().map(table_ref_name).unwrap_or_default(),
        &fk.get_ref_columns(),
        super::spec::Action::from_sea(fk.get_on_delete()),
        super::spec::Action::from_sea(fk.get_on_update()),
    );
    rebuild(manager, &table, |t| {
        t.add_part(clause);
        Ok(())
    })
    .await
}

/// Drops the foreign key on exactly `columns`.
pub async fn drop_foreign_key(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: &[&str],
) -> Result<(), DbErr> {
    let table = table.into_iden().to_string();
    match manager.get_database_backend() {
        DbBackend::Sqlite => rebuild(manager, &table, |t| t.remove_foreign_key(columns)).await,
        DbBackend::MySql => {
            let sql = "SELECT constraint_name AS name, GROUP_CONCAT(column_name ORDER BY ordinal_position) AS cols \
                       FROM information_schema.key_column_usage \
                       WHERE table_schema = DATABASE() AND table_name = ? \
                       AND referenced_table_name IS NOT NULL GROUP BY constraint_name";
            let name = expect_by_columns(manager, sql, &table, columns).await?;
            execute(
                manager,
                format!("ALTER TABLE `{table}` DROP FOREIGN KEY `{name}`"),
            )
            .await
        }
        _ => {
            // PostgreSQL
            let name =
                expect_by_columns(manager, &postgres_constraints('f'), &table, columns).await?;
            execute(
                manager,
                format!(r#"ALTER TABLE "{table}" DROP CONSTRAINT "{name}""#),
            )
            .await
        }
    }
}

/// PostgreSQL's constraints of one kind (`u` unique, `f` foreign key) on a table, as
/// `name, cols`.
fn postgres_constraints(kind: char) -> String {
    format!(
        "SELECT c.conname::text AS name, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         WHERE c.contype = '{kind}' AND t.relname = $1 AND pg_table_is_visible(t.oid)"
    )
}

const POSTGRES_UNIQUE_INDEXES: &str = "SELECT i.relname::text AS name, \
     (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) AS cols \
     FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
     WHERE x.indisunique AND NOT x.indisprimary AND x.indexprs IS NULL \
     AND t.relname = $1 AND pg_table_is_visible(t.oid)";

/// SQLite's unique indexes (not inline constraints) on a table, as `name, cols`.
const SQLITE_UNIQUE_INDEXES: &str = "SELECT il.name AS name, \
     (SELECT group_concat(ii.name, ',') FROM pragma_index_info(il.name) ii) AS cols \
     FROM pragma_index_list(?) il WHERE il.\"unique\" = 1 AND il.origin = 'c'";

/// The name of the constraint or index whose columns, listed by `sql` as `name, cols`
/// for the table bound to its one parameter, are exactly `columns`.
async fn find_by_columns(
    manager: &SchemaManager<'_>,
    sql: &str,
    table: &str,
    columns: &[&str],
) -> Result<Option<String>, DbErr> {
    let backend = manager.get_database_backend();
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await?;
    let wanted = columns.join(",");
    for row in rows {
        let cols: Option<String> = row.try_get("", "cols")?;
        if cols.as_deref() == Some(wanted.as_str()) {
            return Ok(Some(row.try_get("", "name")?));
        }
    }
    Ok(None)
}

/// [`find_by_columns`], for a constraint that must be there.
async fn expect_by_columns(
    manager: &SchemaManager<'_>,
    sql: &str,
    table: &str,
    columns: &[&str],
) -> Result<String, DbErr> {
    find_by_columns(manager, sql, table, columns)
        .await?
        .ok_or_else(|| {
            DbErr::Migration(format!(
                "table `{table}` has no constraint on ({})",
                columns.join(",")
            ))
        })
}

async fn execute(manager: &SchemaManager<'_>, sql: String) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// A column's definition as SQLite writes it inside `CREATE TABLE (…)`.
fn column_sql(column: &ColumnDef) -> String {
    let sql = Table::create()
        .table(Alias::new("t"))
        .col(column.clone())
        .to_string(SqliteQueryBuilder);
    let start = sql.find('(').map_or(0, |i| i + 1);
    sql[start..sql.len() - 1].trim().to_string()
}

/// Rebuilds a SQLite table with its `CREATE TABLE` edited by `edit`, keeping its rows,
/// indexes and triggers. Foreign keys are off during the swap (so dropping the old table
/// neither cascades nor fails) and checked before committing.
pub async fn rebuild(
    manager: &SchemaManager<'_>,
    table: &str,
    edit: impl FnOnce(&mut CreateTable) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let SchemaManagerConnection::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(format!(
            "SQLite rebuilds table `{table}` to change it, which it cannot do inside a transaction; \
             leave this migration's use_transaction at its default"
        )));
    };
    // Read through sea-orm first: the table must exist, and `sqlmigrate`'s recording
    // connection shows this read and stops here (what follows depends on the answer).
    let exists = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            [table.into()],
        ))
        .await?;
    if exists.is_none() {
        return Err(DbErr::Migration(format!("there is no table `{table}`")));
    }
    let pool = db.get_sqlite_connection_pool();
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| DbErr::Migration(e.to_string()))?;
    let result = sqlite_table::rebuild_on(&mut conn, table, edit).await;
    // Whatever happened, the pooled connection goes back with foreign keys on.
    let restored = sea_orm::sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await;
    result?;
    restored.map_err(|e| DbErr::Migration(e.to_string()))?;
    Ok(())
}
