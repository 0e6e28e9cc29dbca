//! The cart app's table: a signed-in user's cart lines (a visitor's live in the session).

pub mod cart_item;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    vec![web_schema::EntitySchema::of::<cart_item::Entity>()]
}
