//! Layered settings, read with the `config` crate.
//!
//! Order (later wins): `config/default.toml`, `config/<APP_ENV>.toml`, then environment
//! variables `APP__<SECTION>__<KEY>` (double underscore between levels). When the config
//! folder is absent (a release binary deployed alone) the copies embedded in the binary
//! are used instead, so the binary can be configured by environment variables only.
//!
//! The framework owns the core sections below; every other top-level section belongs to
//! the installed app with that label (`[accounts]`, `[payments]`), which reads it with
//! [`Settings::app_section`]. Unknown keys, malformed values and missing keys are errors
//! that name the key and its environment variable.
//!
//! ```
//! use web::settings::{Settings, SettingsSource};
//! let source = SettingsSource::embedded(&[("default.toml", web::settings::EXAMPLE_DEFAULTS)])
//!     .with_env([("APP__SERVER__PORT", "9000")]);
//! let settings = Settings::load(&source).unwrap();
//! assert_eq!(settings.server.port, 9000);
//! ```

mod database;
mod error;
mod sections;
mod server;
mod source;
mod values;

pub use database::{Backend, DatabaseSettings};
pub use error::{SettingsError, env_var_name};
pub use sections::{LogFormat, LogSettings, MetricsSettings, StaticSettings, TemplateSettings};
pub use server::{ServerSettings, parse_public_url, split_host, string_or_list};
pub use source::{EXAMPLE_DEFAULTS, SettingsSource};
pub use values::{Environment, INSECURE_PREFIX, Secret};

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use config::{Config, File, FileFormat, Value, ValueKind};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The framework's typed settings. App sections are read with [`Settings::app_section`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(skip, default = "default_env")]
    pub environment: Environment,
    pub debug: bool,
    pub secret_key: Secret,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub templates: TemplateSettings,
    #[serde(rename = "static")]
    pub static_files: StaticSettings,
    pub metrics: MetricsSettings,
    #[serde(skip)]
    apps: BTreeMap<String, Value>,
}

fn default_env() -> Environment {
    Environment::Development
}

impl Settings {
    /// Loads and validates settings from `source`: the first problem is the error.
    pub fn load(source: &SettingsSource) -> Result<Settings, SettingsError> {
        let (settings, problems) = Self::load_with_problems(source)?;
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(settings),
        }
    }

    /// Loads settings from `source` and lists every invalid value instead of stopping at
    /// the first (`project check --deploy` reports them all). Only a value that can't be
    /// read at all (a malformed number, an unknown key) is still an error.
    pub fn load_with_problems(
        source: &SettingsSource,
    ) -> Result<(Settings, Vec<SettingsError>), SettingsError> {
        let environment: Environment = source.var("APP_ENV").unwrap_or_default().parse()?;
        let mut builder = Config::builder();
        let files = [String::from("default.toml"), format!("{environment}.toml")];
        match source.config_dir() {
            Some(dir) => {
                for name in &files {
                    let path = dir.join(name);
                    let required = name == "default.toml";
                    if required && !path.is_file() {
                        return Err(SettingsError::new(
                            "",
                            format!(
                                "{} is missing; every setting starts from it",
                                path.display()
                            ),
                        ));
                    }
                    builder = builder
                        .add_source(File::from(path).format(FileFormat::Toml).required(false));
                }
            }
            None => {
                for name in &files {
                    if let Some((_, text)) = source.embedded.iter().find(|(n, _)| n == name) {
                        builder = builder.add_source(File::from_str(text, FileFormat::Toml));
                    }
                }
            }
        }
        let mut env = config::Environment::with_prefix("APP")
            .prefix_separator("__")
            .separator("__");
        let vars: HashMap<String, String> = match &source.env {
            Some(map) => map.clone(),
            None => std::env::vars().collect(),
        };
        env = env.source(Some(
            vars.into_iter()
                .filter(|(k, _)| k.starts_with("APP__"))
                .collect(),
        ));
        builder = builder.add_source(env);
        for (key, value) in &source.overrides {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .map_err(|e| SettingsError::new(key.clone(), e.to_string()))?;
        }
        let config = builder
            .build()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let root: Value = config
            .try_deserialize()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        Self::from_value(root, environment)
    }

    fn from_value(
        root: Value,
        environment: Environment,
    ) -> Result<(Settings, Vec<SettingsError>), SettingsError> {
        const CORE: [&str; 8] = [
            "debug",
            "secret_key",
            "server",
            "database",
            "log",
            "templates",
            "static",
            "metrics",
        ];
        let table = root
            .into_table()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let (core, apps): (HashMap<_, _>, BTreeMap<_, _>) = {
            let mut core = HashMap::new();
            let mut apps = BTreeMap::new();
            for (k, v) in table {
                if CORE.contains(&k.as_str()) {
                    core.insert(k, v);
                } else {
                    apps.insert(k, v);
                }
            }
            (core, apps)
        };
        let mut settings: Settings = deserialize_at(
            "",
            Value::new(None, ValueKind::Table(core.into_iter().collect())),
        )?;
        settings.environment = environment;
        settings.apps = apps;
        let problems = settings.problems();
        Ok((settings, problems))
    }

    /// Every value that is readable but invalid.
    fn problems(&self) -> Vec<SettingsError> {
        let mut problems = Vec::new();
        if self.secret_key.expose().is_empty() {
            problems.push(SettingsError::new(
                "secret_key",
                "is empty; set it to a long random value",
            ));
        }
        for (key, value) in [
            (
                "server.body_limit_bytes",
                self.server.body_limit_bytes as u64,
            ),
            (
                "server.request_timeout_seconds",
                self.server.request_timeout_seconds,
            ),
            (
                "server.header_read_timeout_seconds",
                self.server.header_read_timeout_seconds,
            ),
            (
                "server.body_read_timeout_seconds",
                self.server.body_read_timeout_seconds,
            ),
            ("server.keep_alive_seconds", self.server.keep_alive_seconds),
            ("server.max_connections", self.server.max_connections as u64),
            (
                "database.acquire_timeout_seconds",
                self.database.acquire_timeout_seconds,
            ),
            (
                "database.replica_max_lag_seconds",
                self.database.replica_max_lag_seconds,
            ),
        ] {
            if value == 0 {
                problems.push(SettingsError::new(key, "must be greater than 0"));
            }
        }
        if let Err(message) = parse_public_url(&self.server.public_url) {
            problems.push(SettingsError::new("server.public_url", message));
        }
        if self.database.url.expose().is_empty() {
            problems.push(SettingsError::new("database.url", "is empty"));
        } else if let Err(e) = Backend::from_url(self.database.url.expose()) {
            problems.push(SettingsError::new("database.url", e));
        }
        let primary = Backend::from_url(self.database.url.expose()).ok();
        for url in &self.database.replica_urls {
            match Backend::from_url(url.expose()) {
                Err(e) => problems.push(SettingsError::new("database.replica_urls", e)),
                Ok(Backend::Sqlite) => problems.push(SettingsError::new(
                    "database.replica_urls",
                    "SQLite has no replicas; list mysql:// or postgres:// replicas of the primary",
                )),
                Ok(backend) if primary.is_some_and(|p| p != backend) => {
                    problems.push(SettingsError::new(
                        "database.replica_urls",
                        "a replica must be the same kind of database as database.url",
                    ))
                }
                Ok(_) => {}
            }
        }
        if !(self.static_files.url.starts_with('/') && self.static_files.url.ends_with('/')) {
            problems.push(SettingsError::new(
                "static.url",
                "must start and end with `/`, e.g. /static/",
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            problems.push(SettingsError::new("log.level", e.to_string()));
        }
        problems
    }

    /// Reads an app's section (`[accounts]`) into its typed settings; a missing section
    /// reads as empty, so `#[serde(default)]` fields apply.
    pub fn app_section<T: DeserializeOwned>(&self, label: &str) -> Result<T, SettingsError> {
        let value = self
            .apps
            .get(label)
            .cloned()
            .unwrap_or_else(|| Value::new(None, ValueKind::Table(Default::default())));
        deserialize_at(label, value)
    }

    /// Refuses keys of an app's section that moved elsewhere (`moved`: old key in the
    /// section, new full key), naming the new key, so an old config file stops the binary
    /// with the fix rather than being silently ignored.
    pub fn refuse_moved_keys(
        &self,
        label: &str,
        moved: &[(&str, &str)],
    ) -> Result<(), SettingsError> {
        let Some(section) = self
            .apps
            .get(label)
            .and_then(|v| v.clone().into_table().ok())
        else {
            return Ok(());
        };
        match moved.iter().find(|(old, _)| section.contains_key(*old)) {
            Some((old, new)) => Err(SettingsError::new(
                format!("{label}.{old}"),
                format!("was removed; set `{new}` ({}) instead", env_var_name(new)),
            )),
            None => Ok(()),
        }
    }

    /// Top-level sections that neither the framework nor an installed app claims.
    pub fn unknown_sections<'a>(&'a self, app_labels: &[&str]) -> Vec<&'a str> {
        self.apps
            .keys()
            .map(String::as_str)
            .filter(|k| !app_labels.contains(k))
            .collect()
    }

    /// The address `serve` binds.
    pub fn bind_address(&self) -> String {
        self.address_on(self.server.port)
    }

    /// `server.host` with `port` (the metrics listener's too).
    pub fn address_on(&self, port: u16) -> String {
        if self.server.host.contains(':') && !self.server.host.starts_with('[') {
            format!("[{}]:{port}", self.server.host)
        } else {
            format!("{}:{port}", self.server.host)
        }
    }

    /// The templates folder on disk, if configured and present.
    pub fn templates_dir(&self) -> Option<&Path> {
        existing_dir(&self.templates.dir)
    }

    /// The static folder on disk, if configured and present.
    pub fn static_dir(&self) -> Option<&Path> {
        existing_dir(&self.static_files.dir)
    }
}

fn existing_dir(dir: &str) -> Option<&Path> {
    let path = Path::new(dir);
    (!dir.is_empty() && path.is_dir()).then_some(path)
}

/// Deserializes `value`, reporting the full dotted key of any problem.
pub(crate) fn deserialize_at<T: DeserializeOwned>(
    prefix: &str,
    value: Value,
) -> Result<T, SettingsError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let mut key = err.path().to_string();
        if key == "." {
            key.clear();
        }
        let mut message = err.inner().to_string();
        // "missing field `port`" belongs to the field itself, not its parent.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
            .or_else(|| {
                message
                    .strip_prefix("missing configuration field \"")
                    .and_then(|m| m.strip_suffix('"'))
            })
            .map(str::to_owned);
        if let Some(field) = missing {
            // The path may already end with the field (config's own error); don't repeat it.
            if !(key == field || key.ends_with(&format!(".{field}"))) {
                key = join_key(&key, &field);
            }
            message = "is missing".into();
        } else if message.starts_with("unknown field `") {
            // The path already ends with the unknown field.
            message = "is not a known setting (check the spelling)".into();
        }
        SettingsError::new(join_key(prefix, &key), message)
    })
}

fn join_key(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}
