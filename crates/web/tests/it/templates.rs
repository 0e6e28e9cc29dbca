//! `web::templates`, through its public interface.

use web::templates::*;
use web::urls::{UrlRegistry, Urls, get};

#[test]
fn money_formats_minor_units() {
    assert_eq!(money(1999, Some("USD")), "$19.99");
    assert_eq!(money(5, None), "$0.05");
    assert_eq!(money(-250, Some("EUR")), "-€2.50");
    assert_eq!(money(1200, Some("JPY")), "1200 JPY");
    assert_eq!(money(100, Some("CHF")), "1.00 CHF");
}

#[test]
fn url_names_in_templates_are_checked() {
    async fn ok() {}
    let urls = UrlRegistry::new()
        .include(
            "/catalog",
            Urls::new("catalog").route("/{slug}/", "product_detail", get(ok)),
        )
        .build()
        .unwrap();
    let sources = vec![
        ("good.html".to_string(), r#"<a href="{{ url("catalog:product_detail", slug=p.slug) }}">"#.to_string()),
        ("bad.html".to_string(), r#"{{ url('catalog:nope') }} {{ url("catalog:product_detail") }} {{ url("catalog:product_detail", slug=1, id=2) }}"#.to_string()),
    ];
    let mut sources = sources;
    sources.push((
        "guarded.html".into(),
        r#"{% if "shop:cart" is route %}<a href="{{ url("shop:cart") }}">{% endif %}"#.into(),
    ));
    let problems = check_url_names(&sources, &urls.reverser);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("catalog:nope"));
    assert!(problems[1].contains("missing the parameter `slug`"));
    assert!(problems[2].contains("no parameter `id`"));
}

fn config(dir: Option<&std::path::Path>, apps: Vec<AppTemplates>) -> TemplateConfig {
    TemplateConfig {
        dir: dir.map(Into::into),
        reload: false,
        embedded: None,
        reverser: UrlRegistry::new().build().unwrap().reverser,
        static_url: "/static/".into(),
        functions: Vec::new(),
        apps,
    }
}

#[test]
fn an_app_carries_templates_and_the_project_overrides_them() {
    let project = tempfile::tempdir().unwrap();
    let app = tempfile::tempdir().unwrap();
    for (root, name, text) in [
        (project.path(), "accounts/login.html", "the project's login"),
        (app.path(), "accounts/login.html", "the app's login"),
        (app.path(), "accounts/profile.html", "the app's profile"),
    ] {
        std::fs::create_dir_all(root.join("accounts")).unwrap();
        std::fs::write(root.join(name), text).unwrap();
    }
    let carried = AppTemplates {
        folder: Box::leak(app.path().to_string_lossy().into_owned().into_boxed_str()),
        embedded: |name| {
            (name == "accounts/profile.html").then(|| b"compiled in".as_slice().into())
        },
        names: || vec!["accounts/profile.html".to_string()],
    };

    // Read from disk (development): the project's file wins, the app fills in the rest.
    let templates = Templates::new(config(Some(project.path()), vec![carried]));
    let render = |name| templates.render(name, minijinja::Value::UNDEFINED).unwrap();
    assert_eq!(render("accounts/login.html"), "the project's login");
    assert_eq!(render("accounts/profile.html"), "the app's profile");
    assert!(
        templates
            .render("accounts/nope.html", minijinja::Value::UNDEFINED)
            .is_err()
    );

    // A release binary with no folders beside it reads the app's compiled-in copy.
    let embedded = Templates::new(config(None, vec![carried]));
    assert_eq!(
        embedded
            .render("accounts/profile.html", minijinja::Value::UNDEFINED)
            .unwrap(),
        "compiled in"
    );

    // `project check` sees each name once, the project's copy first.
    let sources = template_sources(Some(project.path()), &[], &[carried]);
    let names: Vec<&str> = sources.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["accounts/login.html", "accounts/profile.html"]);
    assert_eq!(sources[0].1, "the project's login");
    let sources = template_sources(None, &[], &[carried]);
    assert_eq!(
        sources,
        [(
            "accounts/profile.html".to_string(),
            "compiled in".to_string()
        )]
    );
}
