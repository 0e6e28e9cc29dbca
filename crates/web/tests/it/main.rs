//! The framework's behaviour through HTTP, with a small demo app.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use web::urls::{get, post};
use web::{
    App, Db, Embedded, Error, Form, Id, Json, Page, Project, Query, Reverser, UrlRegistry, Urls,
    context,
};
use web_sessions::Messages;
use web_test::TestApp;

mod csp;
mod cursor;
mod db;
mod errors;
mod extract;
mod forms;
mod health;
mod middleware;
mod pages;
mod server;
mod settings;
mod templates;
mod urls;

pub struct Demo;

#[async_trait]
impl App for Demo {
    fn label(&self) -> &'static str {
        "demo"
    }
    fn urls(&self) -> Urls {
        demo_urls()
    }
    fn migration_group(&self) -> Option<&'static str> {
        None
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
    fn install(&self, app: &mut web::Installer) {
        app.template_functions(demo_templates);
    }
}

fn demo_templates(env: &mut minijinja::Environment<'static>) {
    {
        // The project's base layout links to apps this test project does not install.
        env.add_template_owned(
            "base.html",
            r#"<!doctype html><html><head><title>{% block title %}{% endblock %}</title><link rel="stylesheet" href="{{ static("css/site.css") }}"></head><body>{% for m in messages %}<div class="message message-{{ m.level }}">{{ m.text }}</div>{% endfor %}{% block content %}{% endblock %}</body></html>"#,
        )
        .unwrap();
        env.add_template_owned(
            "demo/form.html",
            r#"{% extends "base.html" %}{% block content %}<form method="post" action="{{ url("demo:form") }}">{{ csrf_input() }}<input name="name"><button>Send</button></form>{% endblock %}"#,
        )
        .unwrap();
        env.add_template_owned(
            "demo/done.html",
            r#"{% extends "base.html" %}{% block content %}<p id="done">done {{ who }}</p><script nonce="{{ csp_nonce }}">window.done = true;</script>{% endblock %}"#,
        )
        .unwrap();
    }
}

pub fn demo_urls() -> Urls {
    Urls::new("demo")
        .route("/form/", "form", get(form_page).post(form_submit))
        .route("/done/", "done", get(done_page))
        .route("/boom/", "boom_page", get(boom))
        .route("/items/{id}/", "item", get(item))
        .api("/echo", "echo", post(echo))
        .api("/boom", "boom", get(boom))
        .api("/slow", "slow", get(slow))
        .api("/items/{id}", "api_item", get(item))
        .api("/db", "db", get(db_ping))
        .api("/long-statement", "long_statement", post(long_statement))
}

async fn form_page(page: Page) -> Result<Response, Error> {
    page.render("demo/form.html", context! {}).await
}

async fn form_submit(
    messages: Messages,
    urls: Reverser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Redirect, Error> {
    let name = form.get("name").cloned().unwrap_or_default();
    messages.success(format!("Hello, {name}!")).await?;
    Ok(Redirect::to(&urls.reverse("demo:done", &[])?))
}

async fn done_page(page: Page) -> Result<Response, Error> {
    page.render("demo/done.html", context! { who => "<b>you</b>" })
        .await
}

async fn boom() -> &'static str {
    panic!("kaboom")
}

async fn item(Id(id): Id) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "id": id }))
}

#[derive(Deserialize)]
struct EchoIn {
    name: String,
    age: i64,
}

async fn echo(Json(body): Json<EchoIn>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "name": body.name, "age": body.age }))
}

#[derive(Deserialize)]
struct SlowQuery {
    ms: u64,
}

async fn slow(Query(q): Query<SlowQuery>) -> Response {
    tokio::time::sleep(Duration::from_millis(q.ms)).await;
    "slept".into_response()
}

async fn db_ping(db: Db) -> Result<Json<serde_json::Value>, Error> {
    web::db::ping(&db).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// Writes a session row, then runs a statement that takes seconds on every backend, in
/// one transaction (for `database.statement_timeout_ms`).
async fn long_statement(db: Db) -> Result<&'static str, Error> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    web::db::write_transaction(&db, |txn| {
        Box::pin(async move {
            let backend = txn.get_database_backend();
            let insert = match backend {
                DbBackend::Sqlite => {
                    "INSERT INTO sessions (id, data, expires_at) VALUES ('long-statement', '{}', datetime('now'))"
                }
                _ => "INSERT INTO sessions (id, data, expires_at) VALUES ('long-statement', '{}', now())",
            };
            txn.execute_raw(Statement::from_string(backend, insert)).await?;
            let long = match backend {
                DbBackend::Postgres => "SELECT pg_sleep(5)",
                DbBackend::MySql => "SELECT SLEEP(5)",
                _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c",
            };
            txn.query_one_raw(Statement::from_string(backend, long)).await?;
            Ok(())
        })
    })
    .await?;
    Ok("finished")
}

pub fn project() -> Project {
    Project {
        apps: vec![
            Arc::new(web::health::Health),
            Arc::new(web_sessions::Sessions),
            Arc::new(Demo),
        ],
        urls: || {
            UrlRegistry::new()
                .include("", web::health::urls())
                .include("/demo", demo_urls())
        },
        migrations: migration::group,
        embedded: Embedded::none(),
    }
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}
