//! `project makemessages [--check]`: every message id the code and templates use must
//! exist in every language the site speaks (Django's `makemessages`, for Fluent files,
//! which translators edit by hand: this lists what they still owe).
//!
//! Used ids are found in every template of the project and its apps (`t("id", …)`) and
//! in the Rust sources under the current folder and beside the apps' templates
//! (`.t("id")`, `.t_with("id", …)`); a string literal that names a defined id counts as
//! a use too (an id handed to a helper that translates it). Ids nobody uses are warned
//! about.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::{Arg, ArgAction, ArgMatches, Command as ClapCommand};
use fluent_bundle::FluentResource;
use fluent_syntax::ast::Entry;
use regex::Regex;
use web::settings::Settings;
use web::templates::AppTemplates;

use crate::messages::MessageFile;
use crate::settings::I18nSettings;

/// Ids the extra itself reads (each language's name in the switcher).
const BUILT_IN: &[&str] = &["language-name"];

/// Whether the extra looks `id` up by itself: a language's name, an error code's message.
fn read_by_the_extra(id: &str) -> bool {
    BUILT_IN.contains(&id) || id.starts_with(crate::ERROR_PREFIX)
}

/// A Rust file larger than this is not a source file anyone wrote; it is skipped.
const MAX_SOURCE_BYTES: u64 = 2 * 1024 * 1024;

pub(crate) struct MakeMessages;

/// Where an id is used: `templates/catalog/product_detail.html:12`.
type Uses = BTreeMap<String, Vec<String>>;

#[async_trait::async_trait]
impl web::ProjectCommand for MakeMessages {
    fn definition(&self) -> ClapCommand {
        ClapCommand::new("makemessages")
            .about(
                "List the message ids the code and templates use that a language's .ftl files lack",
            )
            .arg(
                Arg::new("check")
                    .long("check")
                    .action(ArgAction::SetTrue)
                    .help("Exit with status 1 when an id is missing (for CI)"),
            )
            .arg(
                Arg::new("root")
                    .long("root")
                    .value_name("DIR")
                    .value_parser(clap::value_parser!(PathBuf))
                    .help("Where to look for Rust sources (default: the current folder)"),
            )
    }

    async fn run(
        &self,
        project: &web::Project,
        settings: &Settings,
        args: &ArgMatches,
    ) -> anyhow::Result<()> {
        let (_, languages) = I18nSettings::from_settings(settings)?;
        let codes: Vec<String> = languages.available.iter().map(|l| l.to_string()).collect();
        let files: Vec<(&'static str, MessageFile)> = project
            .contributions()
            .of::<MessageFile>()
            .map(|(app, file)| (app, file.clone()))
            .collect();
        let defined = defined_ids(&files)?;

        let root = match args.get_one::<PathBuf>("root") {
            Some(root) => root.clone(),
            None => std::env::current_dir()?,
        };
        let mut roots = vec![root];
        // The apps' own crates: their templates folder's parent.
        for (_, templates) in project.contributions().of::<AppTemplates>() {
            if let Some(parent) = Path::new(templates.folder).parent() {
                roots.push(parent.join("src"));
            }
        }
        let mut required = Uses::new();
        for (name, source) in project.template_sources(settings) {
            find_uses(&source, &name, template_calls(), &mut required);
        }
        let mut mentioned: HashSet<String> = HashSet::new();
        for path in rust_files(&roots) {
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            let source = without_comments(&source);
            let shown = path
                .strip_prefix(&roots[0])
                .unwrap_or(&path)
                .display()
                .to_string();
            find_uses(&source, &shown, rust_calls(), &mut required);
            mentioned.extend(
                literals()
                    .captures_iter(&source)
                    .map(|c| c[1].to_string())
                    .filter(|id| defined.values().any(|ids| ids.contains(id))),
            );
        }

        let missing = missing(&required, &defined, &codes);
        for (code, ids) in &missing {
            println!("{code} lacks {} message id(s):", ids.len());
            for id in ids {
                let places = &required[id];
                let more = if places.len() > 1 {
                    format!(" and {} more", places.len() - 1)
                } else {
                    String::new()
                };
                println!("  {id}  ({}{more})", places[0]);
            }
        }
        let unused: Vec<&String> = defined
            .values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|id| {
                !required.contains_key(*id) && !mentioned.contains(*id) && !read_by_the_extra(id)
            })
            .collect();
        if !unused.is_empty() {
            eprintln!(
                "warning: {} message id(s) nobody uses: {}",
                unused.len(),
                unused
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if missing.is_empty() {
            println!(
                "Every message id used ({}) is in {}.",
                required.len(),
                codes.join(", ")
            );
            Ok(())
        } else if args.get_flag("check") {
            let counts: Vec<String> = missing
                .iter()
                .map(|(code, ids)| format!("{code}: {}", ids.len()))
                .collect();
            anyhow::bail!(
                "message ids missing ({}); add them to the app's locales/<language>.ftl",
                counts.join(", ")
            )
        } else {
            Ok(())
        }
    }
}

/// The ids each language's files define.
fn defined_ids(
    files: &[(&'static str, MessageFile)],
) -> anyhow::Result<BTreeMap<String, HashSet<String>>> {
    let mut defined: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for (app, file) in files {
        let resource = FluentResource::try_new(file.source.to_string()).map_err(|_| {
            anyhow::anyhow!("app `{app}`'s {} messages do not parse", file.language)
        })?;
        let ids = defined.entry(canonical(file.language)).or_default();
        for entry in resource.entries() {
            if let Entry::Message(message) = entry {
                ids.insert(message.id.name.to_string());
            }
        }
    }
    Ok(defined)
}

/// `de-de` → `de-DE`, as the settings' languages print.
fn canonical(code: &str) -> String {
    code.parse::<unic_langid::LanguageIdentifier>()
        .map(|l| l.to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// Per language, the used ids it lacks.
fn missing(
    required: &Uses,
    defined: &BTreeMap<String, HashSet<String>>,
    languages: &[String],
) -> BTreeMap<String, Vec<String>> {
    let empty = HashSet::new();
    let mut out = BTreeMap::new();
    for code in languages {
        let has = defined.get(code).unwrap_or(&empty);
        let lacking: Vec<String> = required
            .keys()
            .filter(|id| !has.contains(*id))
            .cloned()
            .collect();
        if !lacking.is_empty() {
            out.insert(code.clone(), lacking);
        }
    }
    out
}

/// Adds each id `pattern` captures in `source` with `file:line`.
fn find_uses(source: &str, file: &str, pattern: &Regex, uses: &mut Uses) {
    for capture in pattern.captures_iter(source) {
        let whole = capture.get(0).expect("a match");
        let line = source[..whole.start()].lines().count().max(1);
        uses.entry(capture[1].to_string())
            .or_default()
            .push(format!("{file}:{line}"));
    }
}

/// The source with each comment line (`//`, `///`, `//!`: examples in docs) blanked,
/// so line numbers stay right.
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `t("id"` in a template.
fn template_calls() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\bt\(\s*["']([A-Za-z][A-Za-z0-9_-]*)["']"#).expect("a valid pattern")
    })
}

/// `.t("id"` and `.t_with("id"` in Rust.
fn rust_calls() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\.t(?:_with)?\(\s*"([A-Za-z][A-Za-z0-9_-]*)""#).expect("a valid pattern")
    })
}

/// A string literal shaped like a message id (`"payments-mail-paid-subject"`).
fn literals() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r#""([a-z][a-z0-9]*(?:-[a-z0-9]+)+)""#).expect("a valid pattern"))
}

/// The `.rs` files under `roots`, each once, leaving out build output and hidden folders.
fn rust_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, seen: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // Tests bring their own message files; build output is not source.
            if name.starts_with('.') || ["target", "node_modules", "tests"].contains(&&*name) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(&path, seen, out);
            } else if kind.is_file()
                && name.ends_with(".rs")
                && entry.metadata().is_ok_and(|m| m.len() <= MAX_SOURCE_BYTES)
                && seen.insert(path.canonicalize().unwrap_or_else(|_| path.clone()))
            {
                out.push(path);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for root in roots {
        walk(root, &mut seen, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_found_with_their_line() {
        let mut uses = Uses::new();
        let template =
            "<h1>{{ t(\"shop-title\") }}</h1>\n{{ t('cart-items', count=n) }}\n{{ format(x) }}";
        find_uses(template, "page.html", template_calls(), &mut uses);
        assert_eq!(uses["shop-title"], ["page.html:1"]);
        assert_eq!(uses["cart-items"], ["page.html:2"]);
        assert_eq!(uses.len(), 2);
        let rust = "let a = language.t(\"greeting\");\nlanguage.t_with(\n    \"welcome\", &args)";
        find_uses(rust, "views.rs", rust_calls(), &mut uses);
        assert_eq!(uses["greeting"], ["views.rs:1"]);
        assert_eq!(uses["welcome"], ["views.rs:2"]);
    }

    #[test]
    fn examples_in_comments_are_not_uses() {
        let mut uses = Uses::new();
        let rust = "//! language.t(\"example\")\n    /// x.t(\"doc\")\nlet a = l.t(\"real\");";
        find_uses(&without_comments(rust), "lib.rs", rust_calls(), &mut uses);
        assert_eq!(uses.keys().collect::<Vec<_>>(), ["real"]);
        assert_eq!(uses["real"], ["lib.rs:3"]);
    }

    #[test]
    fn each_language_lacks_what_it_does_not_define() {
        let mut required = Uses::new();
        for id in ["a", "b"] {
            required.insert(id.into(), vec!["x.html:1".into()]);
        }
        let defined = BTreeMap::from([
            (
                "en".to_string(),
                HashSet::from(["a".to_string(), "b".to_string()]),
            ),
            ("de".to_string(), HashSet::from(["a".to_string()])),
        ]);
        let codes = ["en".to_string(), "de".to_string(), "fr".to_string()];
        let missing = missing(&required, &defined, &codes);
        assert_eq!(missing.get("en"), None);
        assert_eq!(missing["de"], ["b"]);
        assert_eq!(missing["fr"], ["a", "b"]);
    }

    #[test]
    fn defined_ids_are_read_per_language() {
        let files = [(
            "shop",
            MessageFile {
                language: "de",
                source: "# comment\nhello = Hallo\n-term = Shop\nbye = Tschüss\n    .title = x\n",
            },
        )];
        let defined = defined_ids(&files).unwrap();
        let mut ids: Vec<&String> = defined["de"].iter().collect();
        ids.sort();
        assert_eq!(ids, ["bye", "hello"]);
    }
}
