//! Migrations from models (Django's `makemigrations`, `sqlmigrate` and schema editor).
//!
//! - [`EntitySchema`]: an app's entities, registered through [`crate::App::entities`].
//! - [`state`]: the schema the migrations produce and the one the entities describe, both
//!   built in scratch in-memory SQLite databases and read back by [`introspect`].
//! - [`autodetect`]: the difference, as a list of [`operations::Operation`]s.
//! - [`render`] and [`files`]: the migration file written from them.
//! - [`editor`]: the portable schema changes migrations call (also hand-written ones).

pub mod autodetect;
pub(crate) mod commands;
pub mod editor;
mod entity;
pub mod files;
pub mod introspect;
pub mod operations;
pub mod render;
pub mod spec;
mod sqlite_table;
pub mod state;

pub use entity::{EntitySchema, Problem};
