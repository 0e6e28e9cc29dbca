//! The accounts app's tables and the queries on them.

pub mod throttle;
pub mod token;
pub mod user;

pub use user::User;
