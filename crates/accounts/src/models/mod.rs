//! The accounts app's tables and the queries on them.

pub mod throttle;
pub mod token;
pub mod user;

pub use user::User;

/// The app's entities, for `makemigrations` (registered by the app's `App::entities`).
pub fn entities() -> Vec<web::schema::EntitySchema> {
    use web::schema::EntitySchema;
    vec![
        EntitySchema::of::<user::Entity>(),
        EntitySchema::of::<token::Entity>(),
        EntitySchema::of::<throttle::Entity>(),
    ]
}
