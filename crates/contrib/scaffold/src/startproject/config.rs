//! The new project's settings files, derived from this workspace's: the framework's
//! sections kept with their comments, the sections of apps the new project does not have
//! dropped (`Project::load_settings` refuses a section no installed app reads), its name
//! on its mail, its production database.

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, value};

use super::Database;
use crate::startapp::names;

/// The settings files, `config/<environment>.toml`.
pub const FILES: &[&str] = &[
    "config/default.toml",
    "config/development.toml",
    "config/test.toml",
    "config/production.toml",
];

/// The sections read by the framework and the apps a new project installs.
const KEPT_SECTIONS: &[&str] = &[
    "server",
    "database",
    "log",
    "templates",
    "static",
    "sessions",
    "metrics",
    "cache",
    "email",
    "media",
    "jobs",
    "accounts",
];

/// The settings file `path` of the new project `name`, from this workspace's `text`.
pub fn derive(path: &str, text: &str, name: &str, database: Database) -> Result<String> {
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{path} does not parse"))?;
    let dropped: Vec<String> = doc
        .iter()
        .filter(|(key, item)| item.is_table() && !KEPT_SECTIONS.contains(key))
        .map(|(key, _)| key.to_string())
        .collect();
    for key in dropped {
        doc.remove(&key);
    }
    if let Some(from) = doc.get_mut("email").and_then(|e| e.get_mut("from")) {
        *from = value(format!("{} <noreply@localhost>", names::title(name)));
    }
    if path.ends_with("production.toml")
        && let Some(url) = database.production_url(name)
    {
        let section = doc
            .get_mut("database")
            .and_then(|d| d.as_table_mut())
            .with_context(|| format!("{path} has no [database] section"))?;
        section.insert("url", value(url));
        section
            .key_mut("url")
            .expect("just inserted")
            .leaf_decor_mut()
            .set_prefix("# Or APP__DATABASE__URL (with the password) in the environment.\n");
    }
    Ok(doc.to_string())
}
