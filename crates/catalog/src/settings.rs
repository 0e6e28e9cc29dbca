//! The `[catalog]` settings section.

use serde::Deserialize;
use web::settings::{Settings, SettingsError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSettings {
    /// Load the demo catalog into an empty database when `serve` starts (development).
    #[serde(default)]
    pub demo_data: bool,
    /// Products per page on the HTML list.
    #[serde(default = "default_page_size")]
    pub page_size: u64,
    /// Searches running at once in a process (more wait for a slot, see
    /// [`crate::search_slots`]); 0 = half the database pool.
    #[serde(default)]
    pub search_concurrency: u32,
}

fn default_page_size() -> u64 {
    20
}

impl CatalogSettings {
    /// The search slots: `search_concurrency`, or half the database pool (at least 1).
    pub fn search_slots(&self, settings: &Settings) -> usize {
        match self.search_concurrency {
            0 => {
                web::db::pool_size(&settings.database).map_or(1, |pool| (pool / 2).max(1)) as usize
            }
            n => n as usize,
        }
    }

    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let s: CatalogSettings = settings.app_section("catalog")?;
        if !(1..=100).contains(&s.page_size) {
            return Err(SettingsError::new(
                "catalog.page_size",
                "must be from 1 to 100",
            ));
        }
        Ok(s)
    }
}
