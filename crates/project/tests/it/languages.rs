//! The store in German: a visitor switches language in the footer and every page, flash
//! message and mail after that speaks German; an English visitor at the same time does
//! not.

use web_test::{TestApp, TestResponse};

/// English a German page must not show (navigation, buttons, headings).
const ENGLISH: &[&str] = &[
    ">Catalog<",
    ">Cart",
    ">Orders<",
    ">Log in<",
    ">Log out<",
    ">Register<",
    "Add to cart",
    "Buy now",
    "in stock",
    "Your cart",
    "Your orders",
    "Your account",
    "Your addresses",
    "Quantity",
    "Previous",
    ">Search<",
];

fn assert_german(page: &TestResponse, path: &str, expected: &[&str]) {
    let text = page.text();
    assert_eq!(page.header("content-language"), Some("de"), "{path}");
    assert!(text.contains(r#"<html lang="de">"#), "{path}");
    for phrase in expected {
        assert!(text.contains(phrase), "{path} lacks {phrase:?}:\n{text}");
    }
    for english in ENGLISH {
        assert!(!text.contains(english), "{path} shows {english:?}:\n{text}");
    }
}

#[tokio::test]
async fn a_german_visitor_browses_registers_buys_and_reads_german_everywhere() {
    let app = TestApp::new(&project::project()).await;
    catalog::seed::insert_products(app.db(), catalog::seed::demo_catalog().unwrap(), |_, _| {})
        .await
        .unwrap();
    let english = app.client.new_session();

    // The footer's switcher, from the catalog page, back to it.
    let switched = app
        .client
        .submit_form(
            "/catalog/",
            "/i18n/setlang/",
            &[("language", "de"), ("next", "/catalog/?page=1")],
        )
        .await;
    switched.assert_status(302);
    assert_eq!(switched.location(), Some("/catalog/?page=1"));

    let get = |path: &'static str| app.client.get(path).send();
    assert_german(
        &get("/catalog/").await,
        "/catalog/",
        &["<h1>Katalog</h1>", "auf Lager", "Seite 1 von", "Anmelden"],
    );
    assert_german(
        &get("/catalog/?q=kenya").await,
        "search",
        &[
            "2 Treffer für „kenya“.",
            "Alles anzeigen",
            "<title>„kenya“ — Katalog</title>",
        ],
    );
    assert_german(
        &get("/catalog/?q=no-such-thing").await,
        "no match",
        &["Keine Artikel passen zu „no-such-thing“."],
    );
    // An error page has no view, yet speaks the request's language.
    let missing = get("/no-such-page/").await;
    missing.assert_status(404);
    assert_german(&missing, "/no-such-page/", &[">Katalog<"]);
    let product_path = "/catalog/kenya-nyeri-coffee-beans-250-g/";
    let product = get(product_path).await;
    assert_german(
        &product,
        product_path,
        &["In den Warenkorb", "Artikelnr.", ", um jetzt zu kaufen."],
    );
    let product_id = product.hidden_input("product_id").unwrap();

    // The cart, with its flash message.
    let added = app
        .client
        .submit_form(
            product_path,
            "/cart/add/",
            &[("product_id", &product_id), ("quantity", "2")],
        )
        .await;
    added.assert_status(303);
    assert_german(
        &get("/cart/").await,
        "/cart/",
        &[
            "Ihr Warenkorb",
            "in den Warenkorb gelegt",
            "Zur Kasse",
            "Stückpreis",
        ],
    );

    // Registering from a German page: the account's mails are German too.
    for (path, expected) in [
        ("/accounts/register/", "Konto erstellen"),
        ("/accounts/login/", "Passwort vergessen?"),
        ("/accounts/password/reset/", "Link senden"),
    ] {
        assert_german(&app.client.get(path).send().await, path, &[expected]);
    }
    app.client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[
                ("email", "hans@example.com"),
                ("name", "Hans"),
                ("password", "analytical-engine-1843"),
            ],
        )
        .await
        .assert_status(303);
    assert_german(
        &get("/accounts/profile/").await,
        "/accounts/profile/",
        &[
            "Willkommen, Hans! Ihr Konto ist bereit.",
            "Ihr Konto",
            "Sprache Ihrer E-Mails",
            r#"<option value="de" selected>Deutsch</option>"#,
            "Abmelden",
        ],
    );
    assert_german(
        &get("/addresses/").await,
        "/addresses/",
        &["Ihre Adressen", "Noch keine Adressen."],
    );
    assert_german(
        &get("/addresses/new/").await,
        "/addresses/new/",
        &["Postleitzahl", "Bitte wählen…"],
    );

    // Buy now, pay: the order's pages, its status and the confirmation mail.
    let ordered = app
        .client
        .submit_form(
            product_path,
            "/orders/new/",
            &[("product_id", &product_id), ("quantity", "1")],
        )
        .await;
    ordered.assert_status(303);
    let order_page = ordered.location().unwrap().to_string();
    let form = app.client.get(&order_page).send().await;
    assert_german(
        &form,
        &order_page,
        &[
            "Bestellung Nr.",
            ">offen<",
            "Kartennummer",
            "bezahlen</button>",
        ],
    );
    let key = form.hidden_input("idempotency_key").unwrap();
    let token = form.csrf_token().unwrap();
    app.client
        .post(&format!("{order_page}pay/"))
        .form(&[
            ("card_number", "4242424242424242"),
            ("idempotency_key", &key),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .assert_status(303);
    assert_german(
        &app.client.get(&order_page).send().await,
        &order_page,
        &[r#"id="order-status">bezahlt"#, "Zahlungen", "erfolgreich"],
    );
    assert_german(
        &get("/orders/").await,
        "/orders/",
        &["Ihre Bestellungen", "Aufgegeben", ">bezahlt<"],
    );
    app.run_jobs().await;
    let mail = app
        .sent_mail()
        .into_iter()
        .find(|m| m.to == "hans@example.com")
        .expect("the confirmation");
    assert!(
        mail.subject.starts_with("Bestellung Nr."),
        "{}",
        mail.subject
    );

    // Meanwhile an English visitor gets English pages, the shared catalog page included.
    let page = english.get("/catalog/").send().await;
    assert_eq!(page.header("content-language"), Some("en"));
    assert!(page.text().contains("<h1>Catalog</h1>"));
    assert!(page.text().contains("in stock"));
}
