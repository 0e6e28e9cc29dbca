//! The accounts app's tables and the queries on them.

pub mod group;
pub mod group_permission;
pub mod permission;
pub mod throttle;
pub mod token;
pub mod user;
pub mod user_group;
pub mod user_permission;

pub use user::User;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    use web_schema::EntitySchema;
    vec![
        EntitySchema::of::<user::Entity>(),
        EntitySchema::of::<token::Entity>(),
        EntitySchema::of::<throttle::Entity>(),
        EntitySchema::of::<permission::Entity>(),
        EntitySchema::of::<group::Entity>(),
        EntitySchema::of::<group_permission::Entity>(),
        EntitySchema::of::<user_group::Entity>(),
        EntitySchema::of::<user_permission::Entity>(),
    ]
}
