//! The orders pages: buy from a product page, pay, cancel.

use serde_json::Value;
use web_test::TestClient;

use accounts::testing::signed_in;

use crate::{CARD, DECLINED, app, new_user, shop, stock_of};

/// Pays through the order page's form, as a browser submits it (with its hidden key).
async fn pay_form(client: &TestClient, order_page: &str, card: &str) -> web_test::TestResponse {
    let form = client.get(order_page).send().await;
    let key = form.hidden_input("idempotency_key").expect("a pay form");
    let token = form.csrf_token().unwrap();
    client
        .post(&format!("{order_page}pay/"))
        .form(&[
            ("card_number", card),
            ("idempotency_key", &key),
            ("csrf_token", &token),
        ])
        .send()
        .await
}

async fn buy(client: &TestClient, product: &Value, quantity: &str) -> web_test::TestResponse {
    let page = format!("/catalog/{}/", product["slug"].as_str().unwrap());
    let id = product["id"].to_string();
    client
        .submit_form(
            &page,
            "/orders/new/",
            &[("product_id", &id), ("quantity", quantity)],
        )
        .await
}

#[tokio::test]
async fn orders_pages_need_login() {
    let app = app().await;
    let res = app.client.get("/orders/").send().await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/accounts/login/?next=/orders/"));
    assert_eq!(
        app.client.get("/orders/1/").send().await.location(),
        Some("/accounts/login/?next=/orders/1/")
    );
}

#[tokio::test]
async fn buy_from_the_product_page_then_pay() {
    let app = app().await;
    let s = shop(&app, &[(1250, 3)]).await;
    let client = signed_in(&app, "buyer@example.com").await;
    let page = client
        .get(&format!(
            "/catalog/{}/",
            s.products[0]["slug"].as_str().unwrap()
        ))
        .send()
        .await
        .text();
    assert!(
        page.contains(r#"action="/orders/new/""#),
        "the product page has a Buy form"
    );
    let res = buy(&client, &s.products[0], "2").await;
    res.assert_status(303);
    let order_page = res.location().unwrap().to_string();
    assert!(order_page.starts_with("/orders/"), "{order_page}");
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 1);
    let detail = client.get(&order_page).send().await;
    detail.assert_status(200);
    let html = detail.text();
    assert!(html.contains("Your order is placed"));
    assert!(html.contains(r#"id="order-status">pending"#) && html.contains("$25.00"));

    let declined = pay_form(&client, &order_page, DECLINED).await;
    declined.assert_status(303);
    assert!(
        client
            .get(&order_page)
            .send()
            .await
            .text()
            .contains("The card was declined")
    );
    let paid = pay_form(&client, &order_page, "4242 4242 4242 4242").await;
    paid.assert_status(303);
    let html = client.get(&order_page).send().await.text();
    assert!(
        html.contains("Payment received") && html.contains(r#"id="order-status">paid"#),
        "{html}"
    );
    assert!(!html.contains("pay-form"), "no pay form once paid");
    let list = client.get("/orders/").send().await.text();
    assert!(list.contains(&order_page) && list.contains("paid"));
}

#[tokio::test]
async fn the_pay_form_charges_once_when_submitted_twice() {
    let app = app().await;
    let s = shop(&app, &[(1000, 3)]).await;
    let client = signed_in(&app, "buyer@example.com").await;
    let order_page = buy(&client, &s.products[0], "1")
        .await
        .location()
        .unwrap()
        .to_string();
    let form = client.get(&order_page).send().await;
    let key = form.hidden_input("idempotency_key").unwrap();
    let token = form.csrf_token().unwrap();
    for _ in 0..2 {
        let res = client
            .post(&format!("{order_page}pay/"))
            .form(&[
                ("card_number", CARD),
                ("idempotency_key", &key),
                ("csrf_token", &token),
            ])
            .send()
            .await;
        res.assert_status(303);
    }
    let id = order_page
        .trim_start_matches("/orders/")
        .trim_end_matches('/');
    let order = app
        .client
        .get(&format!("/api/orders/{id}"))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(order["payments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn buying_too_many_explains_why_on_the_product_page() {
    let app = app().await;
    let s = shop(&app, &[(1000, 2)]).await;
    let client = signed_in(&app, "buyer@example.com").await;
    let res = buy(&client, &s.products[0], "3").await;
    res.assert_status(303);
    let back = res.location().unwrap().to_string();
    assert_eq!(
        back,
        format!("/catalog/{}/", s.products[0]["slug"].as_str().unwrap())
    );
    assert!(
        client
            .get(&back)
            .send()
            .await
            .text()
            .contains("Not enough stock")
    );
    let bad = buy(&client, &s.products[0], "zero").await;
    assert!(
        client
            .get(bad.location().unwrap())
            .send()
            .await
            .text()
            .contains("Choose a quantity")
    );
}

#[tokio::test]
async fn cancel_from_the_order_page_and_others_orders_are_404() {
    let app = app().await;
    let s = shop(&app, &[(1000, 2)]).await;
    new_user(&app, "other@example.com", false).await;
    let client = signed_in(&app, "buyer@example.com").await;
    let order_page = buy(&client, &s.products[0], "2")
        .await
        .location()
        .unwrap()
        .to_string();
    let stranger = signed_in(&app, "other@example.com").await;
    stranger.get(&order_page).send().await.assert_status(404);
    let res = client
        .submit_form(&order_page, &format!("{order_page}cancel/"), &[])
        .await;
    res.assert_status(303);
    let html = client.get(&order_page).send().await.text();
    assert!(
        html.contains("The order was cancelled") && html.contains(r#"id="order-status">cancelled"#)
    );
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 2);
    // Without the CSRF token nothing happens.
    client
        .post(&format!("{order_page}cancel/"))
        .form(&[("x", "y")])
        .send()
        .await
        .assert_status(403);
}
