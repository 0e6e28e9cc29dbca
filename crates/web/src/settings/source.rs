//! Where settings come from: the config folder (or the embedded copies) and the
//! environment.

use std::collections::HashMap;
use std::path::PathBuf;

/// Where settings come from. The default reads `./config` (or `APP_CONFIG_DIR`) and the
/// process environment.
#[derive(Clone, Default)]
pub struct SettingsSource {
    pub(super) config_dir: Option<PathBuf>,
    pub(super) embedded: &'static [(&'static str, &'static str)],
    pub(super) env: Option<HashMap<String, String>>,
    pub(super) overrides: Vec<(String, String)>,
}

/// A complete `default.toml`, used by doc examples and the framework's own tests.
pub const EXAMPLE_DEFAULTS: &str = include_str!("settings_example.toml");

impl SettingsSource {
    /// Files from `dir` when it exists, else the `embedded` copies; the process environment.
    pub fn new(dir: impl Into<PathBuf>, embedded: &'static [(&'static str, &'static str)]) -> Self {
        SettingsSource {
            config_dir: Some(dir.into()),
            embedded,
            env: None,
            overrides: Vec::new(),
        }
    }

    /// Only the embedded files (no folder lookup).
    pub fn embedded(embedded: &'static [(&'static str, &'static str)]) -> Self {
        SettingsSource {
            config_dir: None,
            embedded,
            env: None,
            overrides: Vec::new(),
        }
    }

    /// Uses these variables instead of the process environment (tests).
    pub fn with_env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Sets a key after every other layer (tests): `("accounts.login_max_failures", "3")`.
    pub fn with_override(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push((key.into(), value.into()));
        self
    }

    pub(super) fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// The folder the files are read from, if it exists.
    pub fn config_dir(&self) -> Option<PathBuf> {
        let dir = self
            .var("APP_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| self.config_dir.clone())?;
        dir.is_dir().then_some(dir)
    }
}
