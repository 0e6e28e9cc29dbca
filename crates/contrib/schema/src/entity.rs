//! An app's entities as makemigrations sees them (Django's app registry of models).

use std::fmt;

use sea_orm::sea_query::{IndexCreateStatement, TableCreateStatement, TableRef};
use sea_orm::{DbBackend, EntityTrait, Schema};

use super::spec::{
    Action, ColumnSpec, DefaultValue, ForeignKeySpec, IndexSpec, Kind, TableSpec, UniqueSpec,
};

/// One of an app's sea-orm entities, registered through [`crate::InstallSchema::entities`]:
/// `EntitySchema::of::<product::Entity>()`.
#[derive(Clone)]
pub struct EntitySchema {
    /// The entity's module path, to name it in messages (`catalog::models::product`).
    pub name: String,
    table: fn(&Schema) -> TableCreateStatement,
    indexes: fn(&Schema) -> Vec<IndexCreateStatement>,
    /// Indexes sea-orm's attributes cannot declare (Django's `Meta.indexes`).
    declared_indexes: Vec<IndexSpec>,
}

impl fmt::Debug for EntitySchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntitySchema")
            .field("name", &self.name)
            .finish()
    }
}

fn table_of<E: EntityTrait + Default>(schema: &Schema) -> TableCreateStatement {
    schema.create_table_from_entity(E::default())
}

fn indexes_of<E: EntityTrait + Default>(schema: &Schema) -> Vec<IndexCreateStatement> {
    schema.create_index_from_entity(E::default())
}

/// Something an entity declares that makemigrations cannot write as a migration.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The entity (or app) concerned.
    pub subject: String,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field `{field}`: {}", self.subject, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

impl EntitySchema {
    pub fn of<E: EntityTrait + Default>() -> EntitySchema {
        let path = std::any::type_name::<E>();
        EntitySchema {
            name: path.strip_suffix("::Entity").unwrap_or(path).to_string(),
            table: table_of::<E>,
            indexes: indexes_of::<E>,
            declared_indexes: Vec::new(),
        }
    }

    /// Also an index on several columns or in descending order, like Django's
    /// `Meta.indexes`; `-` before a column sorts it descending:
    /// `.index("posts_newest", &["-created_at", "-id"])`.
    pub fn index(mut self, name: &str, columns: &[&str]) -> EntitySchema {
        self.declared_indexes.push(IndexSpec {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
        });
        self
    }

    /// The table the entity describes, or what in it cannot be written as a migration.
    pub fn spec(&self) -> Result<TableSpec, Vec<Problem>> {
        // PostgreSQL's builder keeps every type as declared (SQLite's folds some).
        let schema = Schema::new(DbBackend::Postgres);
        let table = (self.table)(&schema);
        let name = table
            .get_table_name()
            .map(table_ref_name)
            .unwrap_or_default();
        let mut problems = Vec::new();
        let problem = |field: Option<&str>, message: String| Problem {
            subject: self.name.clone(),
            field: field.map(str::to_string),
            message,
        };
        if table.get_indexes().iter().any(|i| i.is_primary_key()) {
            problems.push(problem(
                None,
                "a primary key of several columns is not supported; write this table's migration by hand".into(),
            ));
        }
        let mut columns = Vec::new();
        let mut uniques = Vec::new();
        for def in table.get_columns() {
            let field = def.get_column_name();
            let spec = def.get_column_spec();
            let Some(kind) = def.get_column_type().and_then(Kind::from_column_type) else {
                problems.push(problem(
                    Some(&field),
                    format!(
                        "its column type {:?} cannot be written by makemigrations; write this change by hand",
                        def.get_column_type()
                    ),
                ));
                continue;
            };
            let default = match &spec.default {
                None => None,
                Some(expr) => match DefaultValue::from_expr(expr) {
                    Some(value) => Some(value),
                    None => {
                        problems.push(problem(
                            Some(&field),
                            "its default is an expression; only literal defaults (numbers, text, true/false) can be written".into(),
                        ));
                        None
                    }
                },
            };
            let id = spec.primary_key && spec.auto_increment;
            if id && !matches!(kind, Kind::Integer | Kind::BigInteger) {
                problems.push(problem(
                    Some(&field),
                    "an auto-incrementing primary key must be an integer".into(),
                ));
            }
            if spec.unique {
                uniques.push(UniqueSpec {
                    name: Some(format!("{name}_{field}_key")),
                    columns: vec![field.clone()],
                });
            }
            columns.push(ColumnSpec {
                name: field,
                kind: if id { Kind::Id } else { kind },
                nullable: spec.nullable != Some(false) && !spec.primary_key,
                default: if id { None } else { default },
                primary_key: spec.primary_key && !id,
            });
        }
        let mut indexes = Vec::new();
        for index in (self.indexes)(&schema) {
            let columns = index.get_index_spec().get_column_names();
            if index.is_unique_key() {
                uniques.push(UniqueSpec {
                    name: Some(format!("{name}_{}_key", columns.join("_"))),
                    columns,
                });
            } else if let [column] = columns.as_slice() {
                indexes.push(IndexSpec {
                    name: format!("{name}_{column}"),
                    columns,
                });
            }
        }
        for index in &self.declared_indexes {
            for (column, _) in index.ordered() {
                if !columns.iter().any(|c| c.name == column) {
                    problems.push(problem(
                        Some(column),
                        format!(
                            "index `{}` names a column the entity does not have",
                            index.name
                        ),
                    ));
                }
            }
            indexes.push(index.clone());
        }
        let mut foreign_keys: Vec<ForeignKeySpec> = table
            .get_foreign_key_create_stmts()
            .iter()
            .map(|stmt| {
                let fk = stmt.get_foreign_key();
                ForeignKeySpec {
                    columns: fk.get_columns(),
                    ref_table: fk.get_ref_table().map(table_ref_name).unwrap_or_default(),
                    ref_columns: fk.get_ref_columns(),
                    on_delete: Action::from_sea(fk.get_on_delete()),
                    on_update: Action::from_sea(fk.get_on_update()),
                }
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
        uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        indexes.sort_by(|a, b| a.columns.cmp(&b.columns));
        Ok(TableSpec {
            name,
            columns,
            uniques,
            indexes,
            foreign_keys,
        })
    }

    /// The table's name.
    pub fn table_name(&self) -> String {
        let table = (self.table)(&Schema::new(DbBackend::Postgres));
        table
            .get_table_name()
            .map(table_ref_name)
            .unwrap_or_default()
    }
}

pub(crate) fn table_ref_name(table: &TableRef) -> String {
    match table {
        TableRef::Table(name, _) => name.1.to_string(),
        other => format!("{other:?}"),
    }
}
