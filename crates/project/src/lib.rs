//! The store project: which apps are installed, where their URLs are mounted, and the
//! files embedded in the binary. Everything else lives in the apps and the framework.

use std::borrow::Cow;

use web::{Embedded, Project};

pub mod apps;
pub mod urls;

#[derive(rust_embed::Embed)]
#[folder = "../../templates/"]
struct TemplateFiles;

#[derive(rust_embed::Embed)]
#[folder = "../../static/"]
struct StaticFiles;

/// The config files, compiled in: a release binary runs with no `config/` beside it.
static CONFIG_FILES: &[(&str, &str)] = &[
    ("default.toml", include_str!("../../../config/default.toml")),
    (
        "development.toml",
        include_str!("../../../config/development.toml"),
    ),
    ("test.toml", include_str!("../../../config/test.toml")),
    (
        "production.toml",
        include_str!("../../../config/production.toml"),
    ),
];

/// The store, composed.
pub fn project() -> Project {
    Project {
        apps: apps::installed_apps(),
        urls: urls::urlpatterns,
        migrations: migration::group,
        embedded: Embedded {
            templates: Some(|name| TemplateFiles::get(name).map(|f| f.data)),
            template_names: || TemplateFiles::iter().map(Cow::into_owned).collect(),
            static_files: Some(|path| StaticFiles::get(path).map(|f| f.data)),
            config_files: CONFIG_FILES,
        },
    }
}
