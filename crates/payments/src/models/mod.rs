//! The payments app's tables.

pub mod order;
pub mod order_item;
pub mod payment;
pub mod tax_rate;
pub mod webhook_event;

pub use order::{FulfillmentStatus, Order, OrderStatus};
pub use payment::PaymentStatus;

/// The app's entities, for `makemigrations` (registered in the app's `App::install`).
pub fn entities() -> Vec<web_schema::EntitySchema> {
    use web_schema::EntitySchema;
    vec![
        EntitySchema::of::<order::Entity>(),
        EntitySchema::of::<order_item::Entity>(),
        EntitySchema::of::<payment::Entity>(),
        EntitySchema::of::<tax_rate::Entity>(),
        EntitySchema::of::<webhook_event::Entity>(),
    ]
}
