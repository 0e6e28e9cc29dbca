//! `/cart/` and the product page's "Add to cart", for visitors and users; a visitor's
//! cart joining the user's on registration and login.

use serde_json::{Value, json};
use web_test::TestClient;

use accounts::testing::{PASSWORD, login, signed_in};

use crate::{app, buyer, get_cart, put_item, shop};

fn product_page(product: &Value) -> String {
    format!("/catalog/{}/", product["slug"].as_str().unwrap())
}

async fn add_to_cart(client: &TestClient, product: &Value, quantity: &str) -> String {
    let id = product["id"].to_string();
    let res = client
        .submit_form(
            &product_page(product),
            "/cart/add/",
            &[("product_id", &id), ("quantity", quantity)],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(product_page(product).as_str()));
    client.get(&product_page(product)).send().await.text()
}

/// The header's count of units in the cart.
fn header_units(html: &str) -> u32 {
    let start = html
        .find("id=\"cart-units\">")
        .expect("the header's cart link")
        + 16;
    html[start..].split('<').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_visitors_cart_survives_registration_and_is_edited_and_checked_out() {
    let app = app().await;
    let s = shop(&app, &[(1250, 5, "USD"), (399, 5, "USD")]).await;
    let visitor = app.client.new_session();
    assert_eq!(
        header_units(&visitor.get("/catalog/").send().await.text()),
        0
    );
    let page = add_to_cart(&visitor, &s.products[0], "2").await;
    assert!(page.contains("Added 2 × Product 0 to your cart"), "{page}");
    assert_eq!(header_units(&page), 2);
    let page = add_to_cart(&visitor, &s.products[1], "1").await;
    assert_eq!(header_units(&page), 3);
    let cart = visitor.get("/cart/").send().await.text();
    assert!(
        cart.contains("$25.00") && cart.contains("$3.99") && cart.contains("$28.99"),
        "{cart}"
    );

    // Checkout needs an account; the cart comes along through registration.
    let res = visitor.submit_form("/cart/", "/cart/checkout/", &[]).await;
    assert_eq!(res.location(), Some("/accounts/login/?next=/cart/"));
    let res = visitor
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[
                ("email", "new@example.com"),
                ("name", "New"),
                ("password", PASSWORD),
                ("next", "/cart/"),
            ],
        )
        .await;
    res.assert_status(303);
    let cart = visitor.get("/cart/").send().await.text();
    assert_eq!(header_units(&cart), 3, "{cart}");
    let token = accounts::testing::token(&app.client, "new@example.com").await;
    assert_eq!(get_cart(&app.client, &token).await["total_cents"], 2899);

    // Change a quantity, remove a line, then check out.
    let first = s.products[0]["id"].to_string();
    let res = visitor
        .submit_form(
            "/cart/",
            &format!("/cart/items/{first}/"),
            &[("quantity", "3")],
        )
        .await;
    assert_eq!(res.location(), Some("/cart/"));
    let cart = visitor.get("/cart/").send().await.text();
    assert!(
        cart.contains("Quantity updated to 3.") && cart.contains("$41.49"),
        "{cart}"
    );
    let res = visitor
        .submit_form(
            "/cart/",
            &format!("/cart/items/{first}/"),
            &[("quantity", "1001")],
        )
        .await;
    assert_eq!(res.location(), Some("/cart/"));
    assert!(
        visitor
            .get("/cart/")
            .send()
            .await
            .text()
            .contains("Choose a quantity from 1 to 1000.")
    );
    let second = s.products[1]["id"].to_string();
    visitor
        .submit_form("/cart/", &format!("/cart/items/{second}/remove/"), &[])
        .await
        .assert_status(303);
    let cart = visitor.get("/cart/").send().await.text();
    assert!(
        cart.contains("Removed from your cart.") && !cart.contains("Product 1"),
        "{cart}"
    );
    let res = visitor.submit_form("/cart/", "/cart/checkout/", &[]).await;
    res.assert_status(303);
    let order_page = res.location().unwrap().to_string();
    assert!(order_page.starts_with("/orders/"), "{order_page}");
    let page = visitor.get(&order_page).send().await.text();
    assert!(
        page.contains("Your order is placed") && page.contains("$37.50"),
        "{page}"
    );
    assert!(
        page.contains("Pay within 30 minutes"),
        "the time left to pay: {page}"
    );
    assert_eq!(header_units(&page), 0);
    let cart = visitor.get("/cart/").send().await.text();
    assert!(cart.contains("Your cart is empty."), "{cart}");
}

#[tokio::test]
async fn logging_in_merges_the_visitors_cart_into_the_users_capped_at_a_thousand() {
    let app = app().await;
    let s = shop(&app, &[(100, 5, "USD"), (200, 5, "USD"), (300, 5, "EUR")]).await;
    let token = buyer(&app, "ann@example.com").await;
    put_item(&app.client, &token, &s.products[0], json!(998))
        .await
        .assert_status(200);
    let visitor = app.client.new_session();
    add_to_cart(&visitor, &s.products[0], "5").await;
    add_to_cart(&visitor, &s.products[1], "2").await;
    login(&visitor, "ann@example.com").await;
    let cart = get_cart(&app.client, &token).await;
    assert_eq!(
        crate::quantities(&cart),
        [
            (s.products[0]["id"].clone(), json!(1000)),
            (s.products[1]["id"].clone(), json!(2))
        ]
    );
    // The session's cart moved: signed out, this browser's cart is empty.
    visitor
        .submit_form("/cart/", "/accounts/logout/", &[])
        .await;
    assert_eq!(header_units(&visitor.get("/cart/").send().await.text()), 0);

    // A visitor's line in another currency than the user's cart stays behind.
    let other = app.client.new_session();
    add_to_cart(&other, &s.products[2], "1").await;
    login(&other, "ann@example.com").await;
    assert_eq!(
        get_cart(&app.client, &token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn the_product_page_keeps_buy_now_first_and_adds_add_to_cart() {
    let app = app().await;
    let s = shop(&app, &[(100, 5, "USD"), (100, 5, "EUR")]).await;
    buyer(&app, "ann@example.com").await;
    let client = signed_in(&app, "ann@example.com").await;
    let page = client
        .get(&product_page(&s.products[0]))
        .send()
        .await
        .text();
    let first_post = page.find("method=\"post\" action=\"/orders/new/\"");
    let add = page.find("action=\"/cart/add/\"");
    let logout = page.find("action=\"/accounts/logout/\"").unwrap();
    let content = page.find("<main").unwrap();
    assert!(
        logout < content,
        "the header's logout form comes before the content"
    );
    assert!(
        first_post.unwrap() < add.unwrap(),
        "Buy now is the page's first form"
    );
    assert!(page.contains(">Buy now</button>") && page.contains(">Add to cart</button>"));

    // Adding a product in another currency explains why not.
    add_to_cart(&client, &s.products[0], "1").await;
    let page = add_to_cart(&client, &s.products[1], "1").await;
    assert!(page.contains("This cart is in USD"), "{page}");
    assert_eq!(header_units(&page), 1);
    // An unknown product goes back to the catalog with a message.
    let res = client
        .submit_form(
            "/cart/",
            "/cart/add/",
            &[("product_id", "999999"), ("quantity", "1")],
        )
        .await;
    assert_eq!(res.location(), Some("/catalog/"));
}

/// Concurrent changes of one cart: 20 "Add to cart" of one unit all count, for a visitor
/// (session) and a user (rows); a USD and an EUR product racing into an empty cart can't
/// both get in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_all_count_and_a_cart_keeps_one_currency() {
    let app = app().await;
    let s = shop(&app, &[(100, 100, "USD"), (200, 100, "EUR")]).await;
    let (usd, eur) = (&s.products[0], &s.products[1]);
    buyer(&app, "racer@example.com").await;
    let visitor = app.client.new_session();
    let user = signed_in(&app, "racer@example.com").await;
    for client in [&visitor, &user] {
        add_to_cart(client, usd, "1").await;
        let csrf = client.csrf_token(&product_page(usd)).await;
        let id = usd["id"].to_string();
        let adds = (0..20).map(|_| {
            client
                .post("/cart/add/")
                .form(&[
                    ("product_id", id.as_str()),
                    ("quantity", "1"),
                    ("csrf_token", csrf.as_str()),
                ])
                .send()
        });
        for res in futures::future::join_all(adds).await {
            res.assert_status(303);
        }
        let html = client.get(&product_page(usd)).send().await.text();
        assert_eq!(header_units(&html), 21);
    }
    for round in 0..5 {
        let token = buyer(&app, &format!("race{round}@example.com")).await;
        let (a, b) = tokio::join!(
            put_item(&app.client, &token, usd, json!(1)),
            put_item(&app.client, &token, eur, json!(1))
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 422], "round {round}");
        let cart = get_cart(&app.client, &token).await;
        assert_eq!(cart["items"].as_array().unwrap().len(), 1, "{cart}");
    }
}
