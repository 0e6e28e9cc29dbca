//! Message files (Fluent, `.ftl`): each app contributes one per language, beside its
//! templates (`locales/<language>.ftl`), and the i18n extra builds one bundle per
//! language from all of them.
//!
//! Why Fluent rather than gettext catalogs: plurals and grammatical cases are written by
//! the translator in the message itself (`{ $count -> [one] … *[other] … }`, with CLDR's
//! plural rules for each language), variables are named, and the files are plain text
//! that `include_str!` compiles into the binary — no `.po` → `.mo` build step.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;
use web::install::{Contribution, Installer};
use web::settings::SettingsError;

use crate::negotiate::Languages;

/// One app's messages in one language.
#[derive(Clone)]
pub struct MessageFile {
    pub language: &'static str,
    pub source: &'static str,
}

impl Contribution for MessageFile {
    const READER: Option<&'static str> = Some("i18n");
    const WHAT: &'static str = "message files";
}

/// `app.messages("de", include_str!("../locales/de.ftl"))` in an app's `install`.
pub trait InstallMessages {
    fn messages(&mut self, language: &'static str, source: &'static str) -> &mut Self;
}

impl InstallMessages for Installer<'_> {
    fn messages(&mut self, language: &'static str, source: &'static str) -> &mut Self {
        self.add(MessageFile { language, source })
    }
}

/// Every installed app's messages, one bundle per language of the site.
pub struct Translations {
    bundles: HashMap<LanguageIdentifier, FluentBundle<FluentResource>>,
    default: LanguageIdentifier,
}

impl Translations {
    /// Builds the bundles from the apps' files (`(app, file)`); a file that does not parse,
    /// or a message id two apps define, stops the project naming the app and the line.
    /// Files of languages the site does not speak are left out.
    pub fn build(
        languages: &Languages,
        files: &[(&'static str, MessageFile)],
    ) -> Result<Translations, SettingsError> {
        let mut bundles = HashMap::new();
        for language in &languages.available {
            let mut bundle = FluentBundle::new_concurrent(vec![language.clone()]);
            // Pages are HTML: no Unicode isolation marks around the variables.
            bundle.set_use_isolating(false);
            bundles.insert(language.clone(), bundle);
        }
        for (app, file) in files {
            let Ok(language) = file.language.parse::<LanguageIdentifier>() else {
                return Err(SettingsError::new(
                    "i18n",
                    format!(
                        "app `{app}` has messages for `{}`, which is not a language code",
                        file.language
                    ),
                ));
            };
            let Some(bundle) = bundles.get_mut(&language) else {
                continue;
            };
            let resource =
                FluentResource::try_new(file.source.to_string()).map_err(|(_, errors)| {
                    let line = errors
                        .first()
                        .map(|e| {
                            // A position off a character boundary must not panic.
                            file.source
                                .get(..e.pos.start)
                                .map_or(1, |before| before.lines().count().max(1))
                        })
                        .unwrap_or(1);
                    SettingsError::new(
                        "i18n",
                        format!(
                            "app `{app}`'s {} messages do not parse (line {line}): {:?}",
                            file.language,
                            errors.first().map(|e| &e.kind)
                        ),
                    )
                })?;
            bundle.add_resource(resource).map_err(|errors| {
                SettingsError::new(
                    "i18n",
                    format!("app `{app}`'s {} messages: {errors:?} (a message id another app already defines? prefix ids with the app's label)", file.language),
                )
            })?;
        }
        Ok(Translations {
            bundles,
            default: languages.default.clone(),
        })
    }

    /// Message `id` in `language` with `args`; in the default language when `language`
    /// lacks it; the id itself (logged) when no language has it, so a missing translation
    /// shows but never fails a page.
    pub fn format(
        &self,
        language: &LanguageIdentifier,
        id: &str,
        args: Option<&FluentArgs>,
    ) -> String {
        for candidate in [language, &self.default] {
            let Some(bundle) = self.bundles.get(candidate) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(id, %candidate, ?errors, "a message did not format cleanly");
            }
            return text.into_owned();
        }
        tracing::warn!(id, %language, "no message with this id in any language");
        id.to_string()
    }

    /// Whether `language` has message `id` (for `makemessages --check`).
    pub fn has(&self, language: &LanguageIdentifier, id: &str) -> bool {
        self.bundles
            .get(language)
            .is_some_and(|bundle| bundle.has_message(id))
    }
}

/// Fluent arguments from `(name, value)` pairs: numbers stay numbers, so plural
/// selectors work.
pub fn args<'a>(pairs: impl IntoIterator<Item = (&'a str, FluentValue<'a>)>) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    for (name, value) in pairs {
        args.set(name, value);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translations(files: &[(&'static str, MessageFile)]) -> Result<Translations, SettingsError> {
        let languages = Languages {
            available: vec!["en".parse().unwrap(), "de".parse().unwrap()],
            default: "en".parse().unwrap(),
        };
        Translations::build(&languages, files)
    }

    const EN: &str = "cart-items = { $count ->\n    [one] One item\n   *[other] { $count } items\n}\nhello = Hello, { $name }!\n";
    const DE: &str =
        "cart-items = { $count ->\n    [one] Ein Artikel\n   *[other] { $count } Artikel\n}\n";

    #[test]
    fn plurals_variables_and_the_default_as_fallback() {
        let t = translations(&[
            (
                "cart",
                MessageFile {
                    language: "en",
                    source: EN,
                },
            ),
            (
                "cart",
                MessageFile {
                    language: "de",
                    source: DE,
                },
            ),
        ])
        .unwrap();
        let (en, de) = ("en".parse().unwrap(), "de".parse().unwrap());
        let count = |n: i64| args([("count", FluentValue::from(n))]);
        assert_eq!(t.format(&en, "cart-items", Some(&count(1))), "One item");
        assert_eq!(t.format(&en, "cart-items", Some(&count(3))), "3 items");
        assert_eq!(t.format(&de, "cart-items", Some(&count(1))), "Ein Artikel");
        assert_eq!(t.format(&de, "cart-items", Some(&count(3))), "3 Artikel");
        let name = args([("name", FluentValue::from("Ada"))]);
        // German lacks `hello`: the default language's text, never an error.
        assert_eq!(t.format(&de, "hello", Some(&name)), "Hello, Ada!");
        assert_eq!(t.format(&de, "no-such-id", None), "no-such-id");
        assert!(t.has(&en, "hello") && !t.has(&de, "hello"));
    }

    #[test]
    fn a_broken_file_or_an_id_defined_twice_is_refused_naming_the_app() {
        let broken = translations(&[(
            "shop",
            MessageFile {
                language: "en",
                source: "hello = \n= oops",
            },
        )]);
        assert!(broken.err().unwrap().to_string().contains("`shop`"));
        let twice = translations(&[
            (
                "a",
                MessageFile {
                    language: "en",
                    source: EN,
                },
            ),
            (
                "b",
                MessageFile {
                    language: "en",
                    source: EN,
                },
            ),
        ]);
        assert!(twice.err().unwrap().to_string().contains("`b`"));
        // A language the site does not speak is left out, not an error.
        assert!(
            translations(&[(
                "a",
                MessageFile {
                    language: "fr",
                    source: "x = y"
                }
            )])
            .is_ok()
        );
    }
}
