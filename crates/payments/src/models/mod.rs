//! The payments app's tables.

pub mod order;
pub mod order_item;
pub mod payment;
pub mod webhook_event;

pub use order::{Order, OrderStatus};
pub use payment::PaymentStatus;
