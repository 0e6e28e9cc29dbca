//! The shipping flow on the site: the cart page offers the buyer's addresses and the
//! methods, shows shipping and tax for a choice and places the order with it; a "Buy now"
//! order chooses its address on the order page; the order pages show the address, the
//! totals and the tracking once shipped.

use accounts::testing::{self, Role};
use serde_json::json;
use web_test::{TestApp, TestClient};

use crate::{add_method, add_zone, app, product, sku, staff};

/// A shop shipping to Germany (8.90 up to 1 kg) with VAT at 19 %, a product, and a
/// signed-in buyer with an address in Berlin: (buyer's browser, address id, method id,
/// product id).
async fn shop(app: &TestApp) -> (TestClient, i64, i64, i64) {
    let staff = staff(app).await;
    let eu = add_zone(&staff, "Europe", "DE").await;
    let parcel = add_method(&staff, eu, "Parcel", "USD", 0, "1000:890").await;
    let page = "/admin/payments/tax_rate/add/";
    staff
        .submit_form(page, page, &[("country", "DE"), ("rate_bp", "1900")])
        .await
        .assert_status(303);
    let token = testing::user_with_token(app, "editor@example.com", Role::Superuser).await;
    let kettle = product(app, &token, sku(1, 700, "USD", true)).await;
    testing::user(app, "buyer@example.com", Role::Customer).await;
    let buyer = testing::signed_in(app, "buyer@example.com").await;
    let new = "/addresses/new/";
    let res = buyer
        .submit_form(
            &format!("{new}?next=/cart/"),
            new,
            &[
                ("name", "Ada Buyer"),
                ("line1", "Unter den Linden 1"),
                ("city", "Berlin"),
                ("postal_code", "10117"),
                ("country", "DE"),
                ("next", "/cart/"),
            ],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/cart/"), "back to the cart");
    let token = testing::token(&buyer, "buyer@example.com").await;
    let addresses = app.client.get("/api/addresses").bearer(&token).send().await;
    let address = addresses.json_value()["items"][0]["id"].as_i64().unwrap();
    (buyer, address, parcel, kettle["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_cart_page_shows_shipping_and_tax_and_places_the_order_with_them() {
    let app = app().await;
    let (buyer, address, method, kettle) = shop(&app).await;
    let kettle = kettle.to_string();
    buyer
        .submit_form(
            "/cart/",
            "/cart/add/",
            &[("product_id", kettle.as_str()), ("quantity", "1")],
        )
        .await
        .assert_status(303);
    let cart = buyer.get("/cart/").send().await;
    cart.assert_status(200);
    let page = cart.text();
    assert!(page.contains("id=\"shipping-form\""), "{page}");
    assert!(page.contains("Unter den Linden 1"), "the buyer's address");
    assert!(page.contains("Parcel (Europe): $8.90, 2–4 days"), "{page}");

    // Checking out without a choice names what to choose.
    let res = buyer.submit_form("/cart/", "/cart/checkout/", &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/cart/"));
    let back = buyer.get("/cart/").send().await.text();
    assert!(back.contains("Choose"), "{back}");

    // "Show shipping and tax": 10.00 + 8.90, 19 % on each.
    let chosen = format!("/cart/?shipping_address_id={address}&shipping_method_id={method}");
    let preview = buyer.get(&chosen).send().await;
    let page = preview.text();
    assert!(page.contains("id=\"cart-shipping\">$8.90<"), "{page}");
    assert!(page.contains("id=\"cart-tax\">$3.59<"), "{page}");
    assert!(page.contains("id=\"cart-total\">$22.49<"), "{page}");
    // The checkout form carries the choice.
    assert!(
        page.contains(&format!(
            r#"<input type="hidden" name="shipping_method_id" value="{method}">"#
        )),
        "{page}"
    );
    assert!(page.contains(">Place order</button>"), "{page}");
    // A choice that cannot ship says why, in place.
    let wrong = buyer
        .get(&format!(
            "/cart/?shipping_address_id={address}&shipping_method_id=999"
        ))
        .send()
        .await
        .text();
    assert!(wrong.contains("id=\"shipping-problem\""), "{wrong}");

    let (address, method) = (address.to_string(), method.to_string());
    let placed = buyer
        .submit_form(
            &chosen,
            "/cart/checkout/",
            &[
                ("shipping_address_id", address.as_str()),
                ("shipping_method_id", method.as_str()),
            ],
        )
        .await;
    placed.assert_status(303);
    let order_page = placed.location().unwrap().to_string();
    let page = buyer.get(&order_page).send().await.text();
    assert!(page.contains("id=\"order-tax\">$3.59<"), "{page}");
    assert!(page.contains("id=\"order-total\">$22.49<"), "{page}");
    assert!(page.contains("Unter den Linden 1"), "{page}");
    assert!(page.contains("Not shipped yet."), "{page}");
    assert!(page.contains("Pay $22.49"), "{page}");
}

#[tokio::test]
async fn a_buy_now_order_chooses_its_address_on_its_page_and_shows_the_tracking() {
    let app = app().await;
    let (buyer, address, method, kettle) = shop(&app).await;
    let kettle = kettle.to_string();
    let res = buyer
        .submit_form(
            "/cart/",
            "/orders/new/",
            &[("product_id", kettle.as_str()), ("quantity", "1")],
        )
        .await;
    res.assert_status(303);
    let order_page = res.location().unwrap().to_string();
    let id: i64 = order_page
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = buyer.get(&order_page).send().await.text();
    assert!(page.contains("Where should it go?"), "{page}");
    assert!(page.contains("Pay $10.00"), "{page}");

    let (address_id, method_id) = (address.to_string(), method.to_string());
    let res = buyer
        .submit_form(
            &order_page,
            &format!("/orders/{id}/ship-to/"),
            &[
                ("shipping_address_id", address_id.as_str()),
                ("shipping_method_id", method_id.as_str()),
            ],
        )
        .await;
    res.assert_status(303);
    let page = buyer.get(&order_page).send().await.text();
    assert!(page.contains("Pay $22.49"), "{page}");
    assert!(!page.contains("Where should it go?"), "{page}");

    // Paid and shipped: the page and the list show the tracking.
    let token = testing::token(&buyer, "buyer@example.com").await;
    app.client
        .post(&format!("/api/orders/{id}/pay"))
        .bearer(&token)
        .header("idempotency-key", "page-pay")
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .assert_status(200);
    let staff = testing::user_with_token(&app, "shipper@example.com", Role::Superuser).await;
    app.client
        .post(&format!("/api/orders/{id}/ship"))
        .bearer(&staff)
        .json(&json!({"carrier": "DHL", "tracking_number": "JD0146"}))
        .send()
        .await
        .assert_status(200);
    let page = buyer.get(&order_page).send().await.text();
    assert!(page.contains("id=\"order-tracking\">JD0146<"), "{page}");
    let list = buyer.get("/orders/").send().await.text();
    assert!(list.contains("shipped (DHL JD0146)"), "{list}");
}
