//! The shipping app's tables: zones and their methods.

pub mod method;
pub mod zone;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    vec![
        web_schema::EntitySchema::of::<zone::Entity>(),
        web_schema::EntitySchema::of::<method::Entity>(),
    ]
}
