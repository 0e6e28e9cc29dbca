//! The files of a new app. Templates are plain text with `__placeholders__`; the code
//! that depends on the fields is built per field kind below.

use super::fields::{Field, Kind};
use super::fragments::{
    convert, display, fixtures, html_input, input_schema, input_type, probe, probe_form_value,
    required_fields, rust_type, samples, takes_input, valid_form,
};
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
            .replace("__A_model_title__", &names::with_article("A", &m.module))
            .replace("__a_model_title__", &names::with_article("a", &m.module))
            .replace("__model_title__", &names::title(&m.module))
            .replace("__models_title__", &names::title(&m.table));
    }
    out
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
            files.push((
                format!("crates/{a}/src/models/mod.rs"),
                fill(MODELS_MOD, spec),
            ));
            files.push((
                format!("crates/{a}/src/models/{module}.rs"),
                model_rs(spec, m),
            ));
            files.push((format!("crates/{a}/src/forms.rs"), forms_rs(spec, m)));
            files.push((
                format!("crates/{a}/src/permissions.rs"),
                fill(PERMISSIONS_RS, spec),
            ));
            files.push((
                format!("crates/{a}/src/views/api.rs"),
                fill(MODEL_API, spec),
            ));
            files.push((format!("crates/{a}/src/views/pages.rs"), pages_rs(spec)));
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
        }
    }
    files
}

/// The model's image and file fields' columns (`photo`).
fn image_columns(spec: &Spec) -> Vec<String> {
    spec.model
        .iter()
        .flat_map(|m| m.fields.iter())
        .filter(|f| f.kind.is_media())
        .map(|f| f.column())
        .collect()
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
    let mut deps = String::from(
        "web.workspace = true\nweb-modeladmin.workspace = true\nweb-openapi.workspace = true\nweb-schema.workspace = true\nweb-sessions.workspace = true\naccounts.workspace = true\n",
    );
    for app in referenced_apps(spec) {
        deps.push_str(&format!("{app}.workspace = true\n"));
    }
    if !image_columns(spec).is_empty() {
        deps.push_str("web-media.workspace = true\n");
    }
    deps.push_str("utoipa.workspace = true\naxum.workspace = true\nhttp.workspace = true\nserde.workspace = true\nserde_json.workspace = true\nsea-orm.workspace = true\ntime.workspace = true\nasync-trait.workspace = true\n");
    fill(
        "[package]\nname = \"__app__\"\nversion = \"0.1.0\"\ndescription = \"The __app__ app.\"\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n[dependencies]\n",
        spec,
    ) + &deps
        + "\n[dev-dependencies]\nweb-test.workspace = true\naccounts = { workspace = true, features = [\"testing\"] }\nmigration.workspace = true\ntokio.workspace = true\n"
        + &extras_for_tests(spec)
}

/// The contrib extras the test project installs besides `web_test`'s own (`web_media` when
/// a model points at the catalog), as dev-dependencies.
fn extras_for_tests(spec: &Spec) -> String {
    let mut extras: Vec<String> = spec
        .test_apps
        .iter()
        .filter_map(|a| a.split("::").next())
        .filter(|krate| krate.starts_with("web_"))
        .map(|krate| format!("{}.workspace = true\n", krate.replace('_', "-")))
        // Already a dependency of an app with image fields.
        .filter(|dep| image_columns(spec).is_empty() || !dep.starts_with("web-media."))
        .collect();
    extras.dedup();
    extras.concat()
}

fn lib_rs(spec: &Spec) -> String {
    let deps = spec
        .dependencies
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let lib = fill(LIB, spec).replace("__dependencies__", &deps);
    let lib = match &spec.model {
        // The model is registered with the admin site.
        Some(_) => lib
            .replace("use web_openapi::InstallOpenApi;", "use web_modeladmin::InstallAdmin;\nuse web_openapi::InstallOpenApi;\nuse web_schema::InstallSchema;")
            .replace("pub mod forms;", "pub mod admin;\npub mod forms;")
            .replace("pub mod models;", "pub mod models;\npub mod permissions;")
            .replace(
                "        app.openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());\n",
                &fill("        app.entities(models::entities())\n            .admin(admin::__Model__Admin)\n            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());\n        for code in permissions::required() {\n            app.requires_permission(code);\n        }\n", spec),
            ),
        None => lib,
    };
    let images = image_columns(spec);
    match spec.model.as_ref().filter(|_| !images.is_empty()) {
        // A stored file stays while one of these columns names it.
        Some(m) => {
            let fields: String = images
                .iter()
                .map(|col| format!("\n            .media_field(\"{}\", \"{col}\")", m.table))
                .collect();
            lib.replace(
                "use web::{App, Installer, Urls};",
                "use web::{App, Installer, Urls};\nuse web_media::InstallMedia;",
            )
            .replace(
                ".openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());\n",
                &format!(
                    ".openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi()){fields};\n"
                ),
            )
        }
        None => lib,
    }
}

/// The app's migration group, empty: `project makemigrations` writes its migrations
/// from its entities (startapp runs it for a model's first one).
fn migration_mod(spec: &Spec) -> String {
    fill(
        "//! The `__app__` app's tables, written by `project makemigrations` from its entities.\n\nuse sea_orm_migration::MigrationTrait;\n\npub fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n    vec![]\n}\n",
        spec,
    )
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

fn model_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut columns = String::new();
    let mut fields = String::new();
    let mut changes = String::new();
    let mut set_create = String::new();
    let mut set_update = String::new();
    let mut into_fields = String::new();
    let mut form_values = String::new();
    let mut reference_checks = String::new();
    let mut relations = String::new();
    for f in &m.fields {
        let col = f.column();
        let ty = rust_type(f);
        // What the table's migration is written from (`project makemigrations`).
        match &f.kind {
            Kind::String => {
                columns.push_str("    #[sea_orm(column_type = \"String(StringLen::N(200))\")]\n")
            }
            Kind::Bool => columns.push_str("    #[sea_orm(default_value = false)]\n"),
            Kind::Image => columns.push_str(
                "    /// The stored image's name (`ab/ab12….jpg`), uploaded on the admin site; its URL is\n    /// `media.url_prefix` + name, or the bucket's.\n    #[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n",
            ),
            Kind::File => columns.push_str(
                "    /// The stored file's name (`ab/ab12….pdf`), uploaded on the admin site; its URL is\n    /// `media.url_prefix` + name, or the bucket's.\n    #[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n",
            ),
            Kind::ForeignKey(r) => {
                columns.push_str("    #[sea_orm(indexed)]\n");
                relations.push_str(&format!(
                    "    #[sea_orm(\n        belongs_to = \"{app}::models::{module}::Entity\",\n        from = \"Column::{from}\",\n        to = \"{app}::models::{module}::Column::Id\",\n        on_delete = \"Restrict\"\n    )]\n    {variant},\n",
                    app = r.app,
                    module = r.module,
                    from = names::camel(&col),
                    variant = names::camel(&f.name),
                ));
            }
            _ => {}
        }
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
            (Kind::String | Kind::Text | Kind::Image | Kind::File, true) => {
                format!("m.{col}.clone().unwrap_or_default()")
            }
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
    let relations = if relations.is_empty() {
        "pub enum Relation {}".to_string()
    } else {
        format!("pub enum Relation {{\n{relations}}}")
    };
    let images = image_columns(spec);
    let template = if images.is_empty() {
        MODEL_RS.to_string()
    } else {
        with_image_removal(MODEL_RS, &images)
    };
    fill(&template, spec)
        .replace("pub enum Relation {}", &relations)
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

/// The model's `update` and `delete` with its image fields: a replaced or deleted row's
/// file is released (removed after the commit once no row names it), in one transaction
/// with the change.
fn with_image_removal(model: &str, images: &[String]) -> String {
    let olds: String = images
        .iter()
        .map(|col| {
            format!(
                "    if let Some(new) = &changes.{col}\n        && let Some(old) = existing.{col}.as_ref().filter(|old| Some(*old) != new.as_ref())\n    {{\n        web_media::release(&txn, old).await?;\n    }}\n"
            )
        })
        .collect();
    let all: Vec<String> = images.iter().map(|col| format!("existing.{col}")).collect();
    model
        .replace(
            "use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};",
            "use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait};",
        )
        .replace(
            "pub async fn update<C: ConnectionTrait>(db: &C, existing: __Model__, changes: __Model__Changes) -> Result<__Model__, DbErr> {\n    let mut row: ActiveModel = existing.into();\n",
            &format!("pub async fn update<C: ConnectionTrait + TransactionTrait>(db: &C, existing: __Model__, changes: __Model__Changes) -> Result<__Model__, DbErr> {{\n    let txn = db.begin().await?;\n{olds}    let mut row: ActiveModel = existing.into();\n"),
        )
        .replace(
            "    row.updated_at = Set(now());\n    row.update(db).await\n}",
            "    row.updated_at = Set(now());\n    let updated = row.update(&txn).await?;\n    txn.commit().await?;\n    Ok(updated)\n}",
        )
        .replace(
            "pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, DbErr> {\n    Ok(Entity::delete_by_id(id).exec(db).await?.rows_affected > 0)\n}",
            &format!("pub async fn delete<C: ConnectionTrait + TransactionTrait>(db: &C, id: i64) -> Result<bool, DbErr> {{\n    let txn = db.begin().await?;\n    let Some(existing) = find(&txn, id).await? else {{\n        return Ok(false);\n    }};\n    // Its pictures go after the commit, unless another row names the same file.\n    for name in [{}].into_iter().flatten() {{\n        web_media::release(&txn, &name).await?;\n    }}\n    Entity::delete_by_id(id).exec(&txn).await?;\n    txn.commit().await?;\n    Ok(true)\n}}", all.join(", ")),
        )
}

/// The pages; with image fields, the detail page has each picture's addresses.
fn pages_rs(spec: &Spec) -> String {
    let images = image_columns(spec);
    if images.is_empty() {
        return fill(MODEL_PAGES, spec);
    }
    let pairs: Vec<String> = images
        .iter()
        .map(|col| format!("(\"{col}\", &item.{col})"))
        .collect();
    let detail = format!(
        "pub async fn detail(page: Page, RequireUser(_): RequireUser, db: Db, Dep(media): Dep<web_media::MediaStore>, Id(id): Id) -> Result<Response, Error> {{\n    let item = __model__::find(&db, id).await?.ok_or_else(not_found)?;\n    // Each picture's addresses (a thumbnail once the job made it, and the original).\n    let mut pictures = BTreeMap::new();\n    for (field, name) in [{}] {{\n        if let Some(name) = name\n            && let Some(urls) = media.urls_of(&db, name).await?\n        {{\n            pictures.insert(field, context! {{ url => urls.url, thumbnail_url => urls.thumbnail_url }});\n        }}\n    }}\n    page.render(\"__app__/__model___detail.html\", context! {{ item, pictures }}).await\n}}",
        pairs.join(", ")
    );
    let pages = MODEL_PAGES
        .replace(
            "pub async fn detail(page: Page, RequireUser(_): RequireUser, db: Db, Id(id): Id) -> Result<Response, Error> {\n    let item = __model__::find(&db, id).await?.ok_or_else(not_found)?;\n    page.render(\"__app__/__model___detail.html\", context! { item }).await\n}",
            &detail,
        )
        .replace("use web::{Db, Error,", "use web::{Db, Dep, Error,");
    fill(&pages, spec)
}

fn forms_rs(spec: &Spec, m: &ModelSpec) -> String {
    let mut input = String::new();
    let mut checks = String::new();
    let mut from_form = String::new();
    for f in m.fields.iter().filter(|f| takes_input(f)) {
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

fn list_html(spec: &Spec, m: &ModelSpec) -> String {
    let shown: Vec<&Field> = m.fields.iter().filter(|f| takes_input(f)).take(4).collect();
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

// ---------------------------------------------------------------------------------------
// Tests of the model case: sample values per field kind.

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
        if !takes_input(f) {
            // Not input through the API: no picture until one is uploaded.
            checks.push_str(&format!(
                "    assert_eq!(created[\"{col}\"], json!(null), \"{col}\");\n"
            ));
            continue;
        }
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

fn page_tests(spec: &Spec, m: &ModelSpec) -> String {
    let (setup, fields) = valid_form(m);
    let shown = m
        .fields
        .iter()
        .find(|f| !matches!(f.kind, Kind::ForeignKey(_)))
        .map(|f| samples(f).4)
        .unwrap_or_default();
    let p = probe(m);
    fill(MODEL_PAGE_TESTS, spec)
        .replace("__setup__", &setup)
        .replace("__form_fields__", &fields)
        .replace("__shown__", &shown)
        .replace("__probe__", &p.column())
        .replace("__probe_value__", &probe_form_value(p))
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
        if f.kind == Kind::Image {
            // A file input with the current picture; not a list column.
            fields.push_str(&format!(
                "            Field::new(\"{col}\", \"{label}\", FieldKind::Image).help(\"JPEG, PNG, WebP or GIF; its metadata (location, camera) is removed.\"),\n"
            ));
            continue;
        }
        if f.kind == Kind::File {
            // A file input with a link to the current file; not a list column.
            fields.push_str(&format!(
                "            Field::new(\"{col}\", \"{label}\", FieldKind::File).help(\"A PDF, a plain-text or CSV file, or an image.\"),\n"
            ));
            continue;
        }
        columns.push_str(&format!(
            "            Column::new(\"{col}\", \"{label}\"),\n"
        ));
        sort.push_str(&format!("            (\"{col}\", C::{variant}),\n"));
        let kind = match f.kind {
            Kind::String => "Text",
            Kind::Text => "TextArea",
            Kind::Bool => "Checkbox",
            Kind::Int | Kind::BigInt | Kind::Money | Kind::ForeignKey(_) => "Integer",
            Kind::Date | Kind::DateTime | Kind::Image | Kind::File => "Text",
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
    let images = image_columns(spec);
    let template = if images.is_empty() {
        ADMIN_RS.to_string()
    } else {
        let sets: String = images
            .iter()
            .map(|col| format!("    changes.{col} = form.get(\"{col}\").map(|name| (!name.is_empty()).then(|| name.clone()));\n"))
            .collect();
        ADMIN_RS
            .replace(
                "use crate::models::__model__::{self, __Model__};",
                "use crate::models::__model__::{self, __Model__, __Model__Changes};",
            )
            .replace("            Ok(changes) => changes,\n", "            Ok(changes) => with_images(changes, form),\n")
            .replace(
                "#[async_trait]\nimpl ModelAdmin",
                &format!("/// The image fields as the admin site gives them: a stored file's name, `\"\"` to clear,\n/// absent to keep the current file.\nfn with_images(mut changes: __Model__Changes, form: &FormData) -> __Model__Changes {{\n{sets}    changes\n}}\n\n#[async_trait]\nimpl ModelAdmin"),
            )
    };
    fill(&template, spec)
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
    let required = m.fields.iter().any(|f| !f.optional && f.kind != Kind::Bool);
    let mut template = MODEL_ADMIN_TESTS.to_string();
    if let Some(f) = m.fields.iter().find(|f| f.kind.is_media()) {
        let (sample, store, shown) = if f.kind == Kind::Image {
            (MEDIA_TEST_PNG, MEDIA_TEST_STORE_PNG, "\"<img src=\"")
        } else {
            (MEDIA_TEST_CSV, MEDIA_TEST_STORE_CSV, "\">Download</a>\"")
        };
        template.push_str(
            &MODEL_ADMIN_IMAGE_TEST
                .replace("__sample__", sample)
                .replace("__store__", store)
                .replace("__shown__", shown)
                .replace("__image__", &f.column()),
        );
    }
    fill(&template, spec)
        .replace("__setup__", &setup)
        .replace("__form_fields__", &fields)
        .replace("__probe__", &p.column())
        .replace("__probe_value__", &probe_form_value(p))
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

const LIB: &str = include_str!("templates/lib.rs.tmpl");

const VIEWS_MOD: &str = include_str!("templates/views_mod.rs.tmpl");

const PLAIN_URLS: &str = include_str!("templates/plain/urls.rs.tmpl");

const PLAIN_MODELS: &str = include_str!("templates/plain/models_mod.rs.tmpl");

const PLAIN_FORMS: &str = include_str!("templates/plain/forms.rs.tmpl");

const PLAIN_API: &str = include_str!("templates/plain/api.rs.tmpl");

const PLAIN_PAGES: &str = include_str!("templates/plain/pages.rs.tmpl");

const PLAIN_INDEX_HTML: &str = include_str!("templates/plain/index.html.tmpl");

const PLAIN_API_TESTS: &str = include_str!("templates/plain/tests_api.rs.tmpl");

const PLAIN_PAGE_TESTS: &str = include_str!("templates/plain/tests_pages.rs.tmpl");

const TESTS_MAIN: &str = include_str!("templates/tests_main.rs.tmpl");

const MODEL_URLS: &str = include_str!("templates/model/urls.rs.tmpl");

const MODEL_RS: &str = include_str!("templates/model/model.rs.tmpl");

/// `models/mod.rs` of the model case: the module and the entities makemigrations reads.
const MODELS_MOD: &str = include_str!("templates/model/models_mod.rs.tmpl");

const FORMS_RS: &str = include_str!("templates/model/forms.rs.tmpl");

const MODEL_API: &str = include_str!("templates/model/api.rs.tmpl");

const MODEL_PAGES: &str = include_str!("templates/model/pages.rs.tmpl");

const LIST_HTML: &str = include_str!("templates/model/list.html.tmpl");

const DETAIL_HTML: &str = include_str!("templates/model/detail.html.tmpl");

const FORM_HTML: &str = include_str!("templates/model/form.html.tmpl");

const MODEL_API_TESTS: &str = include_str!("templates/model/tests_api.rs.tmpl");

const MODEL_API_REQUIRED_TEST: &str = include_str!("templates/model/tests_api_required.rs.tmpl");

const MODEL_API_NULL_TEST: &str = include_str!("templates/model/tests_api_null.rs.tmpl");

const MODEL_PAGE_TESTS: &str = include_str!("templates/model/tests_pages.rs.tmpl");

/// The model's permission types, used by its API and pages.
const PERMISSIONS_RS: &str = include_str!("templates/model/permissions.rs.tmpl");
const ADMIN_RS: &str = include_str!("templates/model/admin.rs.tmpl");

const MODEL_ADMIN_TESTS: &str = include_str!("templates/model/tests_admin.rs.tmpl");

/// What the admin test of a media field uploads: a picture for an image field, a CSV
/// file for a file field.
const MEDIA_TEST_PNG: &str = "/// A 2×2 PNG.
const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0, 253, 212, 154, 115, 0, 0,
    0, 18, 73, 68, 65, 84, 120, 156, 99, 248, 223, 192, 192, 208, 240, 159, 1, 66, 1, 0, 41, 242, 5, 253, 8, 125, 152, 53, 0, 0,
    0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];
";
const MEDIA_TEST_STORE_PNG: &str =
    "    let image = web_media::images::clean(PNG.to_vec().into(), 1_000_000).unwrap();
    let stored = media.store_image(app.db(), &image).await.unwrap();
";
const MEDIA_TEST_CSV: &str = "/// A small CSV file.
const CSV: &[u8] = b\"name,count\\nsample,1\\n\";
";
const MEDIA_TEST_STORE_CSV: &str =
    "    let file = web_media::documents::clean(CSV.to_vec().into()).unwrap();
    let stored = media.store_file(app.db(), &web_media::CleanFile::Document(file)).await.unwrap();
";

/// The admin test of a model with a media field (`__image__`).
const MODEL_ADMIN_IMAGE_TEST: &str = include_str!("templates/model/tests_admin_image.rs.tmpl");
