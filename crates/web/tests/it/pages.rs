//! HTML plumbing: sessions, CSRF, flash messages, autoescaping, redirects.

use crate::app;

#[tokio::test]
async fn a_page_without_forms_creates_no_session() {
    let app = app().await;
    let res = app.client.get("/demo/done/").send().await;
    res.assert_status(200);
    assert!(res.header("set-cookie").is_none());
}

#[tokio::test]
async fn form_post_without_csrf_token_is_403() {
    let app = app().await;
    let res = app
        .client
        .post("/demo/form/")
        .form(&[("name", "x")])
        .send()
        .await;
    res.assert_status(403);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.text().contains("CSRF"));
    // With a session but a wrong token.
    app.client.csrf_token("/demo/form/").await;
    let res = app
        .client
        .post("/demo/form/")
        .form(&[("name", "x"), ("csrf_token", "forged")])
        .send()
        .await;
    res.assert_status(403);
}

#[tokio::test]
async fn form_post_with_token_redirects_and_flashes_once() {
    let app = app().await;
    let res = app
        .client
        .submit_form("/demo/form/", "/demo/form/", &[("name", "Ada")])
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/demo/done/"));
    let done = app.client.get("/demo/done/").send().await;
    assert!(done.text().contains("Hello, Ada!"), "{}", done.text());
    assert!(done.text().contains("message-success"));
    let again = app.client.get("/demo/done/").send().await;
    assert!(
        !again.text().contains("Hello, Ada!"),
        "a flash message shows once"
    );
}

#[tokio::test]
async fn csrf_token_also_accepted_in_header() {
    let app = app().await;
    let token = app.client.csrf_token("/demo/form/").await;
    let res = app
        .client
        .post("/demo/form/")
        .header("x-csrf-token", &token)
        .form(&[("name", "Bo")])
        .send()
        .await;
    res.assert_status(303);
}

#[tokio::test]
async fn token_from_another_session_is_refused() {
    let app = app().await;
    let token = app.client.csrf_token("/demo/form/").await;
    let other = app.client.new_session();
    other.csrf_token("/demo/form/").await;
    let res = other
        .post("/demo/form/")
        .form(&[("name", "x"), ("csrf_token", token.as_str())])
        .send()
        .await;
    res.assert_status(403);
}

#[tokio::test]
async fn an_anonymous_form_page_stores_nothing_and_sets_a_signed_csrf_cookie() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = app().await;
    let res = app.client.get("/demo/form/").send().await;
    let cookies: Vec<&str> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let csrf = cookies[0];
    assert!(csrf.starts_with("csrftoken="), "{csrf}");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"));
    assert!(!csrf.contains("Secure"));
    let sessions = || web_sessions::store::entity::Entity::find().count(app.db());
    assert_eq!(
        sessions().await.unwrap(),
        0,
        "an anonymous GET writes nothing"
    );
    // The cookie's token is the form's; posting it works, and the flash message is the
    // first thing stored: that starts the session.
    let token = res.csrf_token().unwrap();
    let posted = app
        .client
        .post("/demo/form/")
        .form(&[("name", "x"), ("csrf_token", token.as_str())])
        .send()
        .await;
    posted.assert_status(303);
    let session = posted.header("set-cookie").expect("a session now");
    assert!(session.starts_with("sessionid="));
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert_eq!(sessions().await.unwrap(), 1);
    // A forged cookie (wrong signature) carries no token.
    let forged = app.client.new_session();
    let res = forged
        .post("/demo/form/")
        .header(
            "cookie",
            &format!("csrftoken={token}.00000000000000000000000000000000"),
        )
        .form(&[("name", "x"), ("csrf_token", token.as_str())])
        .send()
        .await;
    res.assert_status(403);
}

#[tokio::test]
async fn templates_autoescape_and_reverse_urls() {
    let app = app().await;
    let done = app.client.get("/demo/done/").send().await;
    assert!(done.text().contains("done &lt;b&gt;you"), "{}", done.text());
    assert!(!done.text().contains("<b>you"));
    let form = app.client.get("/demo/form/").send().await;
    assert!(
        form.text().contains(r#"action="/demo/form/""#),
        "{}",
        form.text()
    );
    assert!(form.text().contains(r#"href="/static/css/site.css""#));
}

#[tokio::test]
async fn missing_trailing_slash_redirects_for_pages_only() {
    let app = app().await;
    let res = app.client.get("/demo/done?x=1").send().await;
    res.assert_status(308);
    assert_eq!(res.location(), Some("/demo/done/?x=1"));
    app.client
        .get("/api/demo/echo/")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn templates_can_ask_whether_a_route_exists() {
    let app = app().await;
    let env = app.state.templates();
    let html = env
        .render_str(r#"{% if "demo:form" is route %}yes{% endif %}{% if "shop:cart" is route %}no{% endif %}"#, minijinja::Value::UNDEFINED)
        .unwrap();
    assert_eq!(html, "yes");
}

#[tokio::test]
async fn html_answers_carry_a_content_security_policy_with_their_nonce() {
    let app = app().await;
    let page = app.client.get("/demo/done/").send().await;
    let policy = page
        .header("content-security-policy")
        .expect("a policy")
        .to_string();
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(policy.contains(directive), "{directive} missing: {policy}");
    }
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    let text = page.text();
    let nonce = text
        .split(r#"<script nonce=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's script has a nonce");
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
    let again = app.client.get("/demo/done/").send().await;
    assert!(!again.text().contains(nonce), "a new nonce per response");
    // HTML errors too; JSON answers need none.
    let missing = app.client.get("/demo/nowhere/").send().await;
    assert!(missing.header("content-security-policy").is_some());
    let json = app.client.get("/api/demo/items/1").send().await;
    assert!(json.header("content-security-policy").is_none());
    // server.csp replaces the policy.
    let custom = web_test::TestApp::builder(&crate::project())
        .setting(
            "server.csp",
            "default-src 'none'; script-src 'nonce-{nonce}'",
        )
        .build()
        .await;
    let page = custom.client.get("/demo/done/").send().await;
    let policy = page.header("content-security-policy").unwrap();
    assert!(
        policy.starts_with("default-src 'none'; script-src 'nonce-"),
        "{policy}"
    );
}

/// CSRF also checks where a form post comes from (Django's origin checks): an `Origin`
/// other than the site's own (or one of `server.csrf_trusted_origins`) is refused even
/// with a valid token; on HTTPS (a trusted proxy's `X-Forwarded-Proto`) without `Origin`,
/// so is another site's `Referer`; with neither header the token alone decides.
#[tokio::test]
async fn form_posts_from_another_origin_are_refused() {
    let app = web_test::TestApp::builder(&crate::project())
        .setting("server.csrf_trusted_origins", "https://pay.example.com")
        .setting("server.trusted_proxies", "127.0.0.1")
        .build()
        .await;
    let token = app.client.csrf_token("/demo/form/").await;
    let post = |headers: &[(&str, &str)]| {
        let mut request = app
            .client
            .post("/demo/form/")
            .form(&[("name", "x"), ("csrf_token", token.as_str())]);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    for (headers, status) in [
        (vec![("origin", "https://evil.example")], 403),
        (vec![("origin", "null")], 403),
        (vec![("origin", "http://localhost.evil.example")], 403),
        (vec![("origin", "http://localhost")], 303),
        (vec![("origin", "HTTP://LOCALHOST/")], 303),
        (vec![("origin", "https://pay.example.com")], 303),
        (vec![], 303),
        // Plain HTTP: a Referer alone is not checked (as Django).
        (vec![("referer", "http://evil.example/page")], 303),
        // HTTPS behind the trusted proxy: the Referer must be the site's.
        (
            vec![
                ("x-forwarded-proto", "https"),
                ("referer", "https://evil.example/page"),
            ],
            403,
        ),
        (
            vec![
                ("x-forwarded-proto", "https"),
                ("referer", "https://localhost/demo/form/"),
            ],
            303,
        ),
        (
            vec![
                ("x-forwarded-proto", "https"),
                ("origin", "http://localhost"),
            ],
            403,
        ),
        (vec![("x-forwarded-proto", "https")], 303),
    ] {
        let res = post(&headers).await;
        assert_eq!(res.status.as_u16(), status, "{headers:?}: {}", res.text());
    }
}
