//! The address book's table.

pub mod address;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    vec![web_schema::EntitySchema::of::<address::Entity>()]
}
