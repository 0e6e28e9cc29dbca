//! The catalog's table and the queries on it.

pub mod counts;
pub mod image;
pub mod old_slug;
pub mod product;
pub mod search_index;
pub mod stock;

pub use product::Product;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    use web_schema::EntitySchema;
    vec![
        EntitySchema::of::<product::Entity>(),
        EntitySchema::of::<old_slug::Entity>(),
        EntitySchema::of::<counts::Entity>(),
        EntitySchema::of::<image::Entity>(),
    ]
}
