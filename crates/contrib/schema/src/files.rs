//! Where a new migration goes: `migration/src/<app>/m<YYYYMMDD>_<serial>_<name>.rs`, or
//! the app's own folder when it carries its migrations ([`crate::MigrationsFolder`]),
//! registered in the group's `mod.rs`, named and numbered like the files beside it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::operations::Operation;
use super::render;

/// The migration crate's sources, from the project's root.
pub const MIGRATION_SRC: &str = "migration/src";

/// A migration file about to be written.
#[derive(Debug, Clone)]
pub struct NewMigration {
    pub app: String,
    /// The file's stem, which is also the migration's name.
    pub name: String,
    pub path: PathBuf,
    pub contents: String,
}

/// The migration files' stems of every group, by group: the project's groups and the
/// folders of the apps that carry their own (`owned`: app, folder).
fn existing(root: &Path, owned: &[(String, PathBuf)]) -> anyhow::Result<Vec<(String, String)>> {
    let src = root.join(MIGRATION_SRC);
    let mut groups = owned.to_vec();
    for group in
        std::fs::read_dir(&src).with_context(|| format!("cannot read {}", src.display()))?
    {
        let group = group?;
        if group.file_type()?.is_dir() {
            groups.push((
                group.file_name().to_string_lossy().to_string(),
                group.path(),
            ));
        }
    }
    let mut stems = Vec::new();
    for (app, dir) in groups {
        let files =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for file in files {
            let name = file?.file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".rs").filter(|s| serial(s).is_some()) {
                stems.push((app.clone(), stem.to_string()));
            }
        }
    }
    Ok(stems)
}

/// The serial of `m20261125_000201_create_products`: 201.
fn serial(stem: &str) -> Option<u32> {
    let mut parts = stem.splitn(3, '_');
    let date = parts.next()?;
    let serial = parts.next()?;
    (date.len() == 9 && date.starts_with('m') && serial.len() == 6)
        .then(|| serial.parse().ok())
        .flatten()
}

/// Checks that `root` is the project's root, with a migration group for `app` (in the
/// app's own folder, when it is among `owned`).
pub fn group_dir(root: &Path, app: &str, owned: &[(String, PathBuf)]) -> anyhow::Result<PathBuf> {
    if !root.join(MIGRATION_SRC).join("lib.rs").is_file() {
        bail!(
            "there is no {MIGRATION_SRC}/lib.rs here; run makemigrations from the project's root"
        );
    }
    if let Some((_, dir)) = owned.iter().find(|(owner, _)| owner == app) {
        if !dir.join("mod.rs").is_file() {
            bail!(
                "app `{app}` keeps its migrations in {}, which has no mod.rs",
                dir.display()
            );
        }
        return Ok(dir.clone());
    }
    let dir = root.join(MIGRATION_SRC).join(app);
    if !dir.join("mod.rs").is_file() {
        bail!(
            "app `{app}` has no migration group: create {MIGRATION_SRC}/{app}/mod.rs and add it to {MIGRATION_SRC}/lib.rs (`cargo xtask startapp` does both)"
        );
    }
    Ok(dir)
}

/// Plans the file for `operations` of `app`: its name (`--name`, else `initial` for an
/// app's first migration, else from what it does, like Django's) and contents.
pub fn plan(
    root: &Path,
    app: &str,
    owned: &[(String, PathBuf)],
    operations: &[Operation],
    name: Option<&str>,
    today: time::Date,
) -> anyhow::Result<NewMigration> {
    let dir = group_dir(root, app, owned)?;
    let stems = existing(root, owned)?;
    let mine: Vec<u32> = stems
        .iter()
        .filter(|(group, _)| group == app)
        .filter_map(|(_, stem)| serial(stem))
        .collect();
    let next = match mine.iter().max() {
        Some(last) => last + 1,
        // A new app takes the next free hundred, as the groups so far do.
        None => {
            let highest = stems
                .iter()
                .filter_map(|(_, s)| serial(s))
                .max()
                .unwrap_or(0);
            (highest / 100 + 1) * 100 + 1
        }
    };
    let label = match name {
        Some(name) => {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                bail!("--name must be lowercase letters, digits and underscores, like `add_body`");
            }
            name.to_string()
        }
        None if mine.is_empty() => "initial".to_string(),
        None => {
            let mut slug = operations.first().map(Operation::slug).unwrap_or_default();
            slug.truncate(48);
            if operations.len() > 1 {
                slug.push_str("_and_more");
            }
            slug
        }
    };
    let stem = format!(
        "m{:04}{:02}{:02}_{next:06}_{label}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    if stems.iter().any(|(_, s)| *s == stem) {
        bail!("a migration named {stem} already exists; choose another --name");
    }
    let heading = format!(
        "Written by `project makemigrations` for the `{app}` app on {today}; review it, then `project migrate`."
    );
    Ok(NewMigration {
        app: app.to_string(),
        path: dir.join(format!("{stem}.rs")),
        contents: render::migration_file(operations, &heading),
        name: stem,
    })
}

/// Writes the file and registers it in the group's `mod.rs`.
pub fn write(migration: &NewMigration) -> anyhow::Result<()> {
    let mod_rs = migration
        .path
        .parent()
        .map(|d| d.join("mod.rs"))
        .context("the migration has no folder")?;
    let source = std::fs::read_to_string(&mod_rs)
        .with_context(|| format!("cannot read {}", mod_rs.display()))?;
    let registered = register(&source, &migration.name)
        .with_context(|| format!("cannot register the migration in {}", mod_rs.display()))?;
    std::fs::write(&migration.path, &migration.contents)
        .with_context(|| format!("cannot write {}", migration.path.display()))?;
    std::fs::write(&mod_rs, registered)
        .with_context(|| format!("cannot write {}", mod_rs.display()))?;
    Ok(())
}

/// `mod.rs` with `mod <name>;` after the other migration modules and
/// `Box::new(<name>::Migration)` last in `migrations()`'s list.
pub fn register(source: &str, name: &str) -> anyhow::Result<String> {
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    let is_module = |line: &str| {
        let line = line.trim_start();
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        line.starts_with("mod m") && line.ends_with(';')
    };
    let at = match lines.iter().rposition(|l| is_module(l)) {
        Some(i) => i + 1,
        None => {
            let after_use = lines
                .iter()
                .rposition(|l| l.starts_with("use "))
                .context("no `use` line to put the module after")?;
            lines.insert(after_use + 1, String::new());
            after_use + 2
        }
    };
    lines.insert(at, format!("mod {name};"));
    let mut text = lines.join("\n");
    text.push('\n');
    let start = text
        .find("vec![")
        .context("no `vec![` list of migrations")?
        + "vec![".len();
    let end = start
        + text[start..]
            .find(']')
            .context("the list of migrations is not closed")?;
    let body = text[start..end].trim_end();
    let entry = format!("Box::new({name}::Migration)");
    let new_body = if body.trim().is_empty() {
        entry
    } else if body.ends_with(',') {
        format!("{body}\n{entry},\n")
    } else {
        format!("{body},\n{entry},\n")
    };
    text.replace_range(start..end, &new_body);
    Ok(render::format(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_after_the_last_module_and_entry() {
        let source = "//! Tables.\n\nuse sea_orm_migration::MigrationTrait;\n\npub(crate) mod m20261125_000201_a;\nmod m20261125_000202_b;\n\npub fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n    vec![\n        Box::new(m20261125_000201_a::Migration),\n        Box::new(m20261125_000202_b::Migration),\n    ]\n}\n";
        let out = register(source, "m20261201_000203_c").unwrap();
        assert!(
            out.contains("mod m20261125_000202_b;\nmod m20261201_000203_c;\n"),
            "{out}"
        );
        assert!(out.contains("Box::new(m20261125_000202_b::Migration),\n        Box::new(m20261201_000203_c::Migration),\n    ]"), "{out}");
    }

    #[test]
    fn registers_in_an_empty_group() {
        let source = "//! The `blog` app's tables (none yet).\n\nuse sea_orm_migration::MigrationTrait;\n\npub fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n    vec![]\n}\n";
        let out = register(source, "m20261201_000501_initial").unwrap();
        assert!(
            out.contains(
                "use sea_orm_migration::MigrationTrait;\n\nmod m20261201_000501_initial;\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("vec![Box::new(m20261201_000501_initial::Migration)]"),
            "{out}"
        );
    }

    #[test]
    fn an_app_that_carries_its_migrations_gets_its_next_one_in_its_own_folder() {
        let root = tempfile::tempdir().unwrap();
        let project_group = root.path().join(MIGRATION_SRC).join("catalog");
        let own = root.path().join("crates/accounts/src/migrations");
        for dir in [&project_group, &own] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("mod.rs"), "").unwrap();
        }
        std::fs::write(root.path().join(MIGRATION_SRC).join("lib.rs"), "").unwrap();
        std::fs::write(own.join("m20261125_000101_create_users.rs"), "").unwrap();
        std::fs::write(
            project_group.join("m20261125_000201_create_products.rs"),
            "",
        )
        .unwrap();
        let owned = vec![("accounts".to_string(), own.clone())];
        let today = time::macros::date!(2026 - 12 - 06);

        let next = plan(root.path(), "accounts", &owned, &[], Some("add_bio"), today).unwrap();
        assert_eq!(next.path, own.join("m20261206_000102_add_bio.rs"));
        // A new app's first migration takes the hundred after every group's, owned ones too.
        std::fs::create_dir_all(root.path().join(MIGRATION_SRC).join("blog")).unwrap();
        std::fs::write(root.path().join(MIGRATION_SRC).join("blog/mod.rs"), "").unwrap();
        let first = plan(root.path(), "blog", &owned, &[], None, today).unwrap();
        assert_eq!(first.name, "m20261206_000301_initial");
        // Without the folder's mod.rs the error names the folder.
        std::fs::remove_file(own.join("mod.rs")).unwrap();
        let error = plan(root.path(), "accounts", &owned, &[], None, today).unwrap_err();
        assert!(
            error.to_string().contains("crates/accounts/src/migrations"),
            "{error}"
        );
    }

    #[test]
    fn serials_come_from_the_stem() {
        assert_eq!(serial("m20261125_000201_create_products"), Some(201));
        assert_eq!(serial("mod"), None);
    }
}
