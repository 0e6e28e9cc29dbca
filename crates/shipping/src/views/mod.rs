//! The shipping app's views: its JSON API.

pub mod api;
