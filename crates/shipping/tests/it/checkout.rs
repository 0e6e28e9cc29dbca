//! Orders that ship, through HTTP: checkout with an address and a method, the totals with
//! shipping and the destination's tax, an address chosen later for a pending order, and
//! fulfilment (ship, deliver, the "shipped" email) with its permission rules.

use accounts::testing::{self, Role};
use serde_json::{Value, json};
use web_test::{TestApp, TestResponse};

use crate::{add_method, add_zone, app, product, sku, staff};

const CARD: &str = "4242424242424242";

/// A shop shipping to the US (flat 5.90) and to Germany and France (by weight: 8.90 up to
/// 1 kg, 12.90 up to 5 kg), with German VAT at 19 %.
struct Shop {
    staff_token: String,
    us_standard: i64,
    eu_parcel: i64,
}

async fn shop(app: &TestApp) -> Shop {
    let staff = staff(app).await;
    let us = add_zone(&staff, "United States", "US").await;
    let us_standard = add_method(&staff, us, "Standard", "USD", 590, "").await;
    let eu = add_zone(&staff, "Europe", "DE,FR").await;
    let eu_parcel = add_method(&staff, eu, "Parcel", "USD", 0, "1000:890,5000:1290").await;
    let page = "/admin/payments/tax_rate/add/";
    staff
        .submit_form(page, page, &[("country", "de"), ("rate_bp", "1900")])
        .await
        .assert_status(303);
    // One rate per country.
    let again = staff
        .submit_form(page, page, &[("country", "DE"), ("rate_bp", "700")])
        .await;
    again.assert_status(422);
    assert!(
        again.text().contains("DE already has a rate"),
        "{}",
        again.text()
    );
    let staff_token = testing::user_with_token(app, "editor@example.com", Role::Superuser).await;
    Shop {
        staff_token,
        us_standard,
        eu_parcel,
    }
}

async fn address(app: &TestApp, token: &str, country: &str, postal_code: &str) -> i64 {
    let res = app
        .client
        .post("/api/addresses")
        .bearer(token)
        .json(
            &json!({"name": "Ada Buyer", "line1": "1 Main Street", "city": "Town",
                      "postal_code": postal_code, "country": country}),
        )
        .send()
        .await;
    res.assert_status(201);
    res.json_value()["id"].as_i64().unwrap()
}

async fn add_to_cart(app: &TestApp, token: &str, product: &Value, quantity: i32) {
    app.client
        .put(&format!("/api/cart/items/{}", product["id"]))
        .bearer(token)
        .json(&json!({ "quantity": quantity }))
        .send()
        .await
        .assert_status(200);
}

async fn checkout(app: &TestApp, token: &str, body: Option<Value>) -> TestResponse {
    let request = app.client.post("/api/cart/checkout").bearer(token);
    match body {
        Some(body) => request.json(&body).send().await,
        None => request.send().await,
    }
}

async fn pay(app: &TestApp, token: &str, order: &Value) -> TestResponse {
    app.client
        .post(&format!("/api/orders/{}/pay", order["id"]))
        .bearer(token)
        .header("idempotency-key", &format!("pay-{}", order["id"]))
        .json(&json!({ "card_number": CARD }))
        .send()
        .await
}

fn assert_sums(order: &Value) {
    let part = |k: &str| order[k].as_i64().unwrap();
    assert_eq!(
        part("total_cents"),
        part("subtotal_cents") + part("shipping_cents") + part("tax_cents"),
        "{order}"
    );
}

fn field_errors(res: &TestResponse) -> Vec<String> {
    res.assert_status(422);
    let mut fields: Vec<String> = res.json_value()["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    fields.sort();
    fields
}

#[tokio::test]
async fn checkout_needs_an_address_and_a_method_when_a_line_ships() {
    let app = app().await;
    let shop = shop(&app).await;
    let mug = product(&app, &shop.staff_token, sku(1, 400, "USD", true)).await;
    let course = product(&app, &shop.staff_token, sku(2, 0, "USD", false)).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let home = address(&app, &buyer, "US", "94103").await;

    add_to_cart(&app, &buyer, &mug, 2).await;
    let missing = checkout(&app, &buyer, None).await;
    assert_eq!(
        field_errors(&missing),
        ["shipping_address_id", "shipping_method_id"]
    );
    let no_method = checkout(&app, &buyer, Some(json!({"shipping_address_id": home}))).await;
    assert_eq!(field_errors(&no_method), ["shipping_method_id"]);
    // The EU method does not serve the US.
    let wrong = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": home, "shipping_method_id": shop.eu_parcel})),
    )
    .await;
    assert_eq!(field_errors(&wrong), ["shipping_method_id"]);
    // Another user's address is not one of the buyer's.
    let other = testing::user_with_token(&app, "other@example.com", Role::Customer).await;
    let theirs = address(&app, &other, "US", "10001").await;
    let stolen = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": theirs, "shipping_method_id": shop.us_standard})),
    )
    .await;
    assert_eq!(field_errors(&stolen), ["shipping_address_id"]);
    let bad = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": "home", "shipping_method_id": 0})),
    )
    .await;
    assert_eq!(
        field_errors(&bad),
        ["shipping_address_id", "shipping_method_id"]
    );
    // Every refusal left the cart as it was.
    let cart = app.client.get("/api/cart").bearer(&buyer).send().await;
    assert_eq!(cart.json_value()["items"].as_array().unwrap().len(), 1);

    let placed = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": home, "shipping_method_id": shop.us_standard})),
    )
    .await;
    placed.assert_status(201);
    let order = placed.json_value();
    assert_eq!(order["subtotal_cents"], 2000);
    assert_eq!(order["shipping_cents"], 590);
    assert_eq!(order["tax_cents"], 0, "no US rate");
    assert_eq!(order["total_cents"], 2590);
    assert_eq!(
        order["shipping_method"],
        json!({"name": "Standard", "price_cents": 590})
    );
    assert_eq!(order["shipping_address"]["country"], "US");
    assert_eq!(order["shipping_address"]["postal_code"], "94103");
    assert_eq!(
        order["fulfillment"],
        json!({"status": "unfulfilled", "carrier": null, "tracking_number": null,
               "shipped_at": null, "delivered_at": null})
    );

    // A cart of digital products only needs neither.
    add_to_cart(&app, &buyer, &course, 1).await;
    let digital = checkout(&app, &buyer, None).await;
    digital.assert_status(201);
    let digital = digital.json_value();
    assert_eq!(digital["shipping_address"], Value::Null);
    assert_eq!(digital["shipping_method"], Value::Null);
    assert_eq!(
        (
            digital["subtotal_cents"].clone(),
            digital["total_cents"].clone()
        ),
        (json!(1000), json!(1000))
    );
}

#[tokio::test]
async fn tax_is_the_destinations_per_line_and_the_address_is_a_copy() {
    let app = app().await;
    let shop = shop(&app).await;
    let staff = &shop.staff_token;
    let mut kettle = sku(1, 700, "USD", true);
    kettle["price_cents"] = json!(1050);
    let kettle = product(&app, staff, kettle).await;
    let mut tea = sku(2, 100, "USD", true);
    tea["price_cents"] = json!(250);
    let tea = product(&app, staff, tea).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let berlin = address(&app, &buyer, "DE", "10115").await;
    let paris = address(&app, &buyer, "FR", "75008").await;

    add_to_cart(&app, &buyer, &kettle, 1).await;
    add_to_cart(&app, &buyer, &tea, 1).await;
    let placed = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": berlin, "shipping_method_id": shop.eu_parcel})),
    )
    .await;
    placed.assert_status(201);
    let order = placed.json_value();
    // 800 g: the first band (8.90). 19 % of 10.50 = 199.5 → 200, of 2.50 = 47.5 → 48, of
    // 8.90 = 169.1 → 169 (each rounded half-to-even).
    assert_eq!(order["subtotal_cents"], 1300);
    assert_eq!(order["shipping_cents"], 890);
    assert_eq!(order["tax_cents"], 200 + 48 + 169);
    assert_sums(&order);

    // Editing the address book later changes nothing on the order.
    app.client
        .patch(&format!("/api/addresses/{berlin}"))
        .bearer(&buyer)
        .json(&json!({"city": "Potsdam", "postal_code": "14467"}))
        .send()
        .await
        .assert_status(200);
    app.client
        .delete(&format!("/api/addresses/{paris}"))
        .bearer(&buyer)
        .send()
        .await
        .assert_status(204);
    let again = app
        .client
        .get(&format!("/api/orders/{}", order["id"]))
        .bearer(&buyer)
        .send()
        .await;
    assert_eq!(again.json_value()["shipping_address"]["city"], "Town");
    assert_eq!(
        again.json_value()["shipping_address"]["postal_code"],
        "10115"
    );

    // France has no rate in this shop: no tax.
    let paris = address(&app, &buyer, "FR", "75001").await;
    add_to_cart(&app, &buyer, &tea, 4).await;
    let french = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": paris, "shipping_method_id": shop.eu_parcel})),
    )
    .await;
    french.assert_status(201);
    assert_eq!(french.json_value()["tax_cents"], 0);
    assert_eq!(french.json_value()["total_cents"], 1000 + 890);
}

#[tokio::test]
async fn prices_that_include_tax_keep_the_total_and_show_the_tax_in_it() {
    let app = TestApp::builder(&crate::project())
        .setting("payments.prices_include_tax", "true")
        .build()
        .await;
    let shop = shop(&app).await;
    let mut kettle = sku(1, 700, "USD", true);
    kettle["price_cents"] = json!(1190);
    let kettle = product(&app, &shop.staff_token, kettle).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let berlin = address(&app, &buyer, "DE", "10115").await;
    add_to_cart(&app, &buyer, &kettle, 2).await;
    let placed = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": berlin, "shipping_method_id": shop.eu_parcel})),
    )
    .await;
    placed.assert_status(201);
    let order = placed.json_value();
    // 23.80 holds 3.80 of tax; 12.90 of shipping (1.4 kg) holds 2.06 (205.97…).
    assert_eq!(order["total_cents"], 2380 + 1290);
    assert_eq!(order["tax_cents"], 380 + 206);
    assert_eq!(order["subtotal_cents"], 2000);
    assert_eq!(order["shipping_cents"], 1290 - 206);
    assert_eq!(order["shipping_method"]["price_cents"], 1290);
    assert_sums(&order);
}

#[tokio::test]
async fn a_v1_order_gets_its_address_later_and_is_shipped_then_delivered() {
    let app = app().await;
    let shop = shop(&app).await;
    let mug = product(&app, &shop.staff_token, sku(1, 400, "USD", true)).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let berlin = address(&app, &buyer, "DE", "10115").await;

    // `POST /api/orders` as in v1: no address needed.
    let res = app
        .client
        .post("/api/orders")
        .bearer(&buyer)
        .json(&json!({"items": [{"product_id": mug["id"], "quantity": 1}]}))
        .send()
        .await;
    res.assert_status(201);
    let order = res.json_value();
    assert_eq!(order["shipping_address"], Value::Null);
    assert_eq!(
        (order["shipping_cents"].clone(), order["tax_cents"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(order["total_cents"], 1000);
    let id = order["id"].clone();

    // Staff may fulfil; the buyer may not (403 on their own order, 404 on others').
    let fulfiller = testing::user_with_token(&app, "ship@example.com", Role::Customer).await;
    testing::grant(&app, "ship@example.com", &["payments.fulfill_order"]).await;
    let ship = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.client
                .post(&format!("/api/orders/{id}/ship"))
                .bearer(&token)
                .json(&json!({"carrier": "DHL", "tracking_number": "JD0146"}))
                .send()
                .await
        }
    };
    ship(buyer.clone()).await.assert_status(403);
    let stranger = testing::user_with_token(&app, "stranger@example.com", Role::Customer).await;
    ship(stranger.clone()).await.assert_status(404);
    // Pending: not yet.
    let early = ship(fulfiller.clone()).await;
    early.assert_status(409);
    assert_eq!(early.json_value()["error"]["code"], "invalid_state");

    // The address comes with a PATCH; totals recomputed.
    let patch = |body: Value| {
        let app = &app;
        let (id, buyer) = (id.clone(), buyer.clone());
        async move {
            app.client
                .patch(&format!("/api/orders/{id}"))
                .bearer(&buyer)
                .json(&body)
                .send()
                .await
        }
    };
    assert_eq!(
        field_errors(&patch(json!({})).await),
        ["shipping_address_id", "shipping_method_id"]
    );
    let res =
        patch(json!({"shipping_address_id": berlin, "shipping_method_id": shop.eu_parcel})).await;
    res.assert_status(200);
    let patched = res.json_value();
    assert_eq!(patched["shipping_cents"], 890);
    assert_eq!(patched["tax_cents"], 190 + 169);
    assert_eq!(patched["total_cents"], 1000 + 890 + 190 + 169);
    assert_eq!(patched["shipping_address"]["country"], "DE");
    // Someone else's order is not found for them.
    app.client
        .patch(&format!("/api/orders/{id}"))
        .bearer(&stranger)
        .json(&json!({"shipping_address_id": berlin, "shipping_method_id": shop.eu_parcel}))
        .send()
        .await
        .assert_status(404);

    // Paid: the new total was charged, and the order can no longer change where it ships.
    let paid = pay(&app, &buyer, &patched).await;
    paid.assert_status(200);
    assert_eq!(paid.json_value()["payment"]["amount_cents"], 2249);
    patch(json!({"shipping_address_id": berlin, "shipping_method_id": shop.eu_parcel}))
        .await
        .assert_status(409);

    // Deliver before shipping: refused. Ship: the email is queued with the tracking.
    let deliver = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.client
                .post(&format!("/api/orders/{id}/deliver"))
                .bearer(&token)
                .send()
                .await
        }
    };
    deliver(fulfiller.clone()).await.assert_status(409);
    let bad = app
        .client
        .post(&format!("/api/orders/{id}/ship"))
        .bearer(&fulfiller)
        .json(&json!({"carrier": " "}))
        .send()
        .await;
    assert_eq!(field_errors(&bad), ["carrier", "tracking_number"]);
    let shipped = ship(fulfiller.clone()).await;
    shipped.assert_status(200);
    let shipped = shipped.json_value();
    assert_eq!(shipped["fulfillment"]["status"], "shipped");
    assert_eq!(shipped["fulfillment"]["carrier"], "DHL");
    assert_eq!(shipped["fulfillment"]["tracking_number"], "JD0146");
    assert!(shipped["fulfillment"]["shipped_at"].is_string());
    ship(fulfiller.clone()).await.assert_status(409);
    app.run_jobs().await;
    let mails = app.sent_mail();
    let notice = mails
        .iter()
        .find(|m| m.subject == format!("Order #{id} is on its way"))
        .unwrap_or_else(|| panic!("no shipped mail in {mails:?}"));
    assert_eq!(notice.to, "buyer@example.com");
    assert!(
        notice.text.contains("Tracking number: JD0146"),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("10115 Town"), "{}", notice.text);
    assert!(notice.html.as_deref().unwrap().contains("JD0146"));
    // The confirmation (sent at payment) shows shipping and tax.
    let confirmation = mails
        .iter()
        .find(|m| m.subject == format!("Order #{id} is paid"))
        .unwrap();
    assert!(
        confirmation.text.contains("Shipping (Parcel): $8.90"),
        "{}",
        confirmation.text
    );
    assert!(
        confirmation.text.contains("Tax: $3.59"),
        "{}",
        confirmation.text
    );

    deliver(buyer.clone()).await.assert_status(403);
    let delivered = deliver(fulfiller.clone()).await;
    delivered.assert_status(200);
    assert_eq!(delivered.json_value()["fulfillment"]["status"], "delivered");
    assert!(delivered.json_value()["fulfillment"]["delivered_at"].is_string());
    deliver(fulfiller).await.assert_status(409);
}

#[tokio::test]
async fn a_paid_order_without_an_address_cannot_ship() {
    let app = app().await;
    let shop = shop(&app).await;
    let mug = product(&app, &shop.staff_token, sku(1, 400, "USD", true)).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let res = app
        .client
        .post("/api/orders")
        .bearer(&buyer)
        .json(&json!({"items": [{"product_id": mug["id"], "quantity": 1}]}))
        .send()
        .await;
    let order = res.json_value();
    pay(&app, &buyer, &order).await.assert_status(200);
    let res = app
        .client
        .post(&format!("/api/orders/{}/ship", order["id"]))
        .bearer(&shop.staff_token)
        .json(&json!({"carrier": "UPS", "tracking_number": "1Z999"}))
        .send()
        .await;
    res.assert_status(409);
    assert_eq!(res.json_value()["error"]["code"], "invalid_state");
    assert!(
        res.json_value()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no shipping address"),
        "{}",
        res.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_buyers_checking_out_the_last_five_units_with_shipping_buy_exactly_five() {
    let app = TestApp::builder(&crate::project())
        .file_database()
        .build()
        .await;
    let shop = shop(&app).await;
    let mut last = sku(1, 400, "USD", true);
    last["stock"] = json!(5);
    let last = product(&app, &shop.staff_token, last).await;
    let mut buyers = Vec::new();
    for n in 0..20 {
        let token =
            testing::user_with_token(&app, &format!("buyer{n}@example.com"), Role::Customer).await;
        let home = address(&app, &token, "DE", "10115").await;
        add_to_cart(&app, &token, &last, 1).await;
        buyers.push((token, home));
    }
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|(token, home)| {
            let client = app.client.clone();
            let method = shop.eu_parcel;
            tokio::spawn(async move {
                let res = client
                    .post("/api/cart/checkout")
                    .bearer(&token)
                    .json(&json!({"shipping_address_id": home, "shipping_method_id": method}))
                    .send()
                    .await;
                (res.status.as_u16(), res.json_value())
            })
        })
        .collect();
    let mut placed = Vec::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            (201, order) => placed.push(order),
            (409, error) => {
                assert_eq!(error["error"]["code"], "out_of_stock");
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((placed.len(), refused), (5, 15));
    for order in &placed {
        // 10.00 + 8.90 shipping + 19 % of each.
        assert_eq!(order["total_cents"], 1000 + 890 + 190 + 169, "{order}");
        assert_eq!(order["shipping_address"]["country"], "DE");
    }
    let stock = app
        .client
        .get(&format!("/api/catalog/products/{}", last["id"]))
        .bearer(&shop.staff_token)
        .send()
        .await
        .json_value()["stock"]
        .clone();
    assert_eq!(stock, 0);
}

#[tokio::test]
async fn staff_ship_and_deliver_from_the_admin_site() {
    let app = app().await;
    let shop = shop(&app).await;
    let mug = product(&app, &shop.staff_token, sku(1, 400, "USD", true)).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    let home = address(&app, &buyer, "US", "94103").await;
    add_to_cart(&app, &buyer, &mug, 1).await;
    let order = checkout(
        &app,
        &buyer,
        Some(json!({"shipping_address_id": home, "shipping_method_id": shop.us_standard})),
    )
    .await
    .json_value();
    pay(&app, &buyer, &order).await.assert_status(200);
    let id = &order["id"];

    // The superuser `shop` made.
    let staff = testing::signed_in(&app, "staff@example.com").await;
    let ship = format!("/admin/payments/order/{id}/actions/ship/");
    let refused = staff
        .submit_form(&ship, &ship, &[("carrier", ""), ("tracking_number", "")])
        .await;
    refused.assert_status(422);
    let res = staff
        .submit_form(
            &ship,
            &ship,
            &[("carrier", "UPS"), ("tracking_number", "1Z999AA1")],
        )
        .await;
    res.assert_status(303);
    let page = staff.get(res.location().unwrap()).send().await.text();
    assert!(page.contains("marked shipped"), "{page}");
    let deliver = format!("/admin/payments/order/{id}/actions/deliver/");
    staff
        .submit_form(&deliver, &deliver, &[])
        .await
        .assert_status(303);
    let now = app
        .client
        .get(&format!("/api/orders/{id}"))
        .bearer(&buyer)
        .send()
        .await
        .json_value();
    assert_eq!(now["fulfillment"]["status"], "delivered");
    assert_eq!(now["fulfillment"]["tracking_number"], "1Z999AA1");
    // The shipped email links to the order on the site the staff member used.
    app.run_jobs().await;
    let mails = app.sent_mail();
    let notice = mails
        .iter()
        .find(|m| m.subject.ends_with("is on its way"))
        .unwrap();
    assert!(
        notice.text.contains(&format!("/orders/{id}/")),
        "{}",
        notice.text
    );
    // Shipping twice is refused with the rule, shown as a message.
    let again = staff
        .submit_form(
            &ship,
            &ship,
            &[("carrier", "UPS"), ("tracking_number", "1Z999AA1")],
        )
        .await;
    again.assert_status(303);
    let page = staff.get(again.location().unwrap()).send().await.text();
    assert!(page.contains("only a paid, unfulfilled order"), "{page}");
}
