//! The autodetector (Django's `MigrationAutodetector`): compares, per app, the schema its
//! entities describe with the schema its migrations produce and lists the operations
//! that bring the second in line with the first.
//!
//! Renames are never guessed: a dropped and an added column stay a drop and an add
//! unless `--rename-column` names them or the person at the terminal confirms it.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::DbErr;
use sea_orm_migration::SchemaManager;

use super::entity::Problem;
use super::operations::Operation;
use super::spec::{ColumnSpec, TableSpec};
use super::state::{self, InstalledApp};

/// A column rename asked for on the command line: `APP.TABLE.OLD:NEW`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub app: String,
    pub table: String,
    pub from: String,
    pub to: String,
}

impl std::str::FromStr for Rename {
    type Err = String;

    fn from_str(text: &str) -> Result<Rename, String> {
        let bad = || format!("`{text}` is not APP.TABLE.OLD:NEW (e.g. blog.posts.body:content)");
        let (path, to) = text.split_once(':').ok_or_else(bad)?;
        let mut parts = path.split('.');
        let (Some(app), Some(table), Some(from), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if [app, table, from, to].iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        Ok(Rename {
            app: app.into(),
            table: table.into(),
            from: from.into(),
            to: to.into(),
        })
    }
}

/// Asks whether a column was renamed (a terminal prompt); `None` never asks.
pub type Ask<'a> = Option<&'a mut (dyn FnMut(&str) -> bool + Send)>;

/// The operations one app needs.
#[derive(Debug)]
pub struct AppChanges {
    pub app: &'static str,
    pub operations: Vec<Operation>,
}

/// What the autodetector found: changes per app (apps without changes are left out) and
/// what it cannot write. With problems, nothing should be written.
#[derive(Debug, Default)]
pub struct Detected {
    pub changes: Vec<AppChanges>,
    pub problems: Vec<Problem>,
}

/// The operations in the order `up` runs them: what goes away first, then what comes.
#[derive(Default)]
struct Phases {
    drop_foreign_keys: Vec<Operation>,
    drop_indexes: Vec<Operation>,
    renames: Vec<Operation>,
    drop_columns: Vec<Operation>,
    drop_tables: Vec<Operation>,
    create_tables: Vec<Operation>,
    add_columns: Vec<Operation>,
    alter_columns: Vec<Operation>,
    add_indexes: Vec<Operation>,
    add_foreign_keys: Vec<Operation>,
}

impl Phases {
    fn into_operations(self) -> Vec<Operation> {
        [
            self.drop_foreign_keys,
            self.drop_indexes,
            self.renames,
            self.drop_columns,
            self.drop_tables,
            self.create_tables,
            self.add_columns,
            self.alter_columns,
            self.add_indexes,
            self.add_foreign_keys,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Compares the apps named in `only` (all when empty); `apps` is every installed app, in
/// order. `renames` must each match a dropped and an added column.
pub async fn detect(
    apps: &[InstalledApp],
    only: &[String],
    renames: &[Rename],
    mut ask: Ask<'_>,
) -> Result<Detected, DbErr> {
    let mut detected = Detected::default();
    for label in only {
        if !apps.iter().any(|a| a.label == label) {
            detected.problems.push(Problem {
                subject: format!("app `{label}`"),
                field: None,
                message: format!(
                    "is not installed (installed: {})",
                    apps.iter().map(|a| a.label).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    // The entities' tables, exactly as declared, and which app and entity declares each.
    let mut declared: BTreeMap<String, (&'static str, String, TableSpec)> = BTreeMap::new();
    for app in apps {
        for entity in &app.entities {
            match entity.spec() {
                Ok(spec) => {
                    if let Some((other, other_entity, _)) = declared.get(&spec.name) {
                        detected.problems.push(Problem {
                            subject: entity.name.clone(),
                            field: None,
                            message: format!(
                                "table `{}` is already declared by {other_entity} (app `{other}`)",
                                spec.name
                            ),
                        });
                        continue;
                    }
                    declared.insert(spec.name.clone(), (app.label, entity.name.clone(), spec));
                }
                Err(problems) => detected.problems.extend(problems),
            }
        }
    }
    let migrated = state::migrated(apps).await?;
    let specs: Vec<TableSpec> = declared.values().map(|(_, _, s)| s.clone()).collect();
    let described = state::described(&specs).await?;
    let position = |label: &str| apps.iter().position(|a| a.label == label);

    for renamed in renames {
        if !apps.iter().any(|a| a.label == renamed.app) {
            detected.problems.push(Problem {
                subject: format!("--rename-column {}.{}", renamed.app, renamed.table),
                field: Some(renamed.from.clone()),
                message: format!("no installed app is called `{}`", renamed.app),
            });
        }
    }

    for (index, app) in apps.iter().enumerate() {
        if !only.is_empty() && !only.iter().any(|l| l == app.label) {
            continue;
        }
        let mut phases = Phases::default();
        let problems_before = detected.problems.len();
        let mine: BTreeSet<&String> = declared
            .iter()
            .filter(|(_, (label, _, _))| *label == app.label)
            .map(|(name, _)| name)
            .collect();
        // Cross-app references need the referenced app installed (and migrated) first.
        for name in &mine {
            let (_, entity, spec) = &declared[*name];
            if let Some(owner) = migrated.owners.get(*name).filter(|o| **o != app.label) {
                detected.problems.push(Problem {
                    subject: entity.clone(),
                    field: None,
                    message: format!(
                        "table `{name}` is created by app `{owner}`'s migrations; an app's entities may only describe its own tables"
                    ),
                });
            }
            for fk in &spec.foreign_keys {
                let target = declared
                    .get(&fk.ref_table)
                    .map(|(label, _, _)| *label)
                    .or_else(|| migrated.owners.get(&fk.ref_table).copied());
                match target.map(|t| (t, position(t))) {
                    None => detected.problems.push(Problem {
                        subject: entity.clone(),
                        field: Some(fk.columns.join(", ")),
                        message: format!(
                            "refers to table `{}`, which no installed app has",
                            fk.ref_table
                        ),
                    }),
                    Some((target, Some(at))) if at > index => detected.problems.push(Problem {
                        subject: entity.clone(),
                        field: Some(fk.columns.join(", ")),
                        message: format!(
                            "refers to table `{}` of app `{target}`, which is installed after `{}`; list `{target}` before `{}` in the installed apps",
                            fk.ref_table, app.label, app.label
                        ),
                    }),
                    _ => {}
                }
            }
        }

        let theirs: BTreeSet<&String> = migrated
            .owners
            .iter()
            .filter(|(table, owner)| {
                **owner == app.label && !app.unmanaged_tables.contains(&table.as_str())
            })
            .map(|(table, _)| table)
            .collect();
        let mut created = Vec::new();
        for name in mine.difference(&theirs) {
            if migrated.owners.contains_key(*name) {
                continue; // another app's table: reported above
            }
            created.push(declared[*name].2.clone());
        }
        for spec in order_by_references(created) {
            phases.create_tables.push(Operation::CreateTable(spec));
        }
        let mut dropped: Vec<TableSpec> = theirs
            .difference(&mine)
            .map(|name| migrated.tables[*name].clone())
            .collect();
        dropped = order_by_references(dropped);
        dropped.reverse();
        for spec in dropped {
            phases.drop_tables.push(Operation::DropTable(spec));
        }
        for name in mine.intersection(&theirs) {
            let (_, entity, exact) = &declared[*name];
            compare_table(
                Compared {
                    app: app.label,
                    entity,
                    have: &migrated.tables[*name],
                    want: &described[*name],
                    exact,
                },
                renames,
                &mut ask,
                &mut phases,
                &mut detected.problems,
            );
        }
        let operations = phases.into_operations();
        if operations.is_empty() {
            continue;
        }
        // The operations must bring the migrations' schema to the entities': run them on
        // the scratch database and read it back (unless problems already stop the write).
        if detected.problems.len() == problems_before {
            let manager = SchemaManager::new(&migrated.db);
            for op in &operations {
                op.apply(&manager).await.map_err(|e| {
                    DbErr::Migration(format!(
                        "app `{}`: \"{}\" failed on a scratch SQLite database: {e}",
                        app.label,
                        op.describe()
                    ))
                })?;
            }
            let after = super::introspect::tables(&migrated.db).await?;
            for name in &mine {
                if let (Some(have), Some(want)) = (after.get(*name), described.get(*name)) {
                    for difference in state::differences(have, want) {
                        detected.problems.push(Problem {
                            subject: declared[*name].1.clone(),
                            field: None,
                            message: format!(
                                "makemigrations cannot express this change ({difference}); write the migration by hand"
                            ),
                        });
                    }
                }
            }
        }
        detected.changes.push(AppChanges {
            app: app.label,
            operations,
        });
    }
    Ok(detected)
}

/// One table present on both sides.
struct Compared<'a> {
    app: &'static str,
    entity: &'a str,
    /// As the migrations leave it.
    have: &'a TableSpec,
    /// As the entity's migration would create it, read back the same way.
    want: &'a TableSpec,
    /// As the entity declares it (exact types, for the code written).
    exact: &'a TableSpec,
}

fn compare_table(
    t: Compared<'_>,
    renames: &[Rename],
    ask: &mut Ask<'_>,
    phases: &mut Phases,
    problems: &mut Vec<Problem>,
) {
    let table = t.want.name.clone();
    let problem = |field: &str, message: String| Problem {
        subject: t.entity.to_string(),
        field: Some(field.to_string()),
        message,
    };
    let mut removed: Vec<&ColumnSpec> = t
        .have
        .columns
        .iter()
        .filter(|c| t.want.column(&c.name).is_none())
        .collect();
    let mut added: Vec<&ColumnSpec> = t
        .want
        .columns
        .iter()
        .filter(|c| t.have.column(&c.name).is_none())
        .collect();

    // Renames: old name → new name.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for r in renames
        .iter()
        .filter(|r| r.app == t.app && r.table == table)
    {
        let from = removed.iter().position(|c| c.name == r.from);
        let to = added.iter().position(|c| c.name == r.to);
        match (from, to) {
            (Some(_), Some(_)) => {
                renamed.insert(r.from.clone(), r.to.clone());
            }
            _ => problems.push(problem(
                &r.to,
                format!(
                    "--rename-column {}.{}.{}:{} needs a column `{}` that only the migrations have and a field `{}` that only the entity has",
                    r.app, r.table, r.from, r.to, r.from, r.to
                ),
            )),
        }
    }
    if let Some(ask) = ask.as_mut() {
        for old in &removed {
            if renamed.contains_key(&old.name) {
                continue;
            }
            for new in &added {
                if renamed.values().any(|v| *v == new.name) || old.kind != new.kind {
                    continue;
                }
                if ask(&format!(
                    "Was {table}.{} renamed to {table}.{} (a {} column)? [y/N] ",
                    old.name, new.name, new.kind
                )) {
                    renamed.insert(old.name.clone(), new.name.clone());
                    break;
                }
            }
        }
    }
    removed.retain(|c| !renamed.contains_key(&c.name));
    added.retain(|c| !renamed.values().any(|v| *v == c.name));
    let current_name = |old: &str| renamed.get(old).cloned().unwrap_or_else(|| old.to_string());

    for (from, to) in &renamed {
        phases.renames.push(Operation::RenameColumn {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    for column in &removed {
        if column.primary_key || column.kind == super::spec::Kind::Id {
            problems.push(problem(
                &column.name,
                "dropping a primary key column is not supported; write this change by hand".into(),
            ));
            continue;
        }
        phases.drop_columns.push(Operation::DropColumn {
            table: table.clone(),
            column: (*column).clone(),
        });
    }
    for column in &added {
        let exact = t.exact.column(&column.name).unwrap_or(column);
        if column.primary_key || column.kind == super::spec::Kind::Id {
            problems.push(problem(
                &column.name,
                "adding a primary key column to an existing table is not supported; write this change by hand".into(),
            ));
        } else if !column.nullable && column.default.is_none() {
            problems.push(problem(
                &column.name,
                "a new NOT NULL column needs a value for the rows already there: make the field an Option<…> or give it #[sea_orm(default_value = …)]".into(),
            ));
        } else {
            phases.add_columns.push(Operation::AddColumn {
                table: table.clone(),
                column: exact.clone(),
            });
        }
    }
    for old in &t.have.columns {
        let name = current_name(&old.name);
        let Some(new) = t.want.column(&name) else {
            continue;
        };
        let mut old = old.clone();
        old.name = name.clone();
        if old == *new {
            continue;
        }
        if old.primary_key != new.primary_key
            || (old.kind == super::spec::Kind::Id) != (new.kind == super::spec::Kind::Id)
        {
            problems.push(problem(
                &name,
                "changing the primary key is not supported; write this change by hand".into(),
            ));
            continue;
        }
        phases.alter_columns.push(Operation::AlterColumn {
            table: table.clone(),
            from: old,
            to: t.exact.column(&name).unwrap_or(new).clone(),
        });
    }

    // Constraints and indexes, by their columns (renamed columns under their new names;
    // an index's descending column keeps its `-`).
    let rename_all = |cols: &[String]| {
        cols.iter()
            .map(|c| match c.strip_prefix('-') {
                Some(c) => format!("-{}", current_name(c)),
                None => current_name(c),
            })
            .collect::<Vec<_>>()
    };
    for unique in &t.have.uniques {
        let columns = rename_all(&unique.columns);
        if !t.want.uniques.iter().any(|u| u.columns == columns) {
            // Drops run before the renames, so under the old names.
            phases.drop_indexes.push(Operation::DropUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
    }
    for unique in &t.want.uniques {
        if !t
            .have
            .uniques
            .iter()
            .any(|u| rename_all(&u.columns) == unique.columns)
        {
            let exact = t.exact.uniques.iter().find(|u| u.columns == unique.columns);
            phases.add_indexes.push(Operation::AddUnique {
                table: table.clone(),
                unique: exact.unwrap_or(unique).clone(),
            });
        }
    }
    for index in t.have.managed_indexes(t.want) {
        let columns = rename_all(&index.columns);
        if !t.want.indexes.iter().any(|i| i.columns == columns) {
            phases.drop_indexes.push(Operation::DropIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for index in &t.want.indexes {
        if !t
            .have
            .managed_indexes(t.want)
            .any(|i| rename_all(&i.columns) == index.columns)
        {
            let exact = t.exact.indexes.iter().find(|i| i.columns == index.columns);
            phases.add_indexes.push(Operation::AddIndex {
                table: table.clone(),
                index: exact.unwrap_or(index).clone(),
            });
        }
    }
    for fk in &t.have.foreign_keys {
        let mut current = fk.clone();
        current.columns = rename_all(&fk.columns);
        if !t.want.foreign_keys.contains(&current) {
            phases.drop_foreign_keys.push(Operation::DropForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for fk in &t.want.foreign_keys {
        let present = t.have.foreign_keys.iter().any(|have| {
            let mut have = have.clone();
            have.columns = rename_all(&have.columns);
            have == *fk
        });
        if !present {
            phases.add_foreign_keys.push(Operation::AddForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
}

/// Tables ordered so that each comes after the tables it refers to (among these).
fn order_by_references(mut tables: Vec<TableSpec>) -> Vec<TableSpec> {
    let mut ordered: Vec<TableSpec> = Vec::new();
    while !tables.is_empty() {
        let ready = tables.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name || !tables.iter().any(|other| other.name == fk.ref_table)
            })
        });
        // A cycle: take the rest as they are (the database reports what it cannot do).
        let at = ready.unwrap_or(0);
        ordered.push(tables.remove(at));
    }
    ordered
}
