//! The composed store: the `project` command line and the apps working together.

mod cache;
mod cli;
mod fixtures;
mod hardening;
mod languages;
mod openapi;
mod permissions;
mod processes;
mod ratelimit;
mod replicas;
mod shared_cache;
mod store;
mod without_shipping;
