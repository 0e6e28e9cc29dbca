//! What a settings problem says: the key, its environment variable and what is wrong.

use std::fmt;

/// A settings problem, naming the key (`server.port`) and its environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub key: String,
    pub message: String,
}

impl SettingsError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        SettingsError {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key == "APP_ENV" || self.key.is_empty() {
            return write!(
                f,
                "{}: {}",
                if self.key.is_empty() {
                    "settings"
                } else {
                    &self.key
                },
                self.message
            );
        }
        write!(
            f,
            "setting `{}` ({}): {}",
            self.key,
            env_var_name(&self.key),
            self.message
        )
    }
}

impl std::error::Error for SettingsError {}

/// `server.port` -> `APP__SERVER__PORT`.
pub fn env_var_name(key: &str) -> String {
    format!("APP__{}", key.replace('.', "__").to_ascii_uppercase())
}
