//! The address book's views: the JSON API (`api`) and the profile's pages (`pages`).

pub mod api;
pub mod pages;
