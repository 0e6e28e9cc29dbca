//! Schema migrations, one group per app (`src/<app>/`), each an ordered list with one
//! migration per file named `m<date>_<serial>_<what>.rs`.
//!
//! Migrations are plain schema statements, independent of the apps' entities, so a
//! migration stays frozen when an entity changes later. `project makemigrations` writes
//! new ones from the entities' changes (the README's "Migrations"); the older ones here were
//! written by hand. The project's migrator takes the groups of the installed apps in their
//! order (which is their dependency order).

pub use sea_orm_migration::prelude::*;

pub mod accounts;
pub mod admin;
pub mod cart;
pub mod catalog;
mod columns;
pub mod jobs;
pub mod payments;
pub mod sessions;

/// The migrations of the group named `app` (an app's label).
pub fn group(app: &str) -> Option<Vec<Box<dyn MigrationTrait>>> {
    match app {
        "sessions" => Some(sessions::migrations()),
        "jobs" => Some(jobs::migrations()),
        "accounts" => Some(accounts::migrations()),
        "catalog" => Some(catalog::migrations()),
        "payments" => Some(payments::migrations()),
        "cart" => Some(cart::migrations()),
        "admin" => Some(admin::migrations()),
        _ => None,
    }
}
