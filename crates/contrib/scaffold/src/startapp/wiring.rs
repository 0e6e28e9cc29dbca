//! Edits to the files that wire an app into the project. Each edit finds its place by
//! parsing the file (syn for Rust, toml_edit for Cargo.toml), inserts plain code there, and
//! parses the result again; a file whose shape is not recognised is refused, not guessed.

use anyhow::{Context, Result, bail};
use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// The byte offset of a line/column position (columns count characters).
fn offset(source: &str, at: LineColumn) -> usize {
    let mut line_start = 0;
    for (n, line) in source.split_inclusive('\n').enumerate() {
        if n + 1 == at.line {
            return line_start
                + line
                    .chars()
                    .take(at.column)
                    .map(char::len_utf8)
                    .sum::<usize>();
        }
        line_start += line.len();
    }
    source.len()
}

fn insert_at(source: &str, at: usize, text: &str) -> String {
    let mut out = String::with_capacity(source.len() + text.len());
    out.push_str(&source[..at]);
    out.push_str(text);
    out.push_str(&source[at..]);
    out
}

/// The indentation of the line holding byte `at`.
fn indent_of(source: &str, at: usize) -> String {
    let line_start = source[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    source[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn find_fn<'a>(file: &'a syn::File, name: &str) -> Option<&'a syn::ItemFn> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

fn parse(path: &str, source: &str) -> Result<syn::File> {
    syn::parse_file(source)
        .with_context(|| format!("{path} does not parse as Rust; fix it before adding an app"))
}

/// `crates/project/src/apps.rs`: adds `Arc::new(app::App),` to the `vec![…]` of
/// `installed_apps()`.
pub fn add_installed_app(source: &str, app: &str, app_struct: &str) -> Result<String> {
    const PATH: &str = "crates/project/src/apps.rs";
    let file = parse(PATH, source)?;
    let function = find_fn(&file, "installed_apps")
        .with_context(|| format!("{PATH}: no `fn installed_apps`"))?;
    #[derive(Default)]
    struct FindVec<'a>(Option<&'a syn::Macro>);
    impl<'a> Visit<'a> for FindVec<'a> {
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if self.0.is_none() && m.path.is_ident("vec") {
                self.0 = Some(m);
            }
        }
    }
    let mut finder = FindVec::default();
    finder.visit_item_fn(function);
    let mac = finder.0.with_context(|| format!("{PATH}: `installed_apps` does not return a `vec![…]`; add `Arc::new({app}::{app_struct}),` yourself"))?;
    if mac.tokens.to_string().contains(&format!("{app} ::")) {
        bail!("{PATH}: `{app}` is already installed");
    }
    let syn::MacroDelimiter::Bracket(bracket) = &mac.delimiter else {
        bail!("{PATH}: expected `vec![…]` with square brackets");
    };
    let close = offset(source, bracket.span.close().start());
    let before = source[..close].trim_end();
    let entry = format!("Arc::new({app}::{app_struct}),");
    let edited = if before.ends_with(',') || before.ends_with('[') {
        let indent = indent_of(source, before.len().saturating_sub(1));
        let at = before.len();
        insert_at(source, at, &format!("\n{indent}{entry}"))
    } else {
        insert_at(source, before.len(), &format!(", {entry}"))
    };
    parse(PATH, &edited).context("the edit would break the file")?;
    Ok(edited)
}

/// `crates/project/src/urls.rs`: appends `.include(prefix, app::urls())` to the chain
/// `urlpatterns()` returns.
pub fn add_include(source: &str, app: &str, prefix: &str) -> Result<String> {
    const PATH: &str = "crates/project/src/urls.rs";
    let file = parse(PATH, source)?;
    let function =
        find_fn(&file, "urlpatterns").with_context(|| format!("{PATH}: no `fn urlpatterns`"))?;
    let Some(syn::Stmt::Expr(tail, None)) = function.block.stmts.last() else {
        bail!("{PATH}: `urlpatterns` should end with the `UrlRegistry::new().include(…)…` chain");
    };
    let chain = quote::quote!(#tail).to_string();
    if !chain.contains("UrlRegistry :: new") {
        bail!(
            "{PATH}: `urlpatterns` does not build a `UrlRegistry`; add `.include(\"{prefix}\", {app}::urls())` yourself"
        );
    }
    if chain.contains(&format!("{app} :: urls")) {
        bail!("{PATH}: the URLs of `{app}` are already included");
    }
    let end = offset(source, tail.span().end());
    let indent = match tail {
        syn::Expr::MethodCall(call) => {
            indent_of(source, offset(source, call.dot_token.span().start()))
        }
        _ => "        ".to_string(),
    };
    let edited = insert_at(
        source,
        end,
        &format!("\n{indent}.include(\"{prefix}\", {app}::urls())"),
    );
    parse(PATH, &edited).context("the edit would break the file")?;
    Ok(edited)
}

/// The includes of `urls.rs`: (prefix, call such as `catalog::urls()`), for the tests of a
/// new app that must mount the apps it depends on.
pub fn includes(source: &str) -> Result<Vec<(String, String)>> {
    let file = parse("crates/project/src/urls.rs", source)?;
    let mut found = Vec::new();
    struct Calls<'a>(&'a mut Vec<(String, String)>);
    impl<'a> Visit<'a> for Calls<'_> {
        fn visit_expr_method_call(&mut self, call: &'a syn::ExprMethodCall) {
            syn::visit::visit_expr_method_call(self, call);
            if call.method == "include"
                && call.args.len() == 2
                && let (
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(prefix),
                        ..
                    }),
                    module,
                ) = (&call.args[0], &call.args[1])
            {
                self.0.push((
                    prefix.value(),
                    quote::quote!(#module).to_string().replace(' ', ""),
                ));
            }
        }
    }
    Calls(&mut found).visit_file(&file);
    Ok(found)
}

/// The apps of `apps.rs` in order, as written: `accounts::Accounts`, or a struct literal
/// such as `web_openapi::ApiDocs { title: "…", … }`.
pub fn installed(source: &str) -> Result<Vec<String>> {
    let re = regex::Regex::new(r"Arc::new\(\s*([A-Za-z_][A-Za-z0-9_:]*(?:\s*\{[^}]*\})?)\s*\)")
        .expect("valid regex");
    Ok(re.captures_iter(source).map(|c| c[1].to_string()).collect())
}

/// `migration/src/lib.rs`: `pub mod app;` and the arm `"app" => Some(app::migrations()),`
/// of `group`.
pub fn add_migration_group(source: &str, app: &str) -> Result<String> {
    const PATH: &str = "migration/src/lib.rs";
    let file = parse(PATH, source)?;
    let modules: Vec<&syn::ItemMod> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Mod(m) => Some(m),
            _ => None,
        })
        .collect();
    if modules.iter().any(|m| m.ident == app) {
        bail!("{PATH}: a module `{app}` already exists");
    }
    let function = find_fn(&file, "group").with_context(|| format!("{PATH}: no `fn group`"))?;
    let Some(syn::Stmt::Expr(syn::Expr::Match(matched), None)) = function.block.stmts.last() else {
        bail!(
            "{PATH}: `group` should be one `match app {{ … }}`; add the arm for `{app}` yourself"
        );
    };
    let wildcard = matched
        .arms
        .iter()
        .find(|arm| matches!(arm.pat, syn::Pat::Wild(_)))
        .with_context(|| format!("{PATH}: the match in `group` has no `_ => None` arm"))?;
    // Insert the arm first (it is later in the file), then the module, so offsets hold.
    let arm_at = offset(source, wildcard.span().start());
    let arm_indent = indent_of(source, arm_at);
    let with_arm = insert_at(
        source,
        arm_at,
        &format!("\"{app}\" => Some({app}::migrations()),\n{arm_indent}"),
    );
    let module_line = match modules.iter().find(|m| m.ident.to_string().as_str() > app) {
        Some(next) => {
            let at = offset(source, next.span().start());
            let start = source[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
            (start, format!("pub mod {app};\n"))
        }
        None => match modules.last() {
            Some(last) => (
                offset(source, last.span().end()),
                format!("\npub mod {app};"),
            ),
            // A new project's first app: after the `use` lines.
            None => {
                let last_use = file
                    .items
                    .iter()
                    .rfind(|i| matches!(i, syn::Item::Use(_)))
                    .with_context(|| {
                        format!("{PATH}: no `pub mod` or `use` items to put `pub mod {app};` after")
                    })?;
                (
                    offset(source, last_use.span().end()),
                    format!("\n\npub mod {app};"),
                )
            }
        },
    };
    let edited = insert_at(&with_arm, module_line.0, &module_line.1);
    parse(PATH, &edited).context("the edit would break the file")?;
    Ok(edited)
}

/// Inserts `line` into the `[section]` of a Cargo.toml after its last line that starts
/// with `after_prefix` (or at the end of the section), and checks the result with
/// toml_edit: `key` must then be present in the section.
pub fn add_toml_line(
    path: &str,
    source: &str,
    section: &[&str],
    after: &regex::Regex,
    line: &str,
    key: &str,
) -> Result<String> {
    let doc: toml_edit::DocumentMut = source
        .parse()
        .with_context(|| format!("{path} does not parse as TOML"))?;
    let table = lookup(&doc, section)
        .with_context(|| format!("{path}: no [{}] table", section.join(".")))?;
    if table.contains_key(key) {
        bail!("{path}: [{}] already has `{key}`", section.join("."));
    }
    let header = format!("[{}]", section.join("."));
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == header)
        .with_context(|| format!("{path}: no `{header}` line"))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    let anchor = (start + 1..end)
        .rev()
        .find(|&i| after.is_match(lines[i]))
        .or_else(|| {
            (start + 1..end)
                .rev()
                .find(|&i| !lines[i].trim().is_empty())
        });
    let at = anchor.map(|i| i + 1).unwrap_or(start + 1);
    let mut out: String = lines[..at].concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out.push_str(&lines[at..].concat());
    let check: toml_edit::DocumentMut = out
        .parse()
        .with_context(|| format!("the edit would break {path}"))?;
    if !lookup(&check, section).is_some_and(|t| t.contains_key(key)) {
        bail!(
            "{path}: the edit did not add `{key}` to [{}]",
            section.join(".")
        );
    }
    Ok(out)
}

fn lookup<'a>(doc: &'a toml_edit::DocumentMut, path: &[&str]) -> Option<&'a toml_edit::Table> {
    let mut table = doc.as_table();
    for part in path {
        table = table.get(part)?.as_table()?;
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPS: &str = "use std::sync::Arc;\n\nuse web::App;\n\npub fn installed_apps() -> Vec<Arc<dyn App>> {\n    vec![\n        Arc::new(web::health::Health),\n        Arc::new(accounts::Accounts),\n    ]\n}\n";
    const URLS: &str = "use web::UrlRegistry;\n\npub fn urlpatterns() -> UrlRegistry {\n    UrlRegistry::new()\n        .include(\"\", web::health::urls())\n        .include(\"/accounts\", accounts::urls())\n}\n";
    const MIGRATION: &str = "pub mod accounts;\nmod columns;\npub mod sessions;\n\npub fn group(app: &str) -> Option<Vec<Box<dyn MigrationTrait>>> {\n    match app {\n        \"sessions\" => Some(sessions::migrations()),\n        _ => None,\n    }\n}\n";

    #[test]
    fn installed_apps_are_read_with_their_struct_literals() {
        let source = APPS.replace(
            "        Arc::new(accounts::Accounts),\n",
            "        Arc::new(accounts::Accounts),\n        Arc::new(web_openapi::ApiDocs {\n            title: \"Store\",\n            version: env!(\"CARGO_PKG_VERSION\"),\n        }),\n",
        );
        let apps = installed(&source).unwrap();
        assert_eq!(apps.len(), 3);
        assert!(apps[2].starts_with("web_openapi::ApiDocs {"), "{apps:?}");
        assert!(apps[2].ends_with('}'), "{apps:?}");
    }

    #[test]
    fn installed_apps_gets_a_line() {
        let out = add_installed_app(APPS, "students", "Students").unwrap();
        assert!(out.contains("        Arc::new(accounts::Accounts),\n        Arc::new(students::Students),\n    ]"), "{out}");
        assert!(
            add_installed_app(&out, "students", "Students")
                .unwrap_err()
                .to_string()
                .contains("already installed")
        );
        assert!(add_installed_app("pub fn other() {}", "s", "S").is_err());
    }

    #[test]
    fn urls_get_an_include() {
        let out = add_include(URLS, "students", "/students").unwrap();
        assert!(out.contains("        .include(\"/accounts\", accounts::urls())\n        .include(\"/students\", students::urls())\n}"), "{out}");
        assert!(add_include(&out, "students", "/students").is_err());
        assert_eq!(
            includes(&out).unwrap()[2],
            ("/students".to_string(), "students::urls()".to_string())
        );
    }

    #[test]
    fn migration_gets_a_module_and_an_arm() {
        let out = add_migration_group(MIGRATION, "students").unwrap();
        assert!(
            out.contains("mod columns;\npub mod sessions;\npub mod students;\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "        \"students\" => Some(students::migrations()),\n        _ => None,"
            ),
            "{out}"
        );
        let early = add_migration_group(MIGRATION, "billing").unwrap();
        assert!(
            early.contains("pub mod accounts;\npub mod billing;\nmod columns;"),
            "{early}"
        );
        assert!(add_migration_group(&out, "students").is_err());
    }

    #[test]
    fn a_new_project_s_first_group_goes_after_the_use_lines() {
        let fresh = "pub use sea_orm_migration::prelude::*;\n\n/// Doc.\npub fn group(app: &str) -> Option<Vec<Box<dyn MigrationTrait>>> {\n    match app {\n        \"accounts\" => Some(accounts::migrations::migrations()),\n        _ => None,\n    }\n}\n";
        let out = add_migration_group(fresh, "students").unwrap();
        assert!(
            out.starts_with(
                "pub use sea_orm_migration::prelude::*;\n\npub mod students;\n\n/// Doc.\n"
            ),
            "{out}"
        );
        assert!(out.contains("\"students\" => Some(students::migrations()),"));
    }

    #[test]
    fn cargo_toml_lines() {
        let toml = "[workspace]\nmembers = []\n\n[workspace.dependencies]\nweb = { path = \"crates/web\" }\nmigration = { path = \"migration\" }\n\n# Web\naxum = \"0.8\"\n";
        let re = regex::Regex::new(r#"^\w[\w-]* = \{ path = "#).unwrap();
        let out = add_toml_line(
            "Cargo.toml",
            toml,
            &["workspace", "dependencies"],
            &re,
            "students = { path = \"crates/students\" }",
            "students",
        )
        .unwrap();
        assert!(out.contains("migration = { path = \"migration\" }\nstudents = { path = \"crates/students\" }\n\n# Web"), "{out}");
        assert!(
            add_toml_line(
                "Cargo.toml",
                &out,
                &["workspace", "dependencies"],
                &re,
                "x",
                "students"
            )
            .is_err()
        );
    }

    #[test]
    fn unparseable_files_are_refused() {
        assert!(
            add_installed_app("fn installed_apps( {", "a", "A")
                .unwrap_err()
                .to_string()
                .contains("does not parse")
        );
    }
}
