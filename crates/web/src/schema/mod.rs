//! Migrations from models (Django's `makemigrations`, `sqlmigrate` and schema editor).
//!
//! - [`EntitySchema`]: an app's entities, registered through [`InstallSchema::entities`].
//! - [`state`]: the schema the migrations produce and the one the entities describe, both
//!   built in scratch in-memory SQLite databases and read back by [`introspect`].
//! - [`autodetect`]: the difference, as a list of [`operations::Operation`]s.
//! - [`render`] and [`files`]: the migration file written from them.
//! - [`editor`]: the portable schema changes migrations call (also hand-written ones).

pub mod autodetect;
mod commands;
pub mod editor;
mod entity;
pub mod files;
pub mod introspect;
pub mod operations;
pub mod render;
pub mod spec;
mod sqlite_table;
pub mod state;

pub use commands::Schema;
pub use entity::{EntitySchema, Problem};

/// An app's entities (what `makemigrations` compares its migrations with).
#[derive(Clone)]
pub struct Entities(pub Vec<EntitySchema>);

impl crate::install::Contribution for Entities {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "entities";
}

/// Tables an app's migrations create in raw SQL that no entity describes.
#[derive(Clone, Copy)]
pub struct UnmanagedTables(pub &'static [&'static str]);

impl crate::install::Contribution for UnmanagedTables {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "unmanaged tables";
}

/// How an app declares its models to `makemigrations`.
pub trait InstallSchema {
    /// The app's sea-orm entities (Django's models): `makemigrations` writes migrations
    /// from them. Register each with `EntitySchema::of::<models::post::Entity>()`.
    fn entities(&mut self, entities: Vec<EntitySchema>) -> &mut Self;
    /// Tables the app's migrations create in raw SQL that no entity describes (Django's
    /// `managed = False`): makemigrations leaves them alone. FTS5 tables are found
    /// without being listed.
    fn unmanaged_tables(&mut self, tables: &'static [&'static str]) -> &mut Self;
}

impl InstallSchema for crate::install::Installer<'_> {
    fn entities(&mut self, entities: Vec<EntitySchema>) -> &mut Self {
        self.add(Entities(entities))
    }
    fn unmanaged_tables(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.add(UnmanagedTables(tables))
    }
}
