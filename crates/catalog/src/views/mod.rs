//! The catalog's handlers: `api` (JSON), `images` (the product images API) and `pages` (HTML).

pub mod api;
pub mod images;
pub mod pages;
