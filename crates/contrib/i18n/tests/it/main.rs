//! The i18n extra through HTTP: negotiation, the `lang` cookie, `t()` in templates and
//! the `Language` extractor in handlers.

use std::sync::Arc;

use axum::response::Response;
use web::urls::get;
use web::{App, Error, Installer, Page, Project, Urls, context};
use web_i18n::{InstallMessages, Language};
use web_test::TestApp;

/// A small app with messages in English and German, a page and a JSON answer.
struct Greeter;

impl App for Greeter {
    fn label(&self) -> &'static str {
        "greeter"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn urls(&self) -> Urls {
        Urls::new("greeter")
            .route("/", "page", get(page))
            .api("/hello", "hello", get(hello))
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"));
    }
}

async fn page(page: Page) -> Result<Response, Error> {
    page.render("greeter/page.html", context! {}).await
}

async fn hello(language: Language) -> String {
    language.t_with("greeter-hello", &web_i18n::args([("name", "Grace".into())]))
}

fn project() -> Project {
    web_test::project(
        // The harness installs the framework's extras, this one among them.
        vec![Arc::new(Greeter)],
        || web_test::urls().include("/greeter", Greeter.urls()),
        migration::group,
    )
}

async fn app() -> TestApp {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates");
    TestApp::builder(&project())
        .setting("templates.dir", templates)
        .build()
        .await
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let start = text.find(&format!("<p id=\"{id}\">")).expect(id) + id.len() + 9;
    &text[start..start + text[start..].find("</p>").unwrap()]
}

#[tokio::test]
async fn without_a_cookie_accept_language_decides_else_the_default() {
    let app = app().await;
    let german = app
        .client
        .get("/greeter/")
        .header("accept-language", "de-AT,de;q=0.9,en;q=0.5")
        .send()
        .await;
    german.assert_status(200);
    let text = german.text();
    assert_eq!(between(&text, "greeting"), "Hallo, Ada!");
    assert_eq!(between(&text, "items"), "3 Artikel");
    assert_eq!(between(&text, "lang"), "de");
    assert!(
        text.contains("<li>en=English</li><li>de=Deutsch</li>"),
        "{text}"
    );
    assert_eq!(german.header("content-language"), Some("de"));
    assert!(
        german
            .header_all("vary")
            .iter()
            .any(|v| v.contains("accept-language"))
    );

    let other = app
        .client
        .get("/greeter/")
        .header("accept-language", "fr")
        .send()
        .await;
    assert_eq!(between(&other.text(), "greeting"), "Hello, Ada!");
    assert_eq!(other.header("content-language"), Some("en"));
    let none = app.client.get("/greeter/").send().await;
    assert_eq!(between(&none.text(), "items"), "3 items");
}

#[tokio::test]
async fn the_api_speaks_the_request_s_language() {
    let app = app().await;
    let res = app
        .client
        .get("/api/greeter/hello")
        .header("accept-language", "de")
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.text(), "Hallo, Grace!");
    assert_eq!(res.header("content-language"), Some("de"));
}

#[tokio::test]
async fn setlang_sets_the_cookie_that_then_wins_over_the_header() {
    let app = app().await;
    let res = app
        .client
        .submit_form(
            "/greeter/",
            "/i18n/setlang/",
            &[("language", "de"), ("next", "/greeter/?x=1")],
        )
        .await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/greeter/?x=1"));
    assert_eq!(app.client.cookie("lang").as_deref(), Some("de"));
    let page = app
        .client
        .get("/greeter/")
        .header("accept-language", "en")
        .send()
        .await;
    assert_eq!(between(&page.text(), "greeting"), "Hallo, Ada!");
    // The cookie decided: the answer does not vary by the header.
    assert!(
        !page
            .header_all("vary")
            .iter()
            .any(|v| v.contains("accept-language"))
    );
}

#[tokio::test]
async fn setlang_ignores_an_unknown_language_and_a_foreign_next() {
    let app = app().await;
    let res = app
        .client
        .submit_form(
            "/greeter/",
            "/i18n/setlang/",
            &[("language", "xx"), ("next", "https://evil.example/")],
        )
        .await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/"));
    assert_eq!(app.client.cookie("lang"), None);
    let page = app.client.get("/greeter/").send().await;
    assert_eq!(between(&page.text(), "lang"), "en");
}

#[tokio::test]
async fn setlang_needs_the_csrf_token() {
    let app = app().await;
    app.client
        .post("/i18n/setlang/")
        .form(&[("language", "de"), ("next", "/")])
        .send()
        .await
        .assert_status(403);
    assert_eq!(app.client.cookie("lang"), None);
}
