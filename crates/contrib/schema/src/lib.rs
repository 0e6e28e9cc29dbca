//! Migrations from models (Django's `makemigrations`, `sqlmigrate` and schema editor), an
//! extra the project installs like an app.
//!
//! Without features the crate is what apps and migrations need: [`EntitySchema`] and
//! [`InstallSchema`] to declare an app's models, and [`editor`] for the migrations. The
//! feature `makemigrations` adds the autodetector, the writer and the [`Schema`] app with
//! the `makemigrations` and `sqlmigrate` commands (the `project` binary enables it).
//!
//! - [`EntitySchema`]: an app's entities, registered through [`InstallSchema::entities`].
//! - [`state`]: the schema the migrations produce and the one the entities describe, both
//!   built in scratch in-memory SQLite databases and read back by [`introspect`].
//! - [`autodetect`]: the difference, as a list of [`operations::Operation`]s.
//! - [`render`] and [`files`]: the migration file written from them.
//! - [`editor`]: the portable schema changes migrations call (also hand-written ones).
//!
//! ```ignore
//! // An app's lib.rs: its entities, so `project makemigrations` sees them.
//! use web_schema::InstallSchema;
//! fn install(&self, app: &mut Installer) {
//!     app.entities(vec![EntitySchema::of::<models::student::Entity>()]);
//! }
//! ```

#[cfg(feature = "makemigrations")]
pub mod autodetect;
#[cfg(feature = "makemigrations")]
mod commands;
pub mod editor;
mod entity;
#[cfg(feature = "makemigrations")]
pub mod files;
#[cfg(feature = "makemigrations")]
pub mod introspect;
#[cfg(feature = "makemigrations")]
pub mod operations;
#[cfg(feature = "makemigrations")]
pub mod render;
pub mod spec;
mod sqlite_table;
#[cfg(feature = "makemigrations")]
pub mod state;

#[cfg(feature = "makemigrations")]
pub use commands::Schema;
pub use entity::{EntitySchema, Problem};

/// An app's entities (what `makemigrations` compares its migrations with).
#[derive(Clone)]
pub struct Entities(pub Vec<EntitySchema>);

impl web::install::Contribution for Entities {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "entities";
}

/// Tables an app's migrations create in raw SQL that no entity describes.
#[derive(Clone, Copy)]
pub struct UnmanagedTables(pub &'static [&'static str]);

impl web::install::Contribution for UnmanagedTables {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "unmanaged tables";
}

/// Where an app that carries its own migrations (a reusable app) keeps them, so
/// `makemigrations` writes its new ones there rather than in the project's `migration/`.
#[derive(Clone, Copy)]
pub struct MigrationsFolder(pub &'static str);

impl web::install::Contribution for MigrationsFolder {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "migrations folder";
}

/// Rebuilds a derived table from the rows it is derived from (after `loaddata`), in the
/// loading transaction.
pub type Rebuild = for<'a> fn(
    &'a sea_orm::DatabaseTransaction,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send + 'a>,
>;

/// Tables whose rows are derived from other rows or from code (counts, search indexes,
/// sessions, the permissions `migrate` writes): `dumpdata` never writes them, and
/// `loaddata` calls `rebuild` once its objects are in.
#[derive(Clone, Copy)]
pub struct DerivedTables {
    pub tables: &'static [&'static str],
    pub rebuild: Option<Rebuild>,
}

impl web::install::Contribution for DerivedTables {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "derived tables";
}

/// Runs at the start of `loaddata`'s transaction, before any object is written (to stand
/// a derived table's triggers aside until [`DerivedTables::rebuild`] counts once).
#[derive(Clone, Copy)]
pub struct BeforeLoad(pub Rebuild);

impl web::install::Contribution for BeforeLoad {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "before-load hooks";
}

/// Tables `dumpdata` writes only when asked for by name (Django's `jobs` queue: work in
/// flight belongs to the server it ran on).
#[derive(Clone, Copy)]
pub struct DumpedOnRequest(pub &'static [&'static str]);

impl web::install::Contribution for DumpedOnRequest {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "tables dumped on request";
}

/// A table whose rows other databases number differently but name alike (permissions by
/// `code`): fixtures write a foreign key to it as that column's value, not an id.
#[derive(Clone, Copy)]
pub struct NaturalKey {
    pub table: &'static str,
    pub column: &'static str,
}

impl web::install::Contribution for NaturalKey {
    const READER: Option<&'static str> = None;
    const WHAT: &'static str = "natural keys";
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
    /// The folder of the app's own migrations, when the app carries them (a reusable app):
    /// `app.migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))`.
    fn migrations_folder(&mut self, dir: &'static str) -> &mut Self;
    /// Tables derived from others or from code ([`DerivedTables`]): never dumped; after a
    /// load, `rebuild` (if any) makes them right again.
    fn derived_tables(
        &mut self,
        tables: &'static [&'static str],
        rebuild: Option<Rebuild>,
    ) -> &mut Self;
    /// Tables `dumpdata` writes only when named ([`DumpedOnRequest`]).
    fn dumped_on_request(&mut self, tables: &'static [&'static str]) -> &mut Self;
    /// `table`'s rows are named by `column` in fixtures ([`NaturalKey`]).
    fn natural_key(&mut self, table: &'static str, column: &'static str) -> &mut Self;
    /// Runs at the start of a load, before its objects ([`BeforeLoad`]).
    fn before_load(&mut self, hook: Rebuild) -> &mut Self;
}

impl InstallSchema for web::install::Installer<'_> {
    fn entities(&mut self, entities: Vec<EntitySchema>) -> &mut Self {
        self.add(Entities(entities))
    }
    fn unmanaged_tables(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.add(UnmanagedTables(tables))
    }
    fn migrations_folder(&mut self, dir: &'static str) -> &mut Self {
        self.add(MigrationsFolder(dir))
    }
    fn derived_tables(
        &mut self,
        tables: &'static [&'static str],
        rebuild: Option<Rebuild>,
    ) -> &mut Self {
        self.add(DerivedTables { tables, rebuild })
    }
    fn dumped_on_request(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.add(DumpedOnRequest(tables))
    }
    fn natural_key(&mut self, table: &'static str, column: &'static str) -> &mut Self {
        self.add(NaturalKey { table, column })
    }
    fn before_load(&mut self, hook: Rebuild) -> &mut Self {
        self.add(BeforeLoad(hook))
    }
}
