//! Schema migrations, one group per app, each an ordered list with one migration per file
//! named `m<date>_<serial>_<what>.rs`: the store apps' groups here (`src/<app>/`), and the
//! groups the reusable apps carry themselves (`web_sessions::migrations`,
//! `web_jobs::migrations`, `web_media::migrations`, `accounts::migrations`, `admin::migrations`), which [`group`]
//! composes, so another project can depend on those apps alone.
//!
//! Migrations are plain schema statements, independent of the apps' entities, so a
//! migration stays frozen when an entity changes later. `project makemigrations` writes
//! new ones from the entities' changes (the guide's docs/src/topics/migrations.md); the older ones here were
//! written by hand. The project's migrator takes the groups of the installed apps in their
//! order (which is their dependency order).

pub use sea_orm_migration::prelude::*;

pub mod addresses;
pub mod cart;
pub mod catalog;
pub mod payments;
pub mod shipping;

/// The migrations of the group named `app` (an app's label).
pub fn group(app: &str) -> Option<Vec<Box<dyn MigrationTrait>>> {
    match app {
        "sessions" => Some(web_sessions::migrations::migrations()),
        "jobs" => Some(web_jobs::migrations::migrations()),
        "media" => Some(web_media::migrations::migrations()),
        "accounts" => Some(accounts::migrations::migrations()),
        "catalog" => Some(catalog::migrations()),
        "payments" => Some(payments::migrations()),
        "cart" => Some(cart::migrations()),
        "addresses" => Some(addresses::migrations()),
        "shipping" => Some(shipping::migrations()),
        "admin" => Some(admin::migrations::migrations()),
        _ => None,
    }
}
