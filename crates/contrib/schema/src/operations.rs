//! The schema changes makemigrations finds, each one runnable (tests apply them directly)
//! and writable as the Rust a migration file holds. Both come from the same data, and the
//! written code calls what [`Operation::apply`] calls.

use sea_orm::DbErr;
use sea_orm::sea_query::{Alias, ForeignKey, Index, IndexOrder, Table};
use sea_orm_migration::SchemaManager;

use super::editor;
use super::render::Idens;
use super::spec::{ColumnSpec, ForeignKeySpec, IndexSpec, TableSpec, UniqueSpec};

#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    CreateTable(TableSpec),
    /// Carries the table as it was, so `down` can create it again.
    DropTable(TableSpec),
    AddColumn {
        table: String,
        column: ColumnSpec,
    },
    DropColumn {
        table: String,
        column: ColumnSpec,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: ColumnSpec,
        to: ColumnSpec,
    },
    AddUnique {
        table: String,
        unique: UniqueSpec,
    },
    DropUnique {
        table: String,
        unique: UniqueSpec,
    },
    AddIndex {
        table: String,
        index: IndexSpec,
    },
    DropIndex {
        table: String,
        index: IndexSpec,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKeySpec,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKeySpec,
    },
}

impl Operation {
    /// The operation that undoes this one.
    pub fn inverse(&self) -> Operation {
        use Operation::*;
        match self.clone() {
            CreateTable(t) => DropTable(t),
            DropTable(t) => CreateTable(t),
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            AlterColumn { table, from, to } => AlterColumn {
                table,
                from: to,
                to: from,
            },
            AddUnique { table, unique } => DropUnique { table, unique },
            DropUnique { table, unique } => AddUnique { table, unique },
            AddIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => AddIndex { table, index },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
        }
    }

    /// One line for `--dry-run`, `--check` and the migration's doc comment.
    pub fn describe(&self) -> String {
        use Operation::*;
        match self {
            CreateTable(t) => format!("Create table {}", t.name),
            DropTable(t) => format!("Drop table {}", t.name),
            AddColumn { table, column } => {
                format!(
                    "Add column {}.{} ({})",
                    table,
                    column.name,
                    column.describe()
                )
            }
            DropColumn { table, column } => format!("Drop column {}.{}", table, column.name),
            RenameColumn { table, from, to } => format!("Rename column {table}.{from} to {to}"),
            AlterColumn { table, from, to } => format!(
                "Alter column {}.{}: {} -> {}",
                table,
                to.name,
                from.describe(),
                to.describe()
            ),
            AddUnique { table, unique } => {
                format!(
                    "Add unique constraint on {table} ({})",
                    unique.columns.join(", ")
                )
            }
            DropUnique { table, unique } => {
                format!(
                    "Drop unique constraint on {table} ({})",
                    unique.columns.join(", ")
                )
            }
            AddIndex { table, index } => {
                format!(
                    "Add index {} on {table} ({})",
                    index.name,
                    index.columns.join(", ")
                )
            }
            DropIndex { table, index } => format!("Drop index {} on {table}", index.name),
            AddForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "Add foreign key {table} ({}) -> {} ({})",
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
            DropForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "Drop foreign key {table} ({}) -> {}",
                fk.columns.join(", "),
                fk.ref_table
            ),
        }
    }

    /// A short slug for the migration's file name: `add_posts_body`.
    pub fn slug(&self) -> String {
        use Operation::*;
        match self {
            CreateTable(t) => format!("create_{}", t.name),
            DropTable(t) => format!("delete_{}", t.name),
            AddColumn { table, column } => format!("add_{table}_{}", column.name),
            DropColumn { table, column } => format!("remove_{table}_{}", column.name),
            RenameColumn { table, to, .. } => format!("rename_{table}_{to}"),
            AlterColumn { table, to, .. } => format!("alter_{table}_{}", to.name),
            AddUnique { table, unique } => format!("unique_{table}_{}", unique.columns.join("_")),
            DropUnique { table, unique } => {
                format!("remove_unique_{table}_{}", unique.columns.join("_"))
            }
            AddIndex { index, .. } => format!("index_{}", index.name),
            DropIndex { index, .. } => format!("remove_index_{}", index.name),
            AddForeignKey { table, foreign_key } => {
                format!("fk_{table}_{}", foreign_key.columns.join("_"))
            }
            DropForeignKey { table, foreign_key } => {
                format!("remove_fk_{table}_{}", foreign_key.columns.join("_"))
            }
        }
    }

    /// Runs the operation, as the migration written from it would.
    pub async fn apply(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        use Operation::*;
        let backend = manager.get_database_backend();
        match self {
            CreateTable(t) => {
                let mut create = Table::create();
                create.table(Alias::new(&t.name));
                for column in &t.columns {
                    create.col(column.def(backend));
                }
                for fk in &t.foreign_keys {
                    create.foreign_key(&mut foreign_key(&t.name, fk));
                }
                manager.create_table(create).await?;
                for unique in &t.uniques {
                    manager.create_index(unique_index(&t.name, unique)).await?;
                }
                for index in &t.indexes {
                    manager.create_index(plain_index(&t.name, index)).await?;
                }
                Ok(())
            }
            DropTable(t) => {
                manager
                    .drop_table(Table::drop().table(Alias::new(&t.name)).to_owned())
                    .await
            }
            AddColumn { table, column } => {
                editor::add_column(manager, Alias::new(table), column.def(backend)).await
            }
            DropColumn { table, column } => {
                editor::drop_column(manager, Alias::new(table), Alias::new(&column.name)).await
            }
            RenameColumn { table, from, to } => {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .rename_column(Alias::new(from), Alias::new(to))
                            .to_owned(),
                    )
                    .await
            }
            AlterColumn { table, to, .. } => {
                editor::alter_column(manager, Alias::new(table), to.def(backend)).await
            }
            AddUnique { table, unique } => manager.create_index(unique_index(table, unique)).await,
            DropUnique { table, unique } => match &unique.name {
                Some(name) => {
                    manager
                        .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                        .await
                }
                None => {
                    let columns: Vec<&str> = unique.columns.iter().map(String::as_str).collect();
                    editor::drop_unique(manager, Alias::new(table), &columns).await
                }
            },
            AddIndex { table, index } => manager.create_index(plain_index(table, index)).await,
            DropIndex { table, index } => {
                manager
                    .drop_index(
                        Index::drop()
                            .name(&index.name)
                            .table(Alias::new(table))
                            .to_owned(),
                    )
                    .await
            }
            AddForeignKey {
                table,
                foreign_key: fk,
            } => editor::add_foreign_key(manager, foreign_key(table, fk)).await,
            DropForeignKey {
                table,
                foreign_key: fk,
            } => {
                let columns: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
                editor::drop_foreign_key(manager, Alias::new(table), &columns).await
            }
        }
    }

    /// The statement(s) a migration runs for this operation, as Rust.
    pub fn rust(&self, idens: &mut Idens) -> String {
        use Operation::*;
        match self {
            CreateTable(t) => {
                let mut code = format!(
                    "manager.create_table(Table::create().table({})",
                    idens.table(&t.name)
                );
                for column in &t.columns {
                    let iden = idens.column(&t.name, &column.name);
                    code.push_str(&format!(".col({})", column.rust(&iden)));
                }
                for fk in &t.foreign_keys {
                    code.push_str(&format!(
                        ".foreign_key({})",
                        foreign_key_rust(idens, &t.name, fk)
                    ));
                }
                code.push_str(".to_owned()).await?;\n");
                for unique in &t.uniques {
                    code.push_str(&unique_index_rust(idens, &t.name, unique));
                }
                for index in &t.indexes {
                    code.push_str(&plain_index_rust(idens, &t.name, index));
                }
                code
            }
            DropTable(t) => format!(
                "manager.drop_table(Table::drop().table({}).to_owned()).await?;\n",
                idens.table(&t.name)
            ),
            AddColumn { table, column } => {
                let iden = idens.column(table, &column.name);
                format!(
                    "editor::add_column(manager, {}, {}).await?;\n",
                    idens.table(table),
                    column.rust(&iden)
                )
            }
            DropColumn { table, column } => format!(
                "editor::drop_column(manager, {}, {}).await?;\n",
                idens.table(table),
                idens.column(table, &column.name)
            ),
            RenameColumn { table, from, to } => format!(
                "manager.alter_table(Table::alter().table({}).rename_column({}, {}).to_owned()).await?;\n",
                idens.table(table),
                idens.column(table, from),
                idens.column(table, to)
            ),
            AlterColumn { table, to, .. } => {
                let iden = idens.column(table, &to.name);
                format!(
                    "editor::alter_column(manager, {}, {}).await?;\n",
                    idens.table(table),
                    to.rust(&iden)
                )
            }
            AddUnique { table, unique } => unique_index_rust(idens, table, unique),
            DropUnique { table, unique } => match &unique.name {
                Some(name) => format!(
                    "manager.drop_index(Index::drop().name({name:?}).table({}).to_owned()).await?;\n",
                    idens.table(table)
                ),
                None => format!(
                    "editor::drop_unique(manager, {}, &[{}]).await?;\n",
                    idens.table(table),
                    quoted_list(&unique.columns)
                ),
            },
            AddIndex { table, index } => plain_index_rust(idens, table, index),
            DropIndex { table, index } => format!(
                "manager.drop_index(Index::drop().name({:?}).table({}).to_owned()).await?;\n",
                index.name,
                idens.table(table)
            ),
            AddForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "editor::add_foreign_key(manager, {}.to_owned()).await?;\n",
                foreign_key_rust(idens, table, fk)
            ),
            DropForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "editor::drop_foreign_key(manager, {}, &[{}]).await?;\n",
                idens.table(table),
                quoted_list(&fk.columns)
            ),
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn foreign_key(table: &str, fk: &ForeignKeySpec) -> sea_orm::sea_query::ForeignKeyCreateStatement {
    let mut create = ForeignKey::create();
    create.name(fk.name(table));
    for (from, to) in fk.columns.iter().zip(&fk.ref_columns) {
        create.from(Alias::new(table), Alias::new(from));
        create.to(Alias::new(&fk.ref_table), Alias::new(to));
    }
    if let Some(action) = fk.on_delete.to_sea() {
        create.on_delete(action);
    }
    if let Some(action) = fk.on_update.to_sea() {
        create.on_update(action);
    }
    create
}

fn foreign_key_rust(idens: &mut Idens, table: &str, fk: &ForeignKeySpec) -> String {
    let mut code = format!("ForeignKey::create().name({:?})", fk.name(table));
    for (from, to) in fk.columns.iter().zip(&fk.ref_columns) {
        code.push_str(&format!(
            ".from({}, {}).to({}, {})",
            idens.table(table),
            idens.column(table, from),
            idens.table(&fk.ref_table),
            idens.column(&fk.ref_table, to)
        ));
    }
    if let Some(action) = fk.on_delete.rust() {
        code.push_str(&format!(".on_delete(ForeignKeyAction::{action})"));
    }
    if let Some(action) = fk.on_update.rust() {
        code.push_str(&format!(".on_update(ForeignKeyAction::{action})"));
    }
    code
}

fn unique_name(table: &str, unique: &UniqueSpec) -> String {
    unique
        .name
        .clone()
        .unwrap_or_else(|| format!("{table}_{}_key", unique.columns.join("_")))
}

fn unique_index(table: &str, unique: &UniqueSpec) -> sea_orm::sea_query::IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(unique_name(table, unique))
        .table(Alias::new(table))
        .unique();
    for column in &unique.columns {
        index.col(Alias::new(column));
    }
    index
}

fn unique_index_rust(idens: &mut Idens, table: &str, unique: &UniqueSpec) -> String {
    let mut code = format!(
        "manager.create_index(Index::create().name({:?}).table({})",
        unique_name(table, unique),
        idens.table(table)
    );
    for column in &unique.columns {
        code.push_str(&format!(".col({})", idens.column(table, column)));
    }
    code.push_str(".unique().to_owned()).await?;\n");
    code
}

fn plain_index(table: &str, index: &IndexSpec) -> sea_orm::sea_query::IndexCreateStatement {
    let mut create = Index::create();
    create.name(&index.name).table(Alias::new(table));
    for (column, descending) in index.ordered() {
        if descending {
            create.col((Alias::new(column), IndexOrder::Desc));
        } else {
            create.col(Alias::new(column));
        }
    }
    create
}

fn plain_index_rust(idens: &mut Idens, table: &str, index: &IndexSpec) -> String {
    let mut code = format!(
        "manager.create_index(Index::create().name({:?}).table({})",
        index.name,
        idens.table(table)
    );
    for (column, descending) in index.ordered() {
        let iden = idens.column(table, column);
        if descending {
            code.push_str(&format!(".col(({iden}, IndexOrder::Desc))"));
        } else {
            code.push_str(&format!(".col({iden})"));
        }
    }
    code.push_str(".to_owned()).await?;\n");
    code
}
