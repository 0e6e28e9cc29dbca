//! The `[i18n]` settings section.

use serde::Deserialize;
use unic_langid::LanguageIdentifier;
use web::settings::{Settings, SettingsError};

use crate::negotiate::Languages;

/// `[i18n]`: the languages the site speaks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nSettings {
    /// Language codes (BCP 47: `en`, `de`, `pt-BR`), in the order the switcher lists them.
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    /// The language of a request that asks for none of them; one of `languages`.
    #[serde(default = "default_language")]
    pub default: String,
    /// Send the `lang` cookie over HTTPS only (on in production, as the session cookie).
    #[serde(default)]
    pub cookie_secure: bool,
}

fn default_languages() -> Vec<String> {
    vec!["en".into(), "de".into()]
}

fn default_language() -> String {
    "en".into()
}

impl I18nSettings {
    /// The section and its languages, checked: every code parses, none twice, the
    /// default among them.
    pub fn from_settings(settings: &Settings) -> Result<(I18nSettings, Languages), SettingsError> {
        let section: I18nSettings = settings.app_section("i18n")?;
        let languages = section.languages()?;
        Ok((section, languages))
    }

    /// The languages as identifiers, and the default among them.
    pub fn languages(&self) -> Result<Languages, SettingsError> {
        if self.languages.is_empty() {
            return Err(SettingsError::new(
                "i18n.languages",
                "is empty; list at least one language, e.g. [\"en\"]",
            ));
        }
        let mut parsed: Vec<LanguageIdentifier> = Vec::new();
        for code in &self.languages {
            let id: LanguageIdentifier = code.parse().map_err(|_| {
                SettingsError::new(
                    "i18n.languages",
                    format!(
                        "`{code}` is not a language code; use e.g. \"en\", \"de\" or \"pt-BR\""
                    ),
                )
            })?;
            if parsed.contains(&id) {
                return Err(SettingsError::new(
                    "i18n.languages",
                    format!("lists `{code}` twice"),
                ));
            }
            parsed.push(id);
        }
        let default: LanguageIdentifier = self.default.parse().map_err(|_| {
            SettingsError::new(
                "i18n.default",
                format!("`{}` is not a language code", self.default),
            )
        })?;
        if !parsed.contains(&default) {
            return Err(SettingsError::new(
                "i18n.default",
                format!(
                    "`{}` is not one of i18n.languages ({})",
                    self.default,
                    self.languages.join(", ")
                ),
            ));
        }
        Ok(Languages {
            available: parsed,
            default,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(languages: &[&str], default: &str) -> I18nSettings {
        I18nSettings {
            languages: languages.iter().map(|s| s.to_string()).collect(),
            default: default.into(),
            cookie_secure: false,
        }
    }

    #[test]
    fn the_languages_are_checked() {
        assert_eq!(
            section(&["en", "de"], "en")
                .languages()
                .unwrap()
                .available
                .len(),
            2
        );
        for (bad, key) in [
            (section(&[], "en"), "i18n.languages"),
            (section(&["en", "x y"], "en"), "i18n.languages"),
            (section(&["en", "en"], "en"), "i18n.languages"),
            (section(&["en", "de"], "fr"), "i18n.default"),
        ] {
            let error = bad.languages().unwrap_err().to_string();
            assert!(error.contains(key), "{error}");
        }
    }
}
