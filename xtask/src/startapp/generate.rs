//! The files of a new app. Templates are plain text with `__placeholders__`; the code
//! that depends on the fields is built per field kind below.

use super::fields::{Field, Kind};
use super::names;

/// Everything the templates need.
pub struct Spec {
    pub app: String,
    pub app_struct: String,
    pub model: Option<ModelSpec>,
    /// Labels of the apps this one depends on (accounts, referenced apps).
    pub dependencies: Vec<String>,
    /// Apps the tests install, as written in `apps.rs` (`accounts::Accounts`).
    pub test_apps: Vec<String>,
    /// URL includes the tests need: (prefix, call).
    pub test_includes: Vec<(String, String)>,
    pub migration: String,
}

pub struct ModelSpec {
    /// `Student`
    pub name: String,
    /// `student`
    pub module: String,
    /// `students`
    pub table: String,
    pub fields: Vec<Field>,
}

fn fill(template: &str, spec: &Spec) -> String {
    let mut out = template
        .replace("__app__", &spec.app)
        .replace("__App__", &spec.app_struct)
        .replace("__app_title__", &names::title(&spec.app));
    if let Some(m) = &spec.model {
        out = out
            .replace("__Model__", &m.name)
            .replace("__model__", &m.module)
            .replace("__models__", &m.table)
            .replace("__Models__", &names::camel(&m.table))
            .replace("__model_title__", &names::title(&m.module))
            .replace("__models_title__", &names::title(&m.table));
    }
    out.replace("__migration__", &spec.migration)
}

/// (path relative to the workspace, contents) of every new file.
pub fn files(spec: &Spec) -> Vec<(String, String)> {
    let a = &spec.app;
    let mut files = vec![
        (format!("crates/{a}/Cargo.toml"), cargo_toml(spec)),
        (format!("crates/{a}/src/lib.rs"), lib_rs(spec)),
        (
            format!("crates/{a}/src/views/mod.rs"),
            fill(VIEWS_MOD, spec),
        ),
        (format!("crates/{a}/tests/it/main.rs"), tests_main(spec)),
        (format!("migration/src/{a}/mod.rs"), migration_mod(spec)),
    ];
    match &spec.model {
        None => {
            files.push((format!("crates/{a}/src/urls.rs"), fill(PLAIN_URLS, spec)));
            files.push((
                format!("crates/{a}/src/models/mod.rs"),
                fill(PLAIN_MODELS, spec),
            ));
            files.push((format!("crates/{a}/src/forms.rs"), fill(PLAIN_FORMS, spec)));
            files.push((
                format!("crates/{a}/src/views/api.rs"),
                fill(PLAIN_API, spec),
            ));
            files.push((
                format!("crates/{a}/src/views/pages.rs"),
                fill(PLAIN_PAGES, spec),
            ));
            files.push((
                format!("crates/{a}/tests/it/api.rs"),
                fill(PLAIN_API_TESTS, spec),
            ));
            files.push((
                format!("crates/{a}/tests/it/pages.rs"),
                fill(PLAIN_PAGE_TESTS, spec),
            ));
            files.push((
                format!("templates/{a}/index.html"),
                fill(PLAIN_INDEX_HTML, spec),
            ));
        }
        Some(m) => {
            let module = &m.module;
            files.push((format!("crates/{a}/src/urls.rs"), fill(MODEL_URLS, spec)));
            files.push((format!("crates/{a}/src/models/mod.rs"), fill("//! The `__app__` app's tables and the queries on them.\n\npub mod __model__;\n", spec)));
            files.push((
                format!("crates/{a}/src/models/{module}.rs"),
                model_rs(spec, m),
            ));
            files.push((format!("crates/{a}/src/forms.rs"), forms_rs(spec, m)));
            files.push((
                format!("crates/{a}/src/views/api.rs"),
                fill(MODEL_API, spec),
            ));
            files.push((
                format!("crates/{a}/src/views/pages.rs"),
                fill(MODEL_PAGES, spec),
            ));
            files.push((format!("crates/{a}/src/admin.rs"), admin_rs(spec, m)));
            files.push((
                format!("crates/{a}/tests/it/admin.rs"),
                admin_tests(spec, m),
            ));
            files.push((format!("crates/{a}/tests/it/api.rs"), api_tests(spec, m)));
            files.push((format!("crates/{a}/tests/it/pages.rs"), page_tests(spec, m)));
            files.push((
                format!("templates/{a}/{module}_list.html"),
                list_html(spec, m),
            ));
            files.push((
                format!("templates/{a}/{module}_detail.html"),
                detail_html(spec, m),
            ));
            files.push((
                format!("templates/{a}/{module}_form.html"),
                form_html(spec, m),
            ));
            files.push((
                format!("migration/src/{a}/{}.rs", spec.migration),
                migration_rs(spec, m),
            ));
        }
    }
    files
}

fn referenced_apps(spec: &Spec) -> Vec<String> {
    let mut apps: Vec<String> = spec
        .model
        .iter()
        .flat_map(|m| m.fields.iter())
        .filter_map(|f| match &f.kind {
            Kind::ForeignKey(r) if r.app != "accounts" => Some(r.app.clone()),
            _ => None,
        })
        .collect();
    apps.sort();
    apps.dedup();
    apps
}

fn cargo_toml(spec: &Spec) -> String {
    let mut deps = String::from("web.workspace = true\naccounts.workspace = true\n");
    for app in referenced_apps(spec) {
        deps.push_str(&format!("{app}.workspace = true\n"));
    }
    deps.push_str("utoipa.workspace = true\naxum.workspace = true\nhttp.workspace = true\nserde.workspace = true\nserde_json.workspace = true\nsea-orm.workspace = true\ntime.workspace = true\nasync-trait.workspace = true\n");
    fill(
        "[package]\nname = \"__app__\"\nversion = \"0.1.0\"\ndescription = \"The __app__ app.\"\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n[dependencies]\n",
        spec,
    ) + &deps
        + "\n[dev-dependencies]\nweb = { workspace = true, features = [\"testing\"] }\naccounts = { workspace = true, features = [\"testing\"] }\nmigration.workspace = true\ntokio.workspace = true\n"
}

fn lib_rs(spec: &Spec) -> String {
    let deps = spec
        .dependencies
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let lib = fill(LIB, spec).replace("__dependencies__", &deps);
    match &spec.model {
        // The model is registered with the admin site.
        Some(_) => lib
            .replace("use async_trait::async_trait;", "use std::sync::Arc;\n\nuse async_trait::async_trait;")
            .replace("pub mod forms;", "pub mod admin;\npub mod forms;")
            .replace(
                "    fn urls(&self) -> Urls {\n        urls()\n    }\n",
                &fill("    fn urls(&self) -> Urls {\n        urls()\n    }\n\n    fn model_admins(&self) -> Vec<Arc<dyn web::admin::ModelAdmin>> {\n        vec![Arc::new(admin::__Model__Admin)]\n    }\n", spec),
            ),
        None => lib,
    }
}

fn migration_mod(spec: &Spec) -> String {
    match &spec.model {
        None => fill(
            "//! The `__app__` app's tables (none yet).\n\nuse sea_orm_migration::MigrationTrait;\n\npub fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n    vec![]\n}\n",
            spec,
        ),
        Some(_) => fill(
            "//! The `__app__` app's tables.\n\nuse sea_orm_migration::MigrationTrait;\n\nmod __migration__;\n\npub fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n    vec![Box::new(__migration__::Migration)]\n}\n",
            spec,
        ),
    }
}

fn tests_main(spec: &Spec) -> String {
    let mut apps: Vec<String> = spec
        .test_apps
        .iter()
        .map(|a| format!("            Arc::new({a}),"))
        .collect();
    apps.push(fill("            Arc::new(__app__::__App__),", spec));
    let mut includes: Vec<String> = spec
        .test_includes
        .iter()
        .map(|(prefix, call)| format!("                .include(\"{prefix}\", {call})"))
        .collect();
    includes.push(fill(
        "                .include(\"/__app__\", __app__::urls())",
        spec,
    ));
    let mods = if spec.model.is_some() {
        "mod admin;\nmod api;\nmod pages;"
    } else {
        "mod api;\nmod pages;"
    };
    let mut out = fill(TESTS_MAIN, spec)
        .replace("mod api;\nmod pages;", mods)
        .replace("__test_apps__", &apps.join("\n"))
        .replace("__test_includes__", &includes.join("\n"));
    if let Some(m) = &spec.model {
        out.push_str(&fixtures(m));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Field-dependent code of the model case.

fn rust_type(f: &Field) -> String {
    let base = match &f.kind {
        Kind::String | Kind::Text => "String",
        Kind::Int => "i32",
        Kind::BigInt | Kind::Money | Kind::ForeignKey(_) => "i64",
        Kind::Bool => "bool",
        Kind::Date => "TimeDate",
        Kind::DateTime => "TimeDateTimeWithTimeZone",
    };
    if f.optional {
        format!("Option<{base}>")
    } else {
        base.to_string()
    }
}

fn input_type(f: &Field) -> &'static str {
    match f.kind {
        Kind::String | Kind::Text | Kind::Date | Kind::DateTime => "String",
        Kind::Bool => "bool",
        _ => "i64",
    }
}

fn model_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut columns = String::new();
    let mut fields = String::new();
    let mut changes = String::new();
    let mut set_create = String::new();
    let mut set_update = String::new();
    let mut into_fields = String::new();
    let mut form_values = String::new();
    let mut reference_checks = String::new();
    for f in &m.fields {
        let col = f.column();
        let ty = rust_type(f);
        match (&f.kind, f.optional) {
            (Kind::Text, false) => columns.push_str("    #[sea_orm(column_type = \"Text\")]\n"),
            (Kind::Text, true) => {
                columns.push_str("    #[sea_orm(column_type = \"Text\", nullable)]\n")
            }
            (Kind::Date, false) => columns.push_str("    #[serde(with = \"web::forms::date\")]\n    #[schema(value_type = String, format = Date)]\n"),
            (Kind::Date, true) => {
                columns.push_str("    #[serde(with = \"web::forms::date::option\")]\n    #[schema(value_type = Option<String>, format = Date)]\n")
            }
            (Kind::DateTime, false) => {
                columns.push_str("    #[serde(with = \"web::db::timestamp\")]\n    #[schema(value_type = String, format = DateTime)]\n")
            }
            (Kind::DateTime, true) => {
                columns.push_str("    #[serde(with = \"web::db::timestamp::option\")]\n    #[schema(value_type = Option<String>, format = DateTime)]\n")
            }
            _ => {}
        }
        columns.push_str(&format!("    pub {col}: {ty},\n"));
        fields.push_str(&format!("    pub {col}: {ty},\n"));
        // Optional fields are `Option<Option<T>>` here: "unchanged" versus "set to null".
        let change_ty = format!("Option<{ty}>");
        changes.push_str(&format!("    pub {col}: {change_ty},\n"));
        set_create.push_str(&format!("        {col}: Set(fields.{col}),\n"));
        set_update.push_str(&format!(
            "    if let Some(value) = changes.{col} {{\n        row.{col} = Set(value);\n    }}\n"
        ));
        into_fields.push_str(&match (&f.kind, f.optional) {
            (Kind::Bool, _) => format!("            {col}: self.{col}.unwrap_or(false),\n"),
            (_, true) => format!("            {col}: self.{col}.unwrap_or(None),\n"),
            (_, false) => format!("            {col}: self.{col}?,\n"),
        });
        let value = match (&f.kind, f.optional) {
            (Kind::String | Kind::Text, false) => format!("m.{col}.clone()"),
            (Kind::String | Kind::Text, true) => format!("m.{col}.clone().unwrap_or_default()"),
            (Kind::Bool, _) => format!("if m.{col} {{ \"on\".into() }} else {{ String::new() }}"),
            (Kind::Date, false) => format!("web::forms::date::format(&m.{col})"),
            (Kind::Date, true) => {
                format!("m.{col}.map(|d| web::forms::date::format(&d)).unwrap_or_default()")
            }
            (Kind::DateTime, false) => {
                format!("web::db::timestamp::format(&m.{col})[..16].to_string()")
            }
            (Kind::DateTime, true) => format!(
                "m.{col}.map(|t| web::db::timestamp::format(&t)[..16].to_string()).unwrap_or_default()"
            ),
            (_, false) => format!("m.{col}.to_string()"),
            (_, true) => format!("m.{col}.map(|v| v.to_string()).unwrap_or_default()"),
        };
        form_values.push_str(&format!("        (\"{col}\", {value}),\n"));
        if let Kind::ForeignKey(r) = &f.kind {
            let pattern = if f.optional {
                "Some(Some(id))"
            } else {
                "Some(id)"
            };
            reference_checks.push_str(&format!(
                "    if let {pattern} = changes.{col}\n        && {app}::models::{module}::Entity::find_by_id(id).one(db).await?.is_none()\n    {{\n        errors.insert(\"{col}\".into(), vec![\"No {app}.{model} has this id.\".into()]);\n    }}\n",
                app = r.app,
                module = r.module,
                model = r.model
            ));
        }
    }
    let (db_arg, changes_arg) = if reference_checks.is_empty() {
        ("_db", "_changes")
    } else {
        ("db", "changes")
    };
    fill(MODEL_RS, spec)
        .replace("__columns__", &columns)
        .replace("__fields__", &fields)
        .replace("__changes__", &changes)
        .replace("__set_create__", &set_create)
        .replace("__set_update__", &set_update)
        .replace("__into_fields__", &into_fields)
        .replace("__form_values__", &form_values)
        .replace("__reference_checks__", &reference_checks)
        .replace("__db_arg__", db_arg)
        .replace("__changes_arg__", changes_arg)
}

/// Checks one raw value `raw` of field `f`, giving `Option<T>` (failures recorded on `v`).
fn convert(f: &Field) -> String {
    let col = f.column();
    match &f.kind {
        Kind::String => format!("v.text(\"{col}\", Some(raw), 200)"),
        Kind::Text => format!("v.text(\"{col}\", Some(raw), 100_000)"),
        Kind::Int => format!(
            "match i32::try_from(raw) {{\n                Ok(n) => Some(n),\n                Err(_) => {{\n                    v.fail(\"{col}\", \"Must be an integer from -2147483648 to 2147483647.\");\n                    None\n                }}\n            }}"
        ),
        Kind::BigInt | Kind::Bool => "Some(raw)".to_string(),
        Kind::Money => format!(
            "{{\n                v.at_least(\"{col}\", Some(raw), 0);\n                Some(raw)\n            }}"
        ),
        Kind::ForeignKey(_) => format!(
            "{{\n                v.at_least(\"{col}\", Some(raw), 1);\n                Some(raw)\n            }}"
        ),
        Kind::Date => format!(
            "{{\n                let parsed = web::forms::date::parse(&raw);\n                if parsed.is_none() {{\n                    v.fail(\"{col}\", \"Enter a date like 2026-01-31.\");\n                }}\n                parsed\n            }}"
        ),
        Kind::DateTime => format!(
            "{{\n                let parsed = web::forms::parse_datetime(&raw);\n                if parsed.is_none() {{\n                    v.fail(\"{col}\", \"Enter a date and time like 2026-01-31T12:00:00Z.\");\n                }}\n                parsed\n            }}"
        ),
    }
}

fn forms_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut input = String::new();
    let mut checks = String::new();
    let mut from_form = String::new();
    for f in &m.fields {
        let col = f.column();
        input.push_str(&format!(
            "    #[serde(default, deserialize_with = \"explicit\")]\n    #[schema({})]\n    pub {col}: Option<Option<{}>>,\n",
            input_schema(f),
            input_type(f)
        ));
        let blank_is_null = matches!(f.kind, Kind::String | Kind::Text);
        if f.optional {
            let empty = if blank_is_null {
                "\n            Some(Some(raw)) if raw.trim().is_empty() => changes.__col__ = Some(None),".replace("__col__", &col)
            } else {
                String::new()
            };
            checks.push_str(&format!(
                "        match self.{col} {{\n            None => {{}}\n            Some(None) => changes.{col} = Some(None),{empty}\n            Some(Some(raw)) => {{\n                if let Some(value) = {convert} {{\n                    changes.{col} = Some(Some(value));\n                }}\n            }}\n        }}\n",
                convert = convert(f)
            ));
        } else {
            let required = if f.kind == Kind::Bool {
                "false"
            } else {
                "creating"
            };
            checks.push_str(&format!(
                "        if let Some(raw) = v.required(\"{col}\", self.{col}, {required}) {{\n            changes.{col} = {convert};\n        }}\n",
                convert = convert(f)
            ));
        }
        from_form.push_str(&match &f.kind {
            Kind::String | Kind::Text => format!("            {col}: form.get(\"{col}\").map(|s| Some(s.clone())),\n"),
            Kind::Bool => format!("            {col}: Some(Some(form.get(\"{col}\").is_some_and(|s| s == \"on\" || s == \"true\"))),\n"),
            Kind::Date => format!("            {col}: text_value(&mut v, \"{col}\", form.get(\"{col}\"), {}),\n", !f.optional),
            Kind::DateTime => format!("            {col}: text_value(&mut v, \"{col}\", form.get(\"{col}\"), {}).map(|o| o.map(local_datetime)),\n", !f.optional),
            _ => format!("            {col}: number_value(&mut v, \"{col}\", form.get(\"{col}\"), {}),\n", !f.optional),
        });
    }
    let required = required_fields(m);
    fill(FORMS_RS, spec)
        .replace("__required__", &required.join(", "))
        .replace("__input__", &input)
        .replace("__checks__", &checks)
        .replace("__from_form__", &from_form)
}

/// The fields a new row must be given, quoted: `"name", "age"` (a `bool` defaults to false).
fn required_fields(m: &ModelSpec) -> Vec<String> {
    m.fields
        .iter()
        .filter(|f| !f.optional && f.kind != Kind::Bool)
        .map(|f| format!("\"{}\"", f.column()))
        .collect()
}

/// The OpenAPI attributes of an input field, matching what `convert` accepts.
fn input_schema(f: &Field) -> String {
    let (ty, extra) = match f.kind {
        Kind::String => ("String", ", max_length = 200"),
        Kind::Text => ("String", ", max_length = 100000"),
        Kind::Int => ("i32", ""),
        Kind::BigInt => ("i64", ""),
        Kind::Money => ("i64", ", minimum = 0"),
        Kind::ForeignKey(_) => ("i64", ", minimum = 1"),
        Kind::Bool => ("bool", ""),
        Kind::Date => ("String", ", format = Date"),
        Kind::DateTime => ("String", ", format = DateTime"),
    };
    if f.optional {
        format!("value_type = Option<{ty}>{extra}")
    } else {
        format!("value_type = {ty}{extra}")
    }
}

fn html_input(f: &Field) -> String {
    let col = f.column();
    let label = names::title(&f.name);
    let label = if matches!(f.kind, Kind::ForeignKey(_)) {
        format!("{label} (id)")
    } else {
        label
    };
    let required = if f.optional || f.kind == Kind::Bool {
        ""
    } else {
        " required"
    };
    let control = match f.kind {
        Kind::Text => format!(
            "<textarea name=\"{col}\" id=\"id_{col}\" rows=\"4\"{required}>{{{{ values.{col} }}}}</textarea>"
        ),
        Kind::Bool => format!(
            "<input type=\"checkbox\" name=\"{col}\" id=\"id_{col}\"{{% if values.{col} %}} checked{{% endif %}}>"
        ),
        _ => {
            let ty = match f.kind {
                Kind::Int | Kind::BigInt | Kind::Money | Kind::ForeignKey(_) => "number",
                Kind::Date => "date",
                Kind::DateTime => "datetime-local",
                _ => "text",
            };
            format!(
                "<input type=\"{ty}\" name=\"{col}\" id=\"id_{col}\" value=\"{{{{ values.{col} }}}}\"{required}>"
            )
        }
    };
    format!(
        "  <label>{label}\n    {control}\n    {{{{ errors_for(errors, \"{col}\") }}}}\n  </label>\n"
    )
}

fn display(f: &Field, var: &str) -> String {
    let col = f.column();
    match f.kind {
        Kind::Money => format!("{{{{ {var}.{col}|money if {var}.{col} is not none else \"—\" }}}}"),
        Kind::Bool => format!("{{{{ \"yes\" if {var}.{col} else \"no\" }}}}"),
        _ => format!("{{{{ {var}.{col} if {var}.{col} is not none else \"—\" }}}}"),
    }
}

fn list_html(spec: &Spec, m: &ModelSpec) -> String {
    let shown: Vec<&Field> = m.fields.iter().take(4).collect();
    let headers: String = shown
        .iter()
        .map(|f| format!("<th>{}</th>", names::title(&f.name)))
        .collect();
    let cells: String = shown
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i == 0 {
                format!("<td><a href=\"{{{{ url(\"__app__:__model___detail\", id=item.id) }}}}\">{}</a></td>", display(f, "item"))
            } else {
                format!("<td>{}</td>", display(f, "item"))
            }
        })
        .collect();
    fill(
        &LIST_HTML
            .replace("__headers__", &headers)
            .replace("__cells__", &cells),
        spec,
    )
}

fn detail_html(spec: &Spec, m: &ModelSpec) -> String {
    let rows: String = m
        .fields
        .iter()
        .map(|f| {
            format!(
                "  <tr><th>{}</th><td>{}</td></tr>\n",
                names::title(&f.name),
                display(f, "item")
            )
        })
        .collect();
    fill(&DETAIL_HTML.replace("__rows__", &rows), spec)
}

fn form_html(spec: &Spec, m: &ModelSpec) -> String {
    let inputs: String = m.fields.iter().map(html_input).collect();
    fill(&FORM_HTML.replace("__inputs__", &inputs), spec)
}

fn migration_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut idens = String::new();
    let mut columns = String::new();
    let mut foreign_keys = String::new();
    let mut indexes = String::new();
    for f in &m.fields {
        let col = f.column();
        let variant = names::camel(&col);
        idens.push_str(&format!(
            "    #[sea_orm(iden = \"{col}\")]\n    {variant},\n"
        ));
        let null = if f.optional { "null()" } else { "not_null()" };
        let table = names::camel(&m.table);
        columns.push_str(&match &f.kind {
            Kind::String => format!("                    .col(ColumnDef::new({table}::{variant}).string_len(200).{null})\n"),
            Kind::Text => format!("                    .col(ColumnDef::new({table}::{variant}).text().{null})\n"),
            Kind::Int => format!("                    .col(ColumnDef::new({table}::{variant}).integer().{null})\n"),
            Kind::BigInt | Kind::ForeignKey(_) => format!("                    .col(ColumnDef::new({table}::{variant}).big_integer().{null})\n"),
            Kind::Bool => format!("                    .col(ColumnDef::new({table}::{variant}).boolean().not_null().default(false))\n"),
            Kind::Money => format!(
                "                    .col(ColumnDef::new({table}::{variant}).big_integer().{null}.check(Expr::col({table}::{variant}).gte(0)))\n"
            ),
            Kind::Date => format!("                    .col(ColumnDef::new({table}::{variant}).date().{null})\n"),
            Kind::DateTime if f.optional => format!("                    .col(timestamp_null(manager, {table}::{variant}))\n"),
            Kind::DateTime => format!("                    .col(timestamp(manager, {table}::{variant}))\n"),
        });
        if let Kind::ForeignKey(r) = &f.kind {
            foreign_keys.push_str(&format!(
                "                    .foreign_key(\n                        ForeignKey::create()\n                            .name(\"{t}_{col}\")\n                            .from({table}::Table, {table}::{variant})\n                            .to(Alias::new(\"{target}\"), Alias::new(\"id\"))\n                            .on_delete(ForeignKeyAction::Restrict),\n                    )\n",
                t = m.table,
                target = r.table
            ));
            indexes.push_str(&format!(
                "        manager\n            .create_index(Index::create().name(\"{t}_{col}\").table({table}::Table).col({table}::{variant}).to_owned())\n            .await?;\n",
                t = m.table
            ));
        }
    }
    let uses_null = m
        .fields
        .iter()
        .any(|f| f.kind == Kind::DateTime && f.optional);
    let imports = if uses_null {
        "id, timestamp, timestamp_null"
    } else {
        "id, timestamp"
    };
    fill(MIGRATION_RS, spec)
        .replace("__imports__", imports)
        .replace("__idens__", &idens)
        .replace("__columns__", &columns)
        .replace("__foreign_keys__", &foreign_keys)
        .replace("__fk_indexes__", &indexes)
}

// ---------------------------------------------------------------------------------------
// Tests of the model case: sample values per field kind.

/// (valid JSON, changed JSON, invalid JSON, form value, text shown on a page).
fn samples(f: &Field) -> (String, String, String, String, String) {
    let col = f.column();
    let s = |v: &str| v.to_string();
    match &f.kind {
        Kind::String => (
            format!("\"Sample {col}\""),
            s("\"Changed\""),
            s("\"   \""),
            format!("Sample {col}"),
            format!("Sample {col}"),
        ),
        Kind::Text => (
            format!("\"Some text about {col}\""),
            s("\"Other text\""),
            s("\"\""),
            format!("Some text about {col}"),
            format!("Some text about {col}"),
        ),
        Kind::Int => (s("42"), s("7"), s("\"forty\""), s("42"), s("42")),
        Kind::BigInt => (
            s("1234567890123_i64"),
            s("9"),
            s("\"many\""),
            s("1234567890123"),
            s("1234567890123"),
        ),
        Kind::Bool => (s("true"), s("false"), s("\"yes\""), s("on"), s("yes")),
        Kind::Money => (s("1999"), s("2500"), s("-1"), s("1999"), s("$19.99")),
        Kind::Date => (
            s("\"2026-01-31\""),
            s("\"2026-02-01\""),
            s("\"31/01/2026\""),
            s("2026-01-31"),
            s("2026-01-31"),
        ),
        Kind::DateTime => (
            s("\"2026-01-31T12:00:00.000000Z\""),
            s("\"2026-02-01T08:30:00.000000Z\""),
            s("\"yesterday\""),
            s("2026-01-31T12:00"),
            s("2026-01-31T12:00:00.000000Z"),
        ),
        Kind::ForeignKey(_) => (
            format!("{}(app).await", fixture_name(f)),
            format!("{}(app).await", fixture_name(f)),
            s("0"),
            String::new(),
            String::new(),
        ),
    }
}

fn fixture_name(f: &Field) -> String {
    format!("create_{}", f.name)
}

/// Test helpers creating the rows required foreign keys point at.
fn fixtures(m: &ModelSpec) -> String {
    let mut out = String::new();
    for f in m.fields.iter().filter(|f| !f.optional) {
        let Kind::ForeignKey(r) = &f.kind else {
            continue;
        };
        let mut sets = String::new();
        for (name, ty) in &r.columns {
            let value = match ty.as_str() {
                _ if name == "id" => continue,
                "String" => format!("Set(format!(\"{}{{n}}\", n = unique()))", &name[..1]),
                "i32" | "i64" => "Set(1)".to_string(),
                "bool" => "Set(true)".to_string(),
                "TimeDateTimeWithTimeZone" => "Set(web::db::now())".to_string(),
                t if t.starts_with("Option <") => "Set(None)".to_string(),
                _ => continue,
            };
            sets.push_str(&format!("        {name}: {value},\n"));
        }
        out.push_str(&format!(
            "\n/// A `{app}.{model}` row for `{col}` to point at.\npub async fn {fixture}(app: &TestApp) -> i64 {{\n    use sea_orm::{{ActiveModelTrait, ActiveValue::NotSet, Set}};\n    let row = {app}::models::{module}::ActiveModel {{\n        id: NotSet,\n{sets}    }};\n    row.insert(app.db()).await.unwrap().id\n}}\n",
            app = r.app,
            model = r.model,
            module = r.module,
            col = f.column(),
            fixture = fixture_name(f)
        ));
    }
    if !out.is_empty() {
        out.push_str("\n/// A small number never used twice in this test binary (for unique columns).\nfn unique() -> usize {\n    use std::sync::atomic::{AtomicUsize, Ordering};\n    static NEXT: AtomicUsize = AtomicUsize::new(1);\n    NEXT.fetch_add(1, Ordering::Relaxed)\n}\n");
    }
    out
}

/// The field the update and invalid-input tests change: the first that is not a
/// reference or a bool.
fn probe(m: &ModelSpec) -> &Field {
    m.fields
        .iter()
        .find(|f| !matches!(f.kind, Kind::ForeignKey(_) | Kind::Bool))
        .unwrap_or(&m.fields[0])
}

fn api_tests(spec: &Spec, m: &ModelSpec) -> String {
    let mut body = String::new();
    let mut checks = String::new();
    for f in m
        .fields
        .iter()
        .filter(|f| !(f.optional && matches!(f.kind, Kind::ForeignKey(_))))
    {
        let (valid, ..) = samples(f);
        let col = f.column();
        body.push_str(&format!("        \"{col}\": {valid},\n"));
        if !matches!(f.kind, Kind::ForeignKey(_)) {
            let expected = valid.clone();
            checks.push_str(&format!(
                "    assert_eq!(created[\"{col}\"], json!({expected}), \"{col}\");\n"
            ));
        }
    }
    let required = required_fields(m);
    let p = probe(m);
    let (_, changed, invalid, ..) = samples(p);
    let uses_app = m
        .fields
        .iter()
        .any(|f| matches!(f.kind, Kind::ForeignKey(_)) && !f.optional);
    let mut out = fill(MODEL_API_TESTS, spec)
        .replace("__app_param__", if uses_app { "app" } else { "_app" })
        .replace("__valid_body__", &body)
        .replace("__checks__", &checks)
        .replace("__probe__", &p.column())
        .replace("__changed__", &changed)
        .replace("__invalid__", &invalid);
    if !required.is_empty() {
        out.push_str(
            &fill(MODEL_API_REQUIRED_TEST, spec).replace("__required__", &required.join(", ")),
        );
    }
    if !p.optional && p.kind != Kind::Bool {
        out.push_str(&fill(MODEL_API_NULL_TEST, spec).replace("__probe__", &p.column()));
    }
    out
}

/// A valid HTML form for the model, as test code: the lines creating the rows its
/// required references point at, and the `(name, value)` pairs.
fn valid_form(m: &ModelSpec) -> (String, String) {
    let mut fields = String::new();
    let mut setup = String::new();
    for f in &m.fields {
        let col = f.column();
        match &f.kind {
            Kind::ForeignKey(_) if f.optional => {}
            Kind::ForeignKey(_) => {
                setup.push_str(&format!(
                    "    let {col} = {}(&app).await.to_string();\n",
                    fixture_name(f)
                ));
                fields.push_str(&format!("            (\"{col}\", {col}.as_str()),\n"));
            }
            _ => {
                let (.., form, _) = samples(f);
                fields.push_str(&format!("            (\"{col}\", \"{form}\"),\n"));
            }
        }
    }
    (setup, fields)
}

fn page_tests(spec: &Spec, m: &ModelSpec) -> String {
    let (setup, fields) = valid_form(m);
    let shown = m
        .fields
        .iter()
        .find(|f| !matches!(f.kind, Kind::ForeignKey(_)))
        .map(|f| samples(f).4)
        .unwrap_or_default();
    let p = probe(m);
    let (.., probe_form, _) = samples(p);
    fill(MODEL_PAGE_TESTS, spec)
        .replace("__setup__", &setup)
        .replace("__form_fields__", &fields)
        .replace("__shown__", &shown)
        .replace("__probe__", &p.column())
        .replace("__probe_form__", &probe_form)
}

/// The model's admin: list columns and sorting for every field, search over its text
/// fields, a filter per bool, and the form from the app's own validation.
fn admin_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut columns = String::new();
    let mut sort = String::new();
    let mut search = Vec::new();
    let mut search_names = Vec::new();
    let mut filters = Vec::new();
    let mut filter_specs = Vec::new();
    let mut checkboxes = Vec::new();
    let mut fields = String::new();
    for f in &m.fields {
        let col = f.column();
        let variant = names::camel(&col);
        let label = names::title(&f.name);
        let label = if matches!(f.kind, Kind::ForeignKey(_)) {
            format!("{label} (id)")
        } else {
            label
        };
        columns.push_str(&format!(
            "            Column::new(\"{col}\", \"{label}\"),\n"
        ));
        sort.push_str(&format!("            (\"{col}\", C::{variant}),\n"));
        let kind = match f.kind {
            Kind::String => "Text",
            Kind::Text => "TextArea",
            Kind::Bool => "Checkbox",
            Kind::Int | Kind::BigInt | Kind::Money | Kind::ForeignKey(_) => "Integer",
            Kind::Date | Kind::DateTime => "Text",
        };
        let help = match f.kind {
            Kind::Money => ".help(\"In cents.\")",
            Kind::Date => ".help(\"Like 2026-01-31.\")",
            Kind::DateTime => ".help(\"Like 2026-01-31T12:00:00Z.\")",
            _ => "",
        };
        fields.push_str(&format!(
            "            Field::new(\"{col}\", \"{label}\", FieldKind::{kind}){help},\n"
        ));
        match f.kind {
            Kind::String | Kind::Text => {
                search.push(format!("C::{variant}"));
                search_names.push(names::title(&f.name).to_lowercase());
            }
            Kind::Bool => {
                checkboxes.push(format!("\"{col}\""));
                filters.push(format!("Filter::boolean(\"{col}\", \"{label}\")"));
                filter_specs.push(format!("(\"{col}\", C::{variant}, FilterValue::Bool)"));
            }
            _ => {}
        }
    }
    let search_help = if search_names.is_empty() {
        "None".to_string()
    } else {
        format!("Some(\"{}\")", search_names.join(" or "))
    };
    fill(ADMIN_RS, spec)
        .replace("__columns__", &columns)
        .replace("__sort__", &sort)
        .replace("__search__", &search.join(", "))
        .replace("__search_help__", &search_help)
        .replace("__filters__", &filters.join(", "))
        .replace("__filter_specs__", &filter_specs.join(", "))
        .replace("__checkboxes__", &checkboxes.join(", "))
        .replace("__fields__", &fields)
}

fn admin_tests(spec: &Spec, m: &ModelSpec) -> String {
    // The admin saves through the pages' form validation, so the same form is valid.
    let (setup, fields) = valid_form(m);
    let p = probe(m);
    let (.., probe_form, _) = samples(p);
    let required = m.fields.iter().any(|f| !f.optional && f.kind != Kind::Bool);
    fill(MODEL_ADMIN_TESTS, spec)
        .replace("__setup__", &setup)
        .replace("__form_fields__", &fields)
        .replace("__probe__", &p.column())
        .replace("__probe_form__", &probe_form)
        .replace(
            "__probe_refused__",
            if required {
                "refused.is_err()"
            } else {
                "refused.is_ok()"
            },
        )
}

// ---------------------------------------------------------------------------------------
// Templates.

const LIB: &str = r#"//! The `__app__` app.

use async_trait::async_trait;
use web::{App, Urls};

pub mod forms;
pub mod models;
pub mod urls;
pub mod views;

pub use urls::urls;

pub struct __App__;

#[async_trait]
impl App for __App__ {
    fn label(&self) -> &'static str {
        "__app__"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &[__dependencies__]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn openapi(&self) -> Option<web::utoipa::openapi::OpenApi> {
        Some(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
    }
}
"#;

const VIEWS_MOD: &str = "//! The `__app__` app's handlers: `api` (JSON) and `pages` (HTML).\n\npub mod api;\npub mod pages;\n";

const PLAIN_URLS: &str = r#"//! The `__app__` app's named routes: pages under `/__app__/`, the API under `/api/__app__/`.

use web::Urls;
use web::urls::get;

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("__app__").route("/", "index", get(pages::index)).api("/", "api_index", get(api::index))
}
"#;

const PLAIN_MODELS: &str = "//! The `__app__` app's sea-orm entities and the queries on them: one file per table\n//! (`cargo xtask startapp NAME --model Model field:type…` shows a complete one).\n";

const PLAIN_FORMS: &str =
    "//! Input types of the `__app__` app and their validation (see `web::forms::Validator`).\n";

const PLAIN_API: &str = r#"//! The `__app__` JSON API.

use serde::Serialize;
use web::Json;

/// The API's OpenAPI paths, relative to its mount (`/api/__app__`): list each handler.
#[derive(utoipa::OpenApi)]
#[openapi(paths(index), tags((name = "__app__")))]
pub struct ApiDoc;

/// What `GET /api/__app__/` answers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = __App__Index)]
pub struct Index {
    pub app: &'static str,
}

/// `GET /api/__app__/`: what this app is.
#[utoipa::path(get, path = "/", tag = "__app__", responses((status = 200, description = "The app's name.", body = Index)))]
pub async fn index() -> Json<Index> {
    Json(Index { app: "__app__" })
}
"#;

const PLAIN_PAGES: &str = r#"//! The `__app__` pages.

use axum::response::Response;
use web::{Error, Page, context};

/// `/__app__/`
pub async fn index(page: Page) -> Result<Response, Error> {
    page.render("__app__/index.html", context! { app => "__app__" }).await
}
"#;

const PLAIN_INDEX_HTML: &str = r#"{% extends "base.html" %}
{% block title %}__app_title__{% endblock %}
{% block content %}
<h1>__app_title__</h1>
<p id="app-index">The {{ app }} app is installed. Edit <code>templates/__app__/index.html</code> and <code>crates/__app__/src/views/pages.rs</code>.</p>
{% endblock %}
"#;

const PLAIN_API_TESTS: &str = r#"//! The `__app__` JSON API.

use crate::app;

#[tokio::test]
async fn the_api_index_answers() {
    let app = app().await;
    let res = app.client.get("/api/__app__/").send().await;
    res.assert_status(200);
    assert_eq!(res.json_value(), serde_json::json!({ "app": "__app__" }));
}

#[test]
fn the_api_is_documented() {
    let doc = web::App::openapi(&__app__::__App__).expect("an OpenAPI document");
    let paths: Vec<&String> = doc.paths.paths.keys().collect();
    assert_eq!(paths, ["/"]);
}
"#;

const PLAIN_PAGE_TESTS: &str = r##"//! The `__app__` pages.

use crate::app;

#[tokio::test]
async fn the_index_page_renders() {
    let app = app().await;
    let res = app.client.get("/__app__/").send().await;
    res.assert_status(200);
    assert!(res.text().contains(r#"id="app-index""#));
}
"##;

const TESTS_MAIN: &str = r#"//! The `__app__` app through HTTP.

use std::sync::Arc;

use accounts::testing::{self, Role};
use web::test::TestApp;
use web::{Embedded, Project, UrlRegistry};

mod api;
mod pages;

pub fn project() -> Project {
    Project {
        apps: vec![
__test_apps__
        ],
        urls: || {
            UrlRegistry::new()
__test_includes__
        },
        migrations: migration::group,
        embedded: Embedded::none(),
    }
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

pub use accounts::testing::{PASSWORD, login};

/// Creates a user and returns a bearer token for them.
pub async fn token(app: &TestApp, email: &str, staff: bool) -> String {
    let role = if staff { Role::Superuser } else { Role::Customer };
    testing::user_with_token(app, email, role).await
}
"#;

const MODEL_URLS: &str = r#"//! The `__app__` app's named routes: pages under `/__app__/`, the API under
//! `/api/__app__/__models__`.

use web::Urls;
use web::urls::{get, post};

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("__app__")
        .route("/", "__model___list", get(pages::list))
        .route("/new/", "__model___new", get(pages::new_form).post(pages::create))
        .route("/{id}/", "__model___detail", get(pages::detail))
        .route("/{id}/edit/", "__model___edit", get(pages::edit_form).post(pages::update))
        .route("/{id}/delete/", "__model___delete", post(pages::delete))
        .api("/__models__", "api___model___list", get(api::list).post(api::create))
        .api("/__models__/{id}", "api___model___detail", get(api::detail).patch(api::update).delete(api::delete))
}
"#;

const MODEL_RS: &str = r#"//! The `__models__` table.

use std::collections::BTreeMap;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use web::cursor::Keyset;
use web::db::now;
use web::{FieldErrors, Pagination};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "__models__")]
#[schema(as = __Model__)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
__columns__    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: TimeDateTimeWithTimeZone,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// A __model_title__; serializes as the API's JSON.
pub type __Model__ = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Every field of a new __model_title__, validated (see `forms`).
#[derive(Debug, Clone)]
pub struct __Model__Fields {
__fields__}

/// Changes to a __model_title__; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct __Model__Changes {
__changes__}

impl __Model__Changes {
    /// All the fields of a new __model_title__, if every required one is set.
    pub fn into_fields(self) -> Option<__Model__Fields> {
        Some(__Model__Fields {
__into_fields__        })
    }
}

/// A page of __models_title__, newest first, and the total count.
/// A page, newest first (after a cursor's position `after`, when given), the total and
/// whether more follow.
pub async fn list<C: ConnectionTrait>(db: &C, page: &Pagination, after: Option<Keyset>) -> Result<(Vec<__Model__>, u64, bool), DbErr> {
    let total = Entity::find().count(db).await?;
    let mut query = Entity::find();
    if let Some(key) = after {
        query = query.filter(key.older(db.get_database_backend(), Column::CreatedAt, Column::Id));
    }
    let skip = if after.is_some() { 0 } else { page.offset() };
    let mut items = query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(skip)
        .limit(page.per_page + 1)
        .all(db)
        .await?;
    let more = items.len() as u64 > page.per_page;
    items.truncate(page.per_page as usize);
    Ok((items, total, more))
}

pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<__Model__>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

pub async fn create<C: ConnectionTrait>(db: &C, fields: __Model__Fields) -> Result<__Model__, DbErr> {
    let at = now();
    ActiveModel {
        id: NotSet,
__set_create__        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
}

pub async fn update<C: ConnectionTrait>(db: &C, existing: __Model__, changes: __Model__Changes) -> Result<__Model__, DbErr> {
    let mut row: ActiveModel = existing.into();
__set_update__    row.updated_at = Set(now());
    row.update(db).await
}

/// Deletes a __model_title__; `false` if there was none.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, DbErr> {
    Ok(Entity::delete_by_id(id).exec(db).await?.rows_affected > 0)
}

/// Referenced rows that do not exist, as field errors (a clear 422 rather than a
/// foreign-key failure).
pub async fn unknown_references<C: ConnectionTrait>(__db_arg__: &C, __changes_arg__: &__Model__Changes) -> Result<FieldErrors, DbErr> {
    #[allow(unused_mut)]
    let mut errors = FieldErrors::new();
__reference_checks__    Ok(errors)
}

/// The values an edit form starts with.
pub fn form_values(m: &__Model__) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
__form_values__    ])
}
"#;

const FORMS_RS: &str = r#"//! __Model__ input and its validation, shared by the JSON API (create and update) and
//! the HTML forms.

use std::collections::HashMap;

use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use web::FieldErrors;
use web::forms::{Validator, explicit};

use crate::models::__model__::__Model__Changes;

/// The body of `POST` (every required field) and `PATCH` (any subset).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = __Model__Change)]
pub struct __Model__Input {
__input__}

/// The documented body of `POST`: [`__Model__Input`] with its required fields.
pub struct __Model__Create;

impl PartialSchema for __Model__Create {
    fn schema() -> RefOr<Schema> {
        web::openapi::with_required(__Model__Input::schema(), &[__required__])
    }
}

impl ToSchema for __Model__Create {}

impl __Model__Input {
    /// Validates every field; `creating` requires the non-optional ones.
    pub fn validate(self, creating: bool) -> Result<__Model__Changes, FieldErrors> {
        let mut v = Validator::new();
        let mut changes = __Model__Changes::default();
__checks__        v.finish(changes)
    }

    /// The input of an HTML form, whose values are all strings.
    pub fn from_form(form: &HashMap<String, String>) -> Result<Self, FieldErrors> {
        let mut v = Validator::new();
        let input = __Model__Input {
__from_form__        };
        v.finish(input)
    }
}

/// A form value that is text: empty means "no value" (an error if `required`).
#[allow(dead_code)]
fn text_value(v: &mut Validator, field: &str, raw: Option<&String>, required: bool) -> Option<Option<String>> {
    match raw.map(|s| s.trim()) {
        Some("") if required => {
            v.fail(field, "This field is required.");
            None
        }
        Some("") => Some(None),
        Some(s) => Some(Some(s.to_string())),
        None => None,
    }
}

/// A form value that is a whole number.
#[allow(dead_code)]
fn number_value(v: &mut Validator, field: &str, raw: Option<&String>, required: bool) -> Option<Option<i64>> {
    match web::forms::parse_form_value::<i64>(v, field, raw, "Enter a whole number.") {
        Some(None) if required => {
            v.fail(field, "This field is required.");
            None
        }
        other => other,
    }
}

/// A browser's `datetime-local` value (`2026-01-31T12:00`) read as UTC.
#[allow(dead_code)]
fn local_datetime(value: String) -> String {
    if value.len() == 16 { format!("{value}:00Z") } else { value }
}
"#;

const MODEL_API: &str = r#"//! The `__app__` JSON API: signed-in users read, staff write.

use accounts::{RequireStaff, RequireUser};
use http::StatusCode;
use web::cursor::{self, Keyset};
use web::{Db, Error, Id, Json, PageOf, Pagination};

use crate::forms::{__Model__Create, __Model__Input};
use crate::models::__model__::{self, __Model__, __Model__Changes};

/// The API's OpenAPI paths, relative to its mount (`/api/__app__`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, detail, create, update, delete), tags((name = "__app__")))]
pub struct ApiDoc;

fn not_found() -> Error {
    Error::not_found("No __model_title__ with that id.")
}

async fn check_references(db: &sea_orm::DatabaseConnection, changes: &__Model__Changes) -> Result<(), Error> {
    let errors = __model__::unknown_references(db, changes).await?;
    if errors.is_empty() { Ok(()) } else { Err(Error::validation(errors)) }
}

/// `GET /api/__app__/__models__`: newest first, paginated.
#[utoipa::path(get, path = "/__models__", tag = "__app__", params(Pagination), security(("bearer" = [])),
    responses((status = 200, description = "A page of __models_title__, newest first.", body = PageOf<__Model__>)))]
pub async fn list(Db(db): Db, RequireUser(_): RequireUser, page: Pagination) -> Result<Json<PageOf<__Model__>>, Error> {
    let scope = || cursor::scope("__app__:__models__", &[]);
    let after = page.after(scope)?;
    let (items, total, more) = __model__::list(&db, &page, after).await?;
    Ok(Json(PageOf::keyed(items, &page, total, more, &scope(), |m| Keyset::of(m.created_at, m.id))))
}

/// `GET /api/__app__/__models__/{id}`
#[utoipa::path(get, path = "/__models__/{id}", tag = "__app__", params(Id), security(("bearer" = [])),
    responses((status = 200, description = "The __model_title__.", body = __Model__)))]
pub async fn detail(Db(db): Db, RequireUser(_): RequireUser, Id(id): Id) -> Result<Json<__Model__>, Error> {
    __model__::find(&db, id).await?.map(Json).ok_or_else(not_found)
}

/// `POST /api/__app__/__models__` (staff) → 201.
#[utoipa::path(post, path = "/__models__", tag = "__app__", request_body = __Model__Create, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new __model_title__.", body = __Model__),
        (status = 403, description = "Not staff (`forbidden`).", body = web::error::ErrorBody),
    ))]
pub async fn create(Db(db): Db, RequireStaff(_): RequireStaff, Json(input): Json<__Model__Input>) -> Result<(StatusCode, Json<__Model__>), Error> {
    let changes = input.validate(true).map_err(Error::validation)?;
    check_references(&db, &changes).await?;
    let fields = changes.into_fields().ok_or_else(|| Error::internal("validated fields are missing"))?;
    Ok((StatusCode::CREATED, Json(__model__::create(&db, fields).await?)))
}

/// `PATCH /api/__app__/__models__/{id}` (staff): a partial update.
#[utoipa::path(patch, path = "/__models__/{id}", tag = "__app__", params(Id), request_body = __Model__Input, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed __model_title__.", body = __Model__),
        (status = 403, description = "Not staff (`forbidden`).", body = web::error::ErrorBody),
    ))]
pub async fn update(Db(db): Db, RequireStaff(_): RequireStaff, Id(id): Id, Json(input): Json<__Model__Input>) -> Result<Json<__Model__>, Error> {
    let existing = __model__::find(&db, id).await?.ok_or_else(not_found)?;
    let changes = input.validate(false).map_err(Error::validation)?;
    check_references(&db, &changes).await?;
    Ok(Json(__model__::update(&db, existing, changes).await?))
}

/// `DELETE /api/__app__/__models__/{id}` (staff) → 204.
#[utoipa::path(delete, path = "/__models__/{id}", tag = "__app__", params(Id), security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Not staff (`forbidden`).", body = web::error::ErrorBody),
    ))]
pub async fn delete(Db(db): Db, RequireStaff(_): RequireStaff, Id(id): Id) -> Result<StatusCode, Error> {
    if __model__::delete(&db, id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(not_found()) }
}
"#;

const MODEL_PAGES: &str = r#"//! The `__app__` pages: signed-in users browse, staff add, edit and delete.

use std::collections::{BTreeMap, HashMap};

use accounts::{RequireStaff, RequireUser};
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Redirect, Response};
use web::minijinja::Value;
use web::{Db, Error, FieldErrors, Form, Id, Messages, Page, PageOf, Pagination, Reverser, context};

use crate::forms::__Model__Input;
use crate::models::__model__::{self, __Model__Changes};

const PAGE_SIZE: u64 = 20;

fn detail_url(reverser: &Reverser, id: i64) -> Result<String, Error> {
    Ok(reverser.reverse("__app__:__model___detail", &[("id", &id)])?)
}

fn not_found() -> Error {
    Error::not_found("No __model_title__ with that id.")
}

/// Validates a submitted form (and the rows it refers to); the admin uses it too.
pub(crate) async fn validate(db: &sea_orm::DatabaseConnection, form: &HashMap<String, String>, creating: bool) -> Result<Result<__Model__Changes, FieldErrors>, Error> {
    let changes = match __Model__Input::from_form(form).and_then(|input| input.validate(creating)) {
        Ok(changes) => changes,
        Err(errors) => return Ok(Err(errors)),
    };
    let unknown = __model__::unknown_references(db, &changes).await?;
    Ok(if unknown.is_empty() { Ok(changes) } else { Err(unknown) })
}

/// `/__app__/`
pub async fn list(page: Page, RequireUser(_): RequireUser, Db(db): Db, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let pagination = Pagination::lenient(raw.as_deref(), PAGE_SIZE);
    let (items, total, _) = __model__::list(&db, &pagination, None).await?;
    let listing = PageOf::new(items, &pagination, total);
    let nav = Value::from_serialize(listing.nav());
    page.render("__app__/__model___list.html", context! { items => listing.items, total, ..nav })
    .await
}

/// `/__app__/{id}/`
pub async fn detail(page: Page, RequireUser(_): RequireUser, Db(db): Db, Id(id): Id) -> Result<Response, Error> {
    let item = __model__::find(&db, id).await?.ok_or_else(not_found)?;
    page.render("__app__/__model___detail.html", context! { item }).await
}

/// `/__app__/new/`
pub async fn new_form(page: Page, RequireStaff(_): RequireStaff) -> Result<Response, Error> {
    let values: BTreeMap<&str, String> = BTreeMap::new();
    page.render("__app__/__model___form.html", context! { values, errors => FieldErrors::new(), editing => false }).await
}

pub async fn create(page: Page, RequireStaff(_): RequireStaff, Db(db): Db, messages: Messages, Form(form): Form<HashMap<String, String>>) -> Result<Response, Error> {
    let changes = match validate(&db, &form, true).await? {
        Ok(changes) => changes,
        Err(errors) => return page.render("__app__/__model___form.html", context! { values => form, errors, editing => false }).await,
    };
    let fields = changes.into_fields().ok_or_else(|| Error::internal("validated fields are missing"))?;
    let created = __model__::create(&db, fields).await?;
    messages.success("The __model_title__ was added.").await?;
    Ok(Redirect::to(&detail_url(page.reverser(), created.id)?).into_response())
}

/// `/__app__/{id}/edit/`
pub async fn edit_form(page: Page, RequireStaff(_): RequireStaff, Db(db): Db, Id(id): Id) -> Result<Response, Error> {
    let item = __model__::find(&db, id).await?.ok_or_else(not_found)?;
    let values = __model__::form_values(&item);
    page.render("__app__/__model___form.html", context! { item, values, errors => FieldErrors::new(), editing => true }).await
}

pub async fn update(page: Page, RequireStaff(_): RequireStaff, Db(db): Db, messages: Messages, Id(id): Id, Form(form): Form<HashMap<String, String>>) -> Result<Response, Error> {
    let item = __model__::find(&db, id).await?.ok_or_else(not_found)?;
    let changes = match validate(&db, &form, false).await? {
        Ok(changes) => changes,
        Err(errors) => return page.render("__app__/__model___form.html", context! { item, values => form, errors, editing => true }).await,
    };
    __model__::update(&db, item, changes).await?;
    messages.success("The __model_title__ was saved.").await?;
    Ok(Redirect::to(&detail_url(page.reverser(), id)?).into_response())
}

/// `POST /__app__/{id}/delete/`
pub async fn delete(RequireStaff(_): RequireStaff, Db(db): Db, messages: Messages, reverser: Reverser, Id(id): Id) -> Result<Redirect, Error> {
    if !__model__::delete(&db, id).await? {
        return Err(not_found());
    }
    messages.info("The __model_title__ was deleted.").await?;
    Ok(Redirect::to(&reverser.reverse("__app__:__model___list", &[])?))
}
"#;

const LIST_HTML: &str = r#"{% extends "base.html" %}
{% block title %}__models_title__{% endblock %}
{% block content %}
<h1>__models_title__</h1>
{% if user.is_staff %}<p><a class="button" href="{{ url("__app__:__model___new") }}">Add a __model_title__</a></p>{% endif %}
{% if items %}
<table>
  <thead><tr>__headers__</tr></thead>
  <tbody>
  {% for item in items %}
    <tr>__cells__</tr>
  {% endfor %}
  </tbody>
</table>
{% else %}
<p class="empty">No __models_title__ yet.</p>
{% endif %}
<nav class="pagination" aria-label="Pages">
  {% if previous %}<a rel="prev" href="{{ url("__app__:__model___list") }}?page={{ previous }}">← Previous</a>{% endif %}
  <span>Page {{ number }} of {{ last }} ({{ total }} in all)</span>
  {% if next %}<a rel="next" href="{{ url("__app__:__model___list") }}?page={{ next }}">Next →</a>{% endif %}
</nav>
{% endblock %}
"#;

const DETAIL_HTML: &str = r#"{% extends "base.html" %}
{% block title %}__model_title__ #{{ item.id }}{% endblock %}
{% block content %}
<p><a href="{{ url("__app__:__model___list") }}">← __models_title__</a></p>
<h1>__model_title__ #{{ item.id }}</h1>
<table>
__rows__</table>
{% if user.is_staff %}
<p><a class="button" href="{{ url("__app__:__model___edit", id=item.id) }}">Edit</a></p>
<form method="post" action="{{ url("__app__:__model___delete", id=item.id) }}">
  {{ csrf_input() }}
  <button type="submit" class="link">Delete this __model_title__</button>
</form>
{% endif %}
{% endblock %}
"#;

const FORM_HTML: &str = r#"{% extends "base.html" %}
{% from "forms.html" import errors_for %}
{% block title %}{% if editing %}Edit __model_title__ #{{ item.id }}{% else %}Add a __model_title__{% endif %}{% endblock %}
{% block content %}
<h1>{% if editing %}Edit __model_title__ #{{ item.id }}{% else %}Add a __model_title__{% endif %}</h1>
<form method="post" action="{% if editing %}{{ url("__app__:__model___edit", id=item.id) }}{% else %}{{ url("__app__:__model___new") }}{% endif %}" class="stacked">
  {{ csrf_input() }}
__inputs__  <button type="submit">Save</button>
</form>
{% endblock %}
"#;

const MIGRATION_RS: &str = r#"use sea_orm_migration::prelude::*;

use crate::columns::{__imports__};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum __Models__ {
    Table,
    Id,
__idens__    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(__Models__::Table)
                    .col(id(manager, __Models__::Id))
__columns__                    .col(timestamp(manager, __Models__::CreatedAt))
                    .col(timestamp(manager, __Models__::UpdatedAt))
__foreign_keys__                    .to_owned(),
            )
            .await?;
__fk_indexes__        // The list order: newest first.
        manager
            .create_index(
                Index::create()
                    .name("__models___newest")
                    .table(__Models__::Table)
                    .col((__Models__::CreatedAt, IndexOrder::Desc))
                    .col((__Models__::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(__Models__::Table).to_owned()).await
    }
}
"#;

const MODEL_API_TESTS: &str = r#"//! The `__app__` JSON API.

use serde_json::{Value, json};
use web::test::TestApp;

use crate::*;

async fn valid_body(__app_param__: &TestApp) -> Value {
    json!({
__valid_body__    })
}

#[test]
fn the_api_is_documented() {
    let doc = web::App::openapi(&__app__::__App__).expect("an OpenAPI document");
    let paths: Vec<&String> = doc.paths.paths.keys().collect();
    assert_eq!(paths, ["/__models__", "/__models__/{id}"]);
    let schemas = &doc.components.as_ref().unwrap().schemas;
    for name in ["__Model__", "__Model__Change", "__Model__Create"] {
        assert!(schemas.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn reading_needs_a_signed_in_user() {
    let app = app().await;
    let anonymous = app.client.get("/api/__app__/__models__").send().await;
    anonymous.assert_status(401);
    assert_eq!(anonymous.error_code(), "unauthenticated");
    let user = token(&app, "user@example.com", false).await;
    let res = app.client.get("/api/__app__/__models__").bearer(&user).send().await;
    res.assert_status(200);
    assert_eq!(res.json_value()["total"], 0);
}

#[tokio::test]
async fn writing_needs_staff() {
    let app = app().await;
    let user = token(&app, "user@example.com", false).await;
    let body = valid_body(&app).await;
    app.client.post("/api/__app__/__models__").json(&body).send().await.assert_status(401);
    let res = app.client.post("/api/__app__/__models__").bearer(&user).json(&body).send().await;
    res.assert_status(403);
    assert_eq!(res.error_code(), "forbidden");
}

#[tokio::test]
async fn staff_create_read_update_and_delete() {
    let app = app().await;
    let staff = token(&app, "staff@example.com", true).await;
    let res = app.client.post("/api/__app__/__models__").bearer(&staff).json(&valid_body(&app).await).send().await;
    res.assert_status(201);
    let created = res.json_value();
__checks__    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let path = format!("/api/__app__/__models__/{}", created["id"]);
    let fetched = app.client.get(&path).bearer(&staff).send().await;
    fetched.assert_status(200);
    assert_eq!(fetched.json_value(), created);

    let changed = app.client.patch(&path).bearer(&staff).json(&json!({ "__probe__": __changed__ })).send().await;
    changed.assert_status(200);
    assert_eq!(changed.json_value()["__probe__"], json!(__changed__));

    app.client.delete(&path).bearer(&staff).send().await.assert_status(204);
    app.client.get(&path).bearer(&staff).send().await.assert_status(404);
    app.client.delete(&path).bearer(&staff).send().await.assert_status(404);
}

#[tokio::test]
async fn invalid_input_is_422_naming_the_field() {
    let app = app().await;
    let staff = token(&app, "staff@example.com", true).await;
    let mut body = valid_body(&app).await;
    body["__probe__"] = json!(__invalid__);
    let res = app.client.post("/api/__app__/__models__").bearer(&staff).json(&body).send().await;
    res.assert_status(422);
    assert_eq!(res.error_code(), "validation_error");
    assert!(res.json_value()["error"]["fields"]["__probe__"].is_array(), "{}", res.text());
    app.client.post("/api/__app__/__models__").bearer(&staff).body("{", "application/json").send().await.assert_status(400);
    app.client.post("/api/__app__/__models__").bearer(&staff).body("{}", "text/plain").send().await.assert_status(415);
}

#[tokio::test]
async fn the_list_is_paginated_newest_first() {
    let app = app().await;
    let staff = token(&app, "staff@example.com", true).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let res = app.client.post("/api/__app__/__models__").bearer(&staff).json(&valid_body(&app).await).send().await;
        ids.push(res.json_value()["id"].as_i64().unwrap());
    }
    let page = app.client.get("/api/__app__/__models__?per_page=2").bearer(&staff).send().await.json_value();
    assert_eq!(page["total"], 3);
    let got: Vec<i64> = page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(got, [ids[2], ids[1]]);
    let past = app.client.get("/api/__app__/__models__?page=9").bearer(&staff).send().await.json_value();
    assert_eq!(past["items"], json!([]));
    app.client.get("/api/__app__/__models__?per_page=0").bearer(&staff).send().await.assert_status(422);
    app.client.get("/api/__app__/__models__/999999").bearer(&staff).send().await.assert_status(404);
    app.client.get("/api/__app__/__models__/abc").bearer(&staff).send().await.assert_status(404);
}
"#;

const MODEL_API_REQUIRED_TEST: &str = r#"
#[tokio::test]
async fn required_fields_are_named_when_missing() {
    let app = app().await;
    let staff = token(&app, "staff@example.com", true).await;
    let res = app.client.post("/api/__app__/__models__").bearer(&staff).json(&json!({})).send().await;
    res.assert_status(422);
    let fields = res.json_value()["error"]["fields"].clone();
    for name in [__required__] {
        assert!(fields[name].is_array(), "{name}: {fields}");
    }
}
"#;

const MODEL_API_NULL_TEST: &str = r#"
#[tokio::test]
async fn a_required_field_cannot_be_set_to_null() {
    let app = app().await;
    let staff = token(&app, "staff@example.com", true).await;
    let created = app.client.post("/api/__app__/__models__").bearer(&staff).json(&valid_body(&app).await).send().await.json_value();
    let path = format!("/api/__app__/__models__/{}", created["id"]);
    let res = app.client.patch(&path).bearer(&staff).json(&json!({ "__probe__": null })).send().await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["__probe__"].is_array());
}
"#;

const MODEL_PAGE_TESTS: &str = r##"//! The `__app__` pages.

use crate::*;

#[tokio::test]
async fn the_pages_need_a_signed_in_user() {
    let app = app().await;
    let res = app.client.get("/__app__/").send().await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/accounts/login/?next=/__app__/"));
}

#[tokio::test]
async fn only_staff_see_the_forms() {
    let app = app().await;
    token(&app, "user@example.com", false).await;
    login(&app.client, "user@example.com").await;
    app.client.get("/__app__/").send().await.assert_status(200);
    app.client.get("/__app__/new/").send().await.assert_status(403);
}

#[tokio::test]
async fn staff_add_edit_and_delete_through_the_forms() {
    let app = app().await;
    token(&app, "staff@example.com", true).await;
    login(&app.client, "staff@example.com").await;
__setup__    let res = app
        .client
        .submit_form(
            "/__app__/new/",
            "/__app__/new/",
            &[
__form_fields__            ],
        )
        .await;
    res.assert_status(303);
    let detail = res.location().unwrap().to_string();
    let page = app.client.get(&detail).send().await;
    page.assert_status(200);
    assert!(page.text().contains("__shown__"), "{}", page.text());
    assert!(app.client.get("/__app__/").send().await.text().contains(&detail));

    let edit = format!("{detail}edit/");
    let form = app.client.get(&edit).send().await;
    form.assert_status(200);
    assert!(form.text().contains(r#"name="__probe__""#));
    let token = form.csrf_token().unwrap();
    let saved = app.client.post(&edit).form(&[("__probe__", "__probe_form__"), ("csrf_token", token.as_str())]).send().await;
    saved.assert_status(303);

    let token = app.client.csrf_token(&detail).await;
    let deleted = app.client.post(&format!("{detail}delete/")).form(&[("csrf_token", token.as_str())]).send().await;
    deleted.assert_status(303);
    app.client.get(&detail).send().await.assert_status(404);
}

#[tokio::test]
async fn the_form_shows_what_is_wrong() {
    let app = app().await;
    token(&app, "staff@example.com", true).await;
    login(&app.client, "staff@example.com").await;
    let res = app.client.submit_form("/__app__/new/", "/__app__/new/", &[("__probe__", "")]).await;
    res.assert_status(200);
    assert!(res.text().contains("errorlist"), "{}", res.text());
}
"##;

const ADMIN_RS: &str = r#"//! __models_title__ on the admin site, with the same validation and queries as the
//! pages and the API (`crate::views::pages::validate`, `crate::models::__model__`).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use sea_orm::EntityTrait;
#[allow(unused_imports)]
use web::admin::{
    Column, Field, FieldKind, Filter, FilterValue, FormData, ListPage, ListQuery, ListSpec,
    ModelAdmin, Object, Row, Saved, datetime, list_page, yes_no,
};
use web::{AppState, Error};

use crate::models::__model__::{self, __Model__};
use crate::views::pages::validate;

pub struct __Model__Admin;

/// The checkbox fields: the form's `on` is the admin's `true`.
const CHECKBOXES: &[&str] = &[__checkboxes__];

fn spec() -> ListSpec<__model__::Entity> {
    use __model__::Column as C;
    ListSpec {
        search: vec![__search__],
        filters: vec![__filter_specs__],
        sort: vec![
            ("id", C::Id),
__sort__            ("created_at", C::CreatedAt),
        ],
        id: C::Id,
    }
}

fn values(item: &__Model__) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = __model__::form_values(item)
        .into_iter()
        .map(|(key, value)| {
            let value = if CHECKBOXES.contains(&key) { (!value.is_empty()).to_string() } else { value };
            (key.to_string(), value)
        })
        .collect();
    values.insert("created_at".into(), datetime(&item.created_at));
    values.insert("updated_at".into(), datetime(&item.updated_at));
    values
}

fn submitted(form: &FormData) -> HashMap<String, String> {
    form.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[async_trait]
impl ModelAdmin for __Model__Admin {
    fn app_label(&self) -> &'static str {
        "__app__"
    }
    fn model_name(&self) -> &'static str {
        "__model__"
    }
    fn verbose_name(&self) -> &'static str {
        "__model_title__"
    }
    fn verbose_name_plural(&self) -> &'static str {
        "__models_title__"
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("id", "ID"),
__columns__            Column::new("created_at", "Created"),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        __search_help__
    }
    fn filters(&self) -> Vec<Filter> {
        vec![__filters__]
    }
    fn default_ordering(&self) -> (&'static str, bool) {
        ("created_at", true)
    }
    fn fields(&self) -> Vec<Field> {
        vec![
__fields__            Field::new("created_at", "Created", FieldKind::Text).read_only(),
            Field::new("updated_at", "Updated", FieldKind::Text).read_only(),
        ]
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let (items, total) = list_page(state.db(), __model__::Entity::find(), &spec(), query, self.default_ordering()).await?;
        let columns = self.columns();
        let rows = items
            .iter()
            .map(|item| {
                let values = values(item);
                let cells = columns
                    .iter()
                    .map(|c| match c.key {
                        "id" => item.id.to_string(),
                        key if CHECKBOXES.contains(&key) => yes_no(values.get(key).is_some_and(|v| v == "true")),
                        key => values.get(key).cloned().unwrap_or_default(),
                    })
                    .collect();
                Row { id: item.id, cells }
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(__model__::find(state.db(), id).await?.map(|item| Object {
            id: item.id,
            repr: format!("__model_title__ #{}", item.id),
            values: values(&item),
            inlines: Vec::new(),
        }))
    }

    async fn create(&self, state: &AppState, form: &FormData) -> Result<Saved, Error> {
        let changes = match validate(state.db(), &submitted(form), true).await? {
            Ok(changes) => changes,
            Err(errors) => return Ok(Err(errors)),
        };
        let fields = changes.into_fields().ok_or_else(|| Error::internal("validated fields are missing"))?;
        Ok(Ok(__model__::create(state.db(), fields).await?.id))
    }

    async fn update(&self, state: &AppState, id: i64, form: &FormData) -> Result<Saved, Error> {
        let item = __model__::find(state.db(), id).await?.ok_or_else(|| Error::not_found("No such __model_title__."))?;
        let changes = match validate(state.db(), &submitted(form), false).await? {
            Ok(changes) => changes,
            Err(errors) => return Ok(Err(errors)),
        };
        __model__::update(state.db(), item, changes).await?;
        Ok(Ok(id))
    }

    async fn delete(&self, state: &AppState, id: i64) -> Result<String, Error> {
        if __model__::delete(state.db(), id).await? {
            Ok("deleted.".into())
        } else {
            Err(Error::not_found("No such __model_title__."))
        }
    }
}
"#;

const MODEL_ADMIN_TESTS: &str = r##"//! The __model_title__ on the admin site: registered through the app, listed, validated
//! and saved with the app's own rules.

use web::admin::{AdminRegistry, FormData, ListQuery};

use crate::*;

fn form(fields: &[(&str, &str)]) -> FormData {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn the_model_is_on_the_admin_site() {
    let app = app().await;
    let registry: AdminRegistry = app.state.service().unwrap();
    let admin = registry.find("__app__", "__model__").expect("registered with the admin");
    let all = ListQuery { page: 1, per_page: 10, ..Default::default() };
    assert_eq!(admin.list(&app.state, &all).await.unwrap().total, 0);

    // The app's validation decides: an empty form lacks the required fields, if any.
    let refused = admin.create(&app.state, &FormData::new()).await.unwrap();
    assert!(__probe_refused__, "{refused:?}");

__setup__    let fields = [
__form_fields__    ];
    let id = admin.create(&app.state, &form(&fields)).await.unwrap().expect("a valid form is saved");
    let object = admin.object(&app.state, id).await.unwrap().expect("the saved object");
    assert_eq!(object.values["__probe__"], "__probe_form__");
    let listed = admin.list(&app.state, &all).await.unwrap();
    assert_eq!((listed.total, listed.rows[0].id), (1, id));

    assert_eq!(admin.update(&app.state, id, &form(&fields)).await.unwrap(), Ok(id));
    admin.delete(&app.state, id).await.unwrap();
    assert!(admin.object(&app.state, id).await.unwrap().is_none());
}
"##;
