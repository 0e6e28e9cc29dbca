//! Orders in the admin: read-only lines and payments, cancel and refund through the
//! payments app's own functions.

use serde_json::json;

use crate::{log_entries, product, product_json, site, token};

/// A paid order of 2 units by the regular user; returns (order id, product id).
pub(crate) async fn paid_order(site: &crate::Site) -> (i64, i64) {
    let p = product(site, "KETTLE", "Kettle", 2500, 5).await;
    let product_id = p["id"].as_i64().unwrap();
    let buyer = token(&site.app, "user@example.com").await;
    let order = site
        .app
        .client
        .post("/api/orders")
        .bearer(&buyer)
        .json(&json!({"items": [{"product_id": product_id, "quantity": 2}]}))
        .send()
        .await;
    order.assert_status(201);
    let order_id = order.json_value()["id"].as_i64().unwrap();
    site.app
        .client
        .post(&format!("/api/orders/{order_id}/pay"))
        .bearer(&buyer)
        .header("Idempotency-Key", "admin-test-pay")
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .assert_status(200);
    (order_id, product_id)
}

#[tokio::test]
async fn refund_through_the_admin_restores_stock_once() {
    let site = site().await;
    let (order_id, product_id) = paid_order(&site).await;
    assert_eq!(product_json(&site, product_id).await["stock"], 3);

    let page = format!("/admin/payments/order/{order_id}/change/");
    let html = site.staff.get(&page).send().await.text();
    assert!(html.contains("Kettle"), "the lines are shown");
    assert!(html.contains("succeeded"), "the payments are shown");
    assert!(
        !html.contains("type=\"submit\">Save"),
        "orders are read-only"
    );

    let refund = format!("/admin/payments/order/{order_id}/actions/refund/");
    let res = site.staff.submit_form(&page, &refund, &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(page.as_str()));
    assert_eq!(product_json(&site, product_id).await["stock"], 5);
    let html = site.staff.get(&page).send().await.text();
    assert!(html.contains("The order was refunded and its stock restored."));
    assert!(html.contains("refunded"));

    // Again: refused by the payments app's state rule, shown as a message; stock unchanged.
    let res = site.staff.submit_form(&page, &refund, &[]).await;
    res.assert_status(303);
    let html = site.staff.get(&page).send().await.text();
    assert!(html.contains("it cannot be refunded"), "{html}");
    assert_eq!(product_json(&site, product_id).await["stock"], 5);
    assert_eq!(
        log_entries(&site, "payments", "order", order_id).await,
        [(
            "refund".to_string(),
            "The order was refunded and its stock restored.".to_string()
        )]
    );
}

#[tokio::test]
async fn cancel_through_the_admin_releases_a_pending_order() {
    let site = site().await;
    let p = product(&site, "CUP", "Cup", 500, 4).await;
    let product_id = p["id"].as_i64().unwrap();
    let buyer = token(&site.app, "user@example.com").await;
    let order = site
        .app
        .client
        .post("/api/orders")
        .bearer(&buyer)
        .json(&json!({"items": [{"product_id": product_id, "quantity": 3}]}))
        .send()
        .await;
    let order_id = order.json_value()["id"].as_i64().unwrap();
    assert_eq!(product_json(&site, product_id).await["stock"], 1);
    let page = format!("/admin/payments/order/{order_id}/change/");
    let cancel = format!("/admin/payments/order/{order_id}/actions/cancel/");
    site.staff
        .submit_form(&page, &cancel, &[])
        .await
        .assert_status(303);
    assert_eq!(product_json(&site, product_id).await["stock"], 4);
    let status = site
        .app
        .client
        .get(&format!("/api/orders/{order_id}"))
        .bearer(&buyer)
        .send()
        .await
        .json_value()["status"]
        .clone();
    assert_eq!(status, "cancelled");
    // The order list filters by status and finds by number or email.
    let html = site
        .staff
        .get("/admin/payments/order/?status=cancelled")
        .send()
        .await
        .text();
    assert!(html.contains(&format!("#{order_id}")));
    let html = site
        .staff
        .get("/admin/payments/order/?status=paid")
        .send()
        .await
        .text();
    assert!(!html.contains(&format!("#{order_id}<")));
    let html = site
        .staff
        .get("/admin/payments/order/?q=user%40example")
        .send()
        .await
        .text();
    assert!(html.contains(&format!("#{order_id}")));
}

#[tokio::test]
async fn deleting_a_product_in_an_order_deactivates_it() {
    let site = site().await;
    let (_, product_id) = paid_order(&site).await;
    let page = format!("/admin/catalog/product/{product_id}/delete/");
    let res = site.staff.submit_form(&page, &page, &[]).await;
    res.assert_status(303);
    let p = product_json(&site, product_id).await;
    assert_eq!(p["is_active"], false);
    let entries = log_entries(&site, "catalog", "product", product_id).await;
    assert_eq!(
        entries[0].1,
        "deactivated instead of deleted: orders include it."
    );
}

/// An unpaid order past its time shows `expired` on the admin at once, and the status
/// filter puts it under expired, not pending (before the sweep writes it, and after).
#[tokio::test]
async fn an_overdue_order_shows_and_filters_as_expired() {
    use payments::models::order;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let site = site().await;
    let p = product(&site, "MUG", "Mug", 900, 5).await;
    let buyer = token(&site.app, "user@example.com").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = site
            .app
            .client
            .post("/api/orders")
            .bearer(&buyer)
            .json(&json!({"items": [{"product_id": p["id"], "quantity": 1}]}))
            .send()
            .await;
        res.assert_status(201);
        ids.push(res.json_value()["id"].as_i64().unwrap());
    }
    let (overdue, fresh) = (ids[0], ids[1]);
    order::Entity::update_many()
        .col_expr(
            order::Column::CreatedAt,
            Expr::value(web::db::now() - time::Duration::hours(2)),
        )
        .filter(order::Column::Id.eq(overdue))
        .exec(site.app.db())
        .await
        .unwrap();
    let listed = |filter: &'static str| {
        let client = site.staff.clone();
        async move {
            client
                .get(&format!("/admin/payments/order/?status={filter}"))
                .send()
                .await
                .text()
        }
    };
    for swept in [false, true] {
        if swept {
            use web::App;
            payments::Payments.cleanup(&site.app.state).await.unwrap();
        }
        let expired = listed("expired").await;
        assert!(expired.contains(&format!("#{overdue}<")), "{expired}");
        assert!(!expired.contains(&format!("#{fresh}<")), "swept: {swept}");
        let pending = listed("pending").await;
        assert!(pending.contains(&format!("#{fresh}<")), "{pending}");
        assert!(!pending.contains(&format!("#{overdue}<")), "swept: {swept}");
        let page = site
            .staff
            .get(&format!("/admin/payments/order/{overdue}/change/"))
            .send()
            .await
            .text();
        assert!(page.contains("expired"), "{page}");
    }
}
