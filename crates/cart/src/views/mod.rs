//! The cart's views: the bearer JSON API and the session pages.

pub mod api;
pub mod pages;
