//! Field specifications: `name:type`, `name:type?` (optional), `course:fk:school.Course`.

use anyhow::{Context, Result, bail};

use super::{AppDirs, names};

/// A referenced model (`fk:catalog.Product`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub app: String,
    pub model: String,
    /// `product` (the module under `models/`).
    pub module: String,
    pub table: String,
    /// The referenced model's columns as (name, Rust type), for test fixtures.
    pub columns: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    String,
    Text,
    Int,
    BigInt,
    Bool,
    Money,
    Date,
    DateTime,
    /// An image file (the stored file's name; uploaded on the admin site).
    Image,
    /// A file: a PDF, plain text or an image (the stored file's name; uploaded on the
    /// admin site).
    File,
    ForeignKey(Reference),
}

impl Kind {
    /// Whether the column holds a stored media file's name (an image or a file).
    pub fn is_media(&self) -> bool {
        matches!(self, Kind::Image | Kind::File)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// As typed (`course`); the column of a foreign key is `course_id`.
    pub name: String,
    pub kind: Kind,
    pub optional: bool,
}

impl Field {
    /// The column and JSON name.
    pub fn column(&self) -> String {
        match self.kind {
            Kind::ForeignKey(_) => format!("{}_id", self.name),
            _ => self.name.clone(),
        }
    }
}

pub const TYPES: &str = "string, text, int, bigint, bool, money, date, datetime, image, file, fk:APP.Model (add ? for optional, e.g. age:int?; an image or file is always optional)";

/// Parses `name:type[?]`; foreign keys are resolved against the workspace's apps.
pub fn parse(spec: &str, apps: &AppDirs) -> Result<Field> {
    let (name, kind) = spec
        .split_once(':')
        .with_context(|| format!("`{spec}`: a field is `name:type`; types: {TYPES}"))?;
    names::check_field(name)?;
    let (kind, optional) = match kind.strip_suffix('?') {
        Some(k) => (k, true),
        None => (kind, false),
    };
    let kind = match kind {
        "string" => Kind::String,
        "text" => Kind::Text,
        "int" => Kind::Int,
        "bigint" => Kind::BigInt,
        "bool" => Kind::Bool,
        "money" => Kind::Money,
        "date" => Kind::Date,
        "datetime" => Kind::DateTime,
        "image" => Kind::Image,
        "file" => Kind::File,
        other => match other.strip_prefix("fk:") {
            Some(target) => Kind::ForeignKey(
                resolve(target, optional, apps).with_context(|| format!("field `{spec}`"))?,
            ),
            None => bail!("`{spec}`: unknown field type `{other}`; the types are: {TYPES}"),
        },
    };
    if optional && kind == Kind::Bool {
        bail!("`{spec}`: a bool is never optional (it is false when not set)");
    }
    // A row exists before its picture or file is uploaded (on the admin site).
    let optional = optional || kind.is_media();
    Ok(Field {
        name: name.to_string(),
        kind,
        optional,
    })
}

/// Finds `APP.Model`: `src/models/<model>.rs` (or `<model>/mod.rs`, a model split into
/// parts) of the app's crate ([`AppDirs::dir`]) with its table name and columns.
fn resolve(target: &str, optional: bool, apps: &AppDirs) -> Result<Reference> {
    let (app, model) = target.split_once('.').with_context(|| {
        format!("`fk:{target}`: write the target as APP.Model, e.g. fk:catalog.Product")
    })?;
    names::check_model(model)?;
    let module = names::snake(model);
    let models = apps.dir(app).join("src/models");
    let path = [format!("{module}.rs"), format!("{module}/mod.rs")]
        .iter()
        .map(|file| models.join(file))
        .find(|path| path.is_file())
        .unwrap_or_else(|| models.join(format!("{module}.rs")));
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "`fk:{target}`: there is no model file {} (is `{app}` an app with a `{model}` model?)",
            path.display()
        )
    })?;
    let table = regex::Regex::new(r#"table_name\s*=\s*"([^"]+)""#)
        .expect("valid regex")
        .captures(&source)
        .map(|c| c[1].to_string())
        .with_context(|| format!("{}: no `#[sea_orm(table_name = …)]`", path.display()))?;
    let columns = model_columns(&source)
        .with_context(|| format!("{}: cannot read the `Model` struct", path.display()))?;
    if !columns.iter().any(|(n, t)| n == "id" && t == "i64") {
        bail!("`fk:{target}`: the model has no `id: i64` primary key");
    }
    if !optional {
        // The generated tests create a referenced row; that needs plain columns.
        for (name, ty) in &columns {
            let plain = matches!(
                ty.as_str(),
                "String" | "i32" | "i64" | "bool" | "TimeDateTimeWithTimeZone"
            ) || ty.starts_with("Option <");
            if !plain || (name.ends_with("_id") && !ty.starts_with("Option <")) {
                bail!(
                    "`fk:{target}`: its column `{name}: {ty}` is not one the generated tests can fill in; make the field optional (`fk:{target}?`)"
                );
            }
        }
    }
    Ok(Reference {
        app: app.to_string(),
        model: model.to_string(),
        module,
        table,
        columns,
    })
}

/// The fields of `pub struct Model` as (name, type as tokens).
fn model_columns(source: &str) -> Result<Vec<(String, String)>> {
    let file = syn::parse_file(source)?;
    for item in file.items {
        if let syn::Item::Struct(s) = item
            && s.ident == "Model"
        {
            return Ok(s
                .fields
                .iter()
                .filter_map(|f| {
                    let ty = &f.ty;
                    Some((f.ident.as_ref()?.to_string(), quote_type(ty)))
                })
                .collect());
        }
    }
    bail!("no `pub struct Model`")
}

fn quote_type(ty: &syn::Type) -> String {
    quote::quote!(#ty).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The apps of the workspace at `root`.
    fn apps_of(root: &std::path::Path) -> AppDirs {
        let workspace = crate::read(root, "Cargo.toml").unwrap().parse().unwrap();
        AppDirs::of(root, &workspace)
    }

    fn workspace() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
    }

    /// This workspace's apps.
    fn root() -> AppDirs {
        apps_of(&workspace())
    }

    #[test]
    fn simple_types() {
        let f = parse("age:int?", &root()).unwrap();
        assert_eq!(
            (f.name.as_str(), &f.kind, f.optional),
            ("age", &Kind::Int, true)
        );
        assert_eq!(parse("fee:money", &root()).unwrap().kind, Kind::Money);
        assert!(
            parse("age:integer", &root())
                .unwrap_err()
                .to_string()
                .contains("unknown field type")
        );
        assert!(parse("age", &root()).is_err());
        assert!(parse("id:int", &root()).is_err());
        assert!(parse("flag:bool?", &root()).is_err());
    }

    #[test]
    fn foreign_keys_resolve_against_the_workspace() {
        let f = parse("product:fk:catalog.Product", &root()).unwrap();
        assert_eq!(f.column(), "product_id");
        let Kind::ForeignKey(r) = f.kind else {
            panic!()
        };
        assert_eq!(
            (r.app.as_str(), r.module.as_str(), r.table.as_str()),
            ("catalog", "product", "products")
        );
        assert!(parse("x:fk:catalog.Widget", &root()).is_err());
        assert!(parse("x:fk:Product", &root()).is_err());
        assert!(parse("owner:fk:accounts.User", &root()).is_ok());
        // Orders reference users themselves: only an optional reference is generated.
        assert!(parse("order:fk:payments.Order", &root()).is_err());
        assert!(parse("order:fk:payments.Order?", &root()).is_ok());
    }

    #[test]
    fn a_reusable_app_is_found_where_the_workspace_takes_it() {
        // A project made by startproject: `accounts` is a path dependency, not crates/accounts.
        let project = tempfile::tempdir().unwrap();
        let accounts = workspace().join("crates/accounts").canonicalize().unwrap();
        std::fs::write(
            project.path().join("Cargo.toml"),
            format!(
                "[workspace]\nmembers = []\n\n[workspace.dependencies]\naccounts = {{ path = \"{}\" }}\n",
                accounts.display()
            ),
        )
        .unwrap();
        let apps = apps_of(project.path());
        let f = parse("owner:fk:accounts.User?", &apps).unwrap();
        let Kind::ForeignKey(r) = f.kind else {
            panic!()
        };
        assert_eq!(r.table, "users");
        let missing = parse("x:fk:catalog.Product", &apps).unwrap_err();
        assert!(
            format!("{missing:#}").contains("no model file"),
            "{missing:#}"
        );
    }
}
