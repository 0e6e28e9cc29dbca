//! The composed store: the `project` command line and the apps working together.

mod cli;
mod store;
