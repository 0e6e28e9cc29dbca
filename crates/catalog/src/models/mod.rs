//! The catalog's table and the queries on it.

pub mod counts;
pub mod old_slug;
pub mod product;
pub mod search_index;
pub mod stock;

pub use product::Product;
