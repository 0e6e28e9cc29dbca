//! The per-field pieces of generated code: a field kind's Rust and input types, its
//! conversion, form widget, display, sample values and test fixtures.

use super::fields::{Field, Kind};
use super::generate::ModelSpec;
use super::names;

pub(super) fn rust_type(f: &Field) -> String {
    let base = match &f.kind {
        Kind::String | Kind::Text | Kind::Image | Kind::File => "String",
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

pub(super) fn input_type(f: &Field) -> &'static str {
    match f.kind {
        Kind::String | Kind::Text | Kind::Date | Kind::DateTime | Kind::Image | Kind::File => {
            "String"
        }
        Kind::Bool => "bool",
        _ => "i64",
    }
}

/// Checks one raw value `raw` of field `f`, giving `Option<T>` (failures recorded on `v`).
pub(super) fn convert(f: &Field) -> String {
    let col = f.column();
    match &f.kind {
        Kind::String => format!("v.text(\"{col}\", Some(raw), 200)"),
        Kind::Text => format!("v.text(\"{col}\", Some(raw), 100_000)"),
        Kind::Int => format!(
            "match i32::try_from(raw) {{\n                Ok(n) => Some(n),\n                Err(_) => {{\n                    v.fail(\"{col}\", \"Must be an integer from -2147483648 to 2147483647.\");\n                    None\n                }}\n            }}"
        ),
        // An image is never input through the API or the pages (see `takes_input`).
        Kind::BigInt | Kind::Bool | Kind::Image | Kind::File => "Some(raw)".to_string(),
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

/// The fields a new row must be given, quoted: `"name", "age"` (a `bool` defaults to false).
pub(super) fn required_fields(m: &ModelSpec) -> Vec<String> {
    m.fields
        .iter()
        .filter(|f| !f.optional && f.kind != Kind::Bool)
        .map(|f| format!("\"{}\"", f.column()))
        .collect()
}

/// The OpenAPI attributes of an input field, matching what `convert` accepts.
pub(super) fn input_schema(f: &Field) -> String {
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
        Kind::Image | Kind::File => ("String", ", max_length = 100"),
    };
    if f.optional {
        format!("value_type = Option<{ty}>{extra}")
    } else {
        format!("value_type = {ty}{extra}")
    }
}

/// Whether the API and the pages' forms take the field (an image or file is uploaded on
/// the admin site, where the form sends files).
pub(super) fn takes_input(f: &Field) -> bool {
    !f.kind.is_media()
}

pub(super) fn html_input(f: &Field) -> String {
    if !takes_input(f) {
        return String::new();
    }
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

pub(super) fn display(f: &Field, var: &str) -> String {
    let col = f.column();
    match f.kind {
        Kind::Money => format!("{{{{ {var}.{col}|money if {var}.{col} is not none else \"—\" }}}}"),
        Kind::Bool => format!("{{{{ \"yes\" if {var}.{col} else \"no\" }}}}"),
        // The detail view puts each picture's (and file's) URL in `pictures`.
        Kind::Image => format!(
            "{{% if pictures.{col} %}}<a href=\"{{{{ pictures.{col}.url }}}}\"><img src=\"{{{{ pictures.{col}.thumbnail_url }}}}\" alt=\"\" height=\"160\"></a>{{% else %}}—{{% endif %}}"
        ),
        Kind::File => format!(
            "{{% if pictures.{col} %}}<a href=\"{{{{ pictures.{col}.url }}}}\">Download</a>{{% else %}}—{{% endif %}}"
        ),
        _ => format!("{{{{ {var}.{col} if {var}.{col} is not none else \"—\" }}}}"),
    }
}

/// (valid JSON, changed JSON, invalid JSON, form value, text shown on a page).
pub(super) fn samples(f: &Field) -> (String, String, String, String, String) {
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
        Kind::Image | Kind::File => (s("null"), s("null"), s("1"), String::new(), String::new()),
        Kind::ForeignKey(_) => (
            format!("{}(app).await", fixture_name(f)),
            format!("{}(&app).await", fixture_name(f)),
            s("0"),
            String::new(),
            String::new(),
        ),
    }
}

pub(super) fn fixture_name(f: &Field) -> String {
    format!("create_{}", f.name)
}

/// Test helpers creating the rows required foreign keys point at.
pub(super) fn fixtures(m: &ModelSpec) -> String {
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
pub(super) fn probe(m: &ModelSpec) -> &Field {
    m.fields
        .iter()
        .find(|f| !matches!(f.kind, Kind::ForeignKey(_) | Kind::Bool) && !f.kind.is_media())
        .unwrap_or(&m.fields[0])
}

/// The probe's value in a valid form, as a Rust `&str` expression: a sample, or for a
/// reference the id `valid_form`'s setup lines created (a model of references only).
pub(super) fn probe_form_value(p: &Field) -> String {
    match p.kind {
        Kind::ForeignKey(_) => format!("{}.as_str()", p.column()),
        _ => format!("{:?}", samples(p).3),
    }
}

/// A valid HTML form for the model, as test code: the lines creating the rows its
/// required references point at, and the `(name, value)` pairs.
pub(super) fn valid_form(m: &ModelSpec) -> (String, String) {
    let mut fields = String::new();
    let mut setup = String::new();
    for f in &m.fields {
        let col = f.column();
        match &f.kind {
            Kind::ForeignKey(_) if f.optional => {}
            Kind::Image | Kind::File => {}
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
