//! Column definitions that behave the same on SQLite, MySQL/MariaDB and PostgreSQL (the
//! framework's schema editor, which the migrations `makemigrations` writes use too).

pub use web_schema::editor::{id, timestamp, timestamp_null};
