//! The payments app's handlers: `api` (JSON) and `pages` (HTML).

pub mod api;
pub mod pages;
