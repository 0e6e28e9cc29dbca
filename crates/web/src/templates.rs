//! One minijinja environment over `templates/` (a folder per app plus `base.html`) and
//! the templates reusable apps carry in their crates ([`AppTemplates`]); a project's own
//! file of the same name wins, as Django's `DIRS` come before the apps' folders.
//!
//! Autoescaping is on for `.html`. Templates get `url("app:name", param=…)` (reverse),
//! the test `"app:name" is route`, `static("css/site.css")`, the `money` filter and,
//! through [`crate::Page`], `csp_nonce`, `request_path` and whatever the apps' context processors
//! add (the sessions extra adds `csrf_input()`, `csrf_token` and `messages`; the accounts
//! app `user`). In development templates are re-read from disk when
//! they change; a release binary carries them embedded and needs no folder beside it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, Value};
use minijinja_autoreload::AutoReloader;

use crate::install::{Installer, core_kind};
use crate::urls::Reverser;

/// Reads an embedded file by name (the project embeds `templates/` and `static/`).
pub type EmbeddedLookup = fn(&str) -> Option<Cow<'static, [u8]>>;

/// Where templates come from and what they may call.
pub struct TemplateConfig {
    /// A folder on disk; `None` uses `embedded`.
    pub dir: Option<PathBuf>,
    /// Re-read from disk on change (only with `dir`).
    pub reload: bool,
    pub embedded: Option<EmbeddedLookup>,
    pub reverser: Reverser,
    pub static_url: String,
    /// The apps' template filters and functions (see [`crate::Installer::template_functions`]).
    pub functions: Vec<fn(&mut Environment<'static>)>,
    /// The templates reusable apps carry, looked up after the project's, in app order.
    pub apps: Vec<AppTemplates>,
}

/// Templates an app carries in its own crate, so another project can install the app
/// alone (see [`Installer::templates`]).
#[derive(Clone, Copy)]
pub struct AppTemplates {
    /// The crate's folder on disk (`concat!(env!("CARGO_MANIFEST_DIR"), "/templates")`),
    /// read and watched instead of `embedded` when the project reads its own from disk.
    pub folder: &'static str,
    /// The same files compiled in (a `rust_embed::Embed` of that folder).
    pub embedded: EmbeddedLookup,
    /// Every embedded file's name, for `project check`.
    pub names: fn() -> Vec<String>,
}
core_kind!(AppTemplates, "templates");

/// The [`AppTemplates`] of the calling crate's `templates/` folder, given a
/// `#[derive(rust_embed::Embed)] #[folder = "templates/"]` struct of it:
/// `app.templates(web::app_templates!(TemplateFiles))`.
#[macro_export]
macro_rules! app_templates {
    ($files:ty) => {
        $crate::AppTemplates {
            folder: concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            embedded: |name| <$files>::get(name).map(|file| file.data),
            names: || <$files>::iter().map(|name| name.into_owned()).collect(),
        }
    };
}

impl AppTemplates {
    /// Whether this app's templates are read from its folder (a development checkout).
    fn on_disk(&self, config: &TemplateConfig) -> bool {
        config.dir.is_some() && Path::new(self.folder).is_dir()
    }
}

/// Finds a template's source by name, or `None` when this source has no such file.
type Loader = Box<dyn Fn(&str) -> Result<Option<String>, minijinja::Error> + Send + Sync>;

fn embedded_loader(lookup: EmbeddedLookup) -> Loader {
    Box::new(move |name| Ok(lookup(name).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())))
}

/// The template environment; cheap to clone.
#[derive(Clone)]
pub struct Templates(Arc<Source>);

enum Source {
    Fixed(Environment<'static>),
    Reloading(AutoReloader),
}

impl Templates {
    pub fn new(config: TemplateConfig) -> Templates {
        let config = Arc::new(config);
        match (&config.dir, config.reload) {
            (Some(dir), true) => {
                let dir = dir.clone();
                let reloader = AutoReloader::new(move |notifier| {
                    notifier.watch_path(&dir, true);
                    for app in config.apps.iter().filter(|app| app.on_disk(&config)) {
                        notifier.watch_path(app.folder, true);
                    }
                    Ok(build_env(&config))
                });
                Templates(Arc::new(Source::Reloading(reloader)))
            }
            _ => Templates(Arc::new(Source::Fixed(build_env(&config)))),
        }
    }

    /// Renders a template given as a string, with the environment's functions and filters.
    pub fn render_str(&self, source: &str, context: Value) -> Result<String, minijinja::Error> {
        match &*self.0 {
            Source::Fixed(env) => env.render_str(source, context),
            Source::Reloading(reloader) => reloader.acquire_env()?.render_str(source, context),
        }
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        match &*self.0 {
            Source::Fixed(env) => env.get_template(name)?.render(context),
            Source::Reloading(reloader) => {
                reloader.acquire_env()?.get_template(name)?.render(context)
            }
        }
    }
}

fn build_env(config: &TemplateConfig) -> Environment<'static> {
    let mut env = Environment::new();
    let mut loaders: Vec<Loader> = Vec::new();
    match (&config.dir, config.embedded) {
        (Some(dir), _) => loaders.push(Box::new(minijinja::path_loader(dir))),
        (None, Some(lookup)) => loaders.push(embedded_loader(lookup)),
        (None, None) => {}
    }
    for app in &config.apps {
        loaders.push(if app.on_disk(config) {
            Box::new(minijinja::path_loader(app.folder))
        } else {
            embedded_loader(app.embedded)
        });
    }
    env.set_loader(move |name| {
        for loader in &loaders {
            if let Some(source) = loader(name)? {
                return Ok(Some(source));
            }
        }
        Ok(None)
    });
    let reverser = config.reverser.clone();
    // Reversed paths are percent-encoded (no quotes, `<`, `>` or `&` survive), so they are
    // marked safe: HTML-escaping them would only turn `/` into `&#x2f;`.
    env.add_function(
        "url",
        move |name: &str, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
            let mut params = BTreeMap::new();
            for key in kwargs.args() {
                let value: Value = kwargs.get(key)?;
                params.insert(key.to_string(), value.to_string());
            }
            reverser
                .reverse_map(name, &params)
                .map(Value::from_safe_string)
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                })
        },
    );
    // `{% if "catalog:product_list" is route %}`: lets a shared layout link to an app's
    // pages only when that app is installed and mounted.
    let routes = config.reverser.clone();
    env.add_test("route", move |name: &str| routes.contains(name));
    let static_url = config.static_url.clone();
    env.add_function("static", move |path: &str| {
        Value::from_safe_string(crate::urls::encode_path(&format!(
            "{static_url}{}",
            path.trim_start_matches('/')
        )))
    });
    env.add_filter("money", money);
    for add in &config.functions {
        add(&mut env);
    }
    env
}

/// `{{ 1999|money("USD") }}` -> `$19.99`; amounts are integer minor units.
pub fn money(cents: i64, currency: Option<&str>) -> String {
    let currency = currency.unwrap_or("USD");
    let zero_decimal = matches!(currency, "JPY" | "KRW" | "VND" | "CLP" | "ISK");
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let amount = if zero_decimal {
        abs.to_string()
    } else {
        format!("{}.{:02}", abs / 100, abs % 100)
    };
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

/// Every template's name and source, for `project check`: the project's (from `dir`, else
/// `embedded`), then the apps' that the project does not override.
pub fn template_sources(
    dir: Option<&Path>,
    embedded: &[(String, String)],
    apps: &[AppTemplates],
) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, text));
            }
        }
    }
    let mut out = match dir {
        Some(dir) => {
            let mut out = Vec::new();
            walk(dir, dir, &mut out);
            out
        }
        None => embedded.to_vec(),
    };
    for app in apps {
        let mut own = Vec::new();
        if dir.is_some() && Path::new(app.folder).is_dir() {
            walk(Path::new(app.folder), Path::new(app.folder), &mut own);
        } else {
            own = (app.names)()
                .into_iter()
                .filter_map(|name| {
                    let bytes = (app.embedded)(&name)?;
                    Some((name, String::from_utf8_lossy(&bytes).into_owned()))
                })
                .collect();
        }
        own.retain(|(name, _)| !out.iter().any(|(taken, _)| taken == name));
        out.extend(own);
    }
    out.sort();
    out
}

/// Checks every `url("…", …)` call in the templates against the route table. A name the
/// same template guards with `"app:name" is route` is optional: it may be missing.
pub fn check_url_names(sources: &[(String, String)], reverser: &Reverser) -> Vec<String> {
    let call =
        regex::Regex::new(r#"url\(\s*["']([^"']+)["']\s*((?:,[^)]*)?)\)"#).expect("valid regex");
    let kwarg =
        regex::Regex::new(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=[^=]").expect("valid regex");
    let guard = regex::Regex::new(r#"["']([^"']+)["']\s+is\s+route\b"#).expect("valid regex");
    let mut problems = Vec::new();
    for (template, source) in sources {
        let optional: Vec<&str> = guard
            .captures_iter(source)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .collect();
        for caps in call.captures_iter(source) {
            let name = &caps[1];
            let Some(params) = reverser.params(name) else {
                if !optional.contains(&name) {
                    problems.push(format!("{template}: url(\"{name}\") names no route"));
                }
                continue;
            };
            let given: Vec<String> = kwarg
                .captures_iter(&caps[2])
                .map(|c| c[1].to_string())
                .collect();
            for p in &params {
                if !given.contains(p) {
                    problems.push(format!(
                        "{template}: url(\"{name}\") is missing the parameter `{p}`"
                    ));
                }
            }
            for g in &given {
                if !params.contains(g) {
                    problems.push(format!(
                        "{template}: url(\"{name}\") has no parameter `{g}`"
                    ));
                }
            }
        }
    }
    problems
}

/// Template filters and functions an app adds (see [`Installer::template_functions`]).
#[derive(Clone, Copy)]
pub struct TemplateFunctions(pub fn(&mut Environment<'static>));
core_kind!(TemplateFunctions, "template functions");

impl Installer<'_> {
    /// Templates the app carries in its crate (a reusable app's, like the admin site's):
    /// `app.templates(AppTemplates { folder, embedded, names })`.
    pub fn templates(&mut self, templates: AppTemplates) -> &mut Self {
        self.add(templates)
    }

    /// Template filters and functions: `app.template_functions(add)` with
    /// `fn add(env: &mut minijinja::Environment<'static>)`.
    pub fn template_functions(&mut self, add: fn(&mut Environment<'static>)) -> &mut Self {
        self.add(TemplateFunctions(add))
    }
}
