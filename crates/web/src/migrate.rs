//! The migrator of the installed apps: their migration groups, concatenated in the order
//! of the installed apps (which is their dependency order, checked at startup).

use crate::install::{Installer, core_kind};
use crate::permissions::Permission;
use std::collections::HashSet;

use sea_orm::DatabaseConnection;
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTraitSelf};

/// Looks a migration group up by name (the `migration` crate's `group` function).
pub type MigrationLookup = fn(&str) -> Option<Vec<Box<dyn MigrationTrait>>>;

/// Migrations of the installed apps, in dependency order.
pub struct InstalledMigrator {
    groups: Vec<&'static str>,
    lookup: MigrationLookup,
}

impl InstalledMigrator {
    /// Fails if a group is missing or two migrations share a name.
    pub fn new(groups: Vec<&'static str>, lookup: MigrationLookup) -> Result<Self, String> {
        let mut seen = HashSet::new();
        for group in &groups {
            let migrations = lookup(group).ok_or_else(|| {
                format!("app `{group}` declares the migration group `{group}`, but the migration crate has no such group (add it to migration/src/lib.rs)")
            })?;
            for m in migrations {
                if !seen.insert(m.name().to_string()) {
                    return Err(format!(
                        "migration name `{}` is used twice; names must be unique across apps",
                        m.name()
                    ));
                }
            }
        }
        Ok(InstalledMigrator { groups, lookup })
    }

    /// (app, migration names) per group.
    pub fn plan(&self) -> Vec<(&'static str, Vec<String>)> {
        self.groups
            .iter()
            .map(|g| {
                (
                    *g,
                    (self.lookup)(g)
                        .unwrap_or_default()
                        .iter()
                        .map(|m| m.name().to_string())
                        .collect(),
                )
            })
            .collect()
    }

    /// Every migration with whether it is applied, grouped by app.
    pub async fn status(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Vec<(&'static str, Vec<(String, bool)>)>, sea_orm::DbErr> {
        let all = self.get_migration_with_status(db).await?;
        let applied: HashSet<String> = all
            .iter()
            .filter(|m| m.status() == MigrationStatus::Applied)
            .map(|m| m.name().to_string())
            .collect();
        Ok(self
            .plan()
            .into_iter()
            .map(|(app, names)| {
                let rows = names.into_iter().map(|n| {
                    let done = applied.contains(&n);
                    (n, done)
                });
                (app, rows.collect())
            })
            .collect())
    }

    /// Names of the migrations not yet applied.
    pub async fn pending(&self, db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
        Ok(self
            .get_pending_migrations(db)
            .await?
            .iter()
            .map(|m| m.name().to_string())
            .collect())
    }
}

impl MigratorTraitSelf for InstalledMigrator {
    fn migrations(&self) -> Vec<Box<dyn MigrationTrait>> {
        self.groups
            .iter()
            .flat_map(|g| (self.lookup)(g).unwrap_or_default())
            .collect()
    }
}

/// A receiver of the `post_migrate` signal (Django's): runs after `migrate` has applied
/// migrations, with every permission of the installed apps (`accounts` stores them).
#[async_trait::async_trait]
pub trait PostMigrate: Send + Sync {
    async fn post_migrate(
        &self,
        db: &sea_orm::DatabaseConnection,
        permissions: &[Permission],
    ) -> anyhow::Result<()>;
}

/// A `post_migrate` receiver an app connected.
#[derive(Clone)]
pub struct PostMigrateReceivers(pub std::sync::Arc<dyn PostMigrate>);
core_kind!(PostMigrateReceivers, "post_migrate receivers");

impl Installer<'_> {
    /// Connects a receiver of the `post_migrate` signal.
    pub fn on_post_migrate(&mut self, receiver: impl PostMigrate + 'static) -> &mut Self {
        self.add(PostMigrateReceivers(std::sync::Arc::new(receiver)))
    }
}
