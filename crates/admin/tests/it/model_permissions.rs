//! Each admin page needs its model permission (Django's): `view` to list and open,
//! `add`, `change` and `delete` for those, and an action its own (`refund_order`).

use accounts::testing;
use web_test::TestClient;

use crate::orders::paid_order;
use crate::{product, signed_in, site};

async fn clerk(site: &crate::Site, codes: &[&str]) -> TestClient {
    testing::staff_with(&site.app, "clerk@example.com", codes).await;
    signed_in(&site.app, "clerk@example.com").await
}

/// Gives the clerk `codes` instead of what they had.
async fn regrant(site: &crate::Site, codes: &[&str]) {
    testing::grant(&site.app, "clerk@example.com", codes).await;
}

async fn order_status(site: &crate::Site, id: i64) -> &'static str {
    payments::orders::find_visible(site.app.db(), id, payments::orders::Scope::Everyone)
        .await
        .unwrap()
        .expect("the order exists")
        .status
        .as_str()
}

async fn status(client: &TestClient, page: &str) -> u16 {
    client.get(page).send().await.status.as_u16()
}

#[tokio::test]
async fn each_page_needs_its_model_permission() {
    let site = site().await;
    let p = product(&site, "PERM-1", "Permission mug", 900, 3).await;
    let id = p["id"].as_i64().unwrap();
    let clerk = clerk(&site, &["catalog.view_product"]).await;
    let (list, add) = ("/admin/catalog/product/", "/admin/catalog/product/add/");
    let change = format!("/admin/catalog/product/{id}/change/");
    let delete = format!("/admin/catalog/product/{id}/delete/");

    // `view` only: the index lists products alone, the list has no add link, the change
    // page shows the product read-only and refuses a save, add and delete are 403.
    let index = clerk.get("/admin/").send().await.text();
    assert!(index.contains("href=\"/admin/catalog/product/\""));
    assert!(!index.contains("href=\"/admin/accounts/user/\""));
    assert!(!index.contains("href=\"/admin/payments/order/\""));
    let listed = clerk.get(list).send().await;
    listed.assert_status(200);
    assert!(
        !listed
            .text()
            .contains("href=\"/admin/catalog/product/add/\"")
    );
    let page = clerk.get(&change).send().await;
    page.assert_status(200);
    assert!(page.text().contains("Permission mug"));
    assert!(!page.text().contains("name=\"name\""), "read-only");
    assert_eq!(status(&clerk, add).await, 403);
    assert_eq!(status(&clerk, &delete).await, 403);
    assert_eq!(
        status(&clerk, &format!("/admin/catalog/product/{id}/history/")).await,
        200
    );
    for other in ["/admin/accounts/user/", "/admin/payments/order/"] {
        assert_eq!(status(&clerk, other).await, 403, "{other}");
    }
    let form = [
        ("sku", "PERM-1"),
        ("name", "Renamed mug"),
        ("price_cents", "900"),
        ("currency", "USD"),
        ("stock", "3"),
        ("is_active", "on"),
    ];
    let csrf = clerk.get("/admin/").send().await.csrf_token().unwrap();
    let mut with_token = form.to_vec();
    with_token.push(("csrf_token", &csrf));
    clerk
        .post(&change)
        .form(&with_token)
        .send()
        .await
        .assert_status(403);
    assert_eq!(
        crate::product_json(&site, id).await["name"],
        "Permission mug"
    );

    // `change` as well: the form is editable and saves; delete is still refused.
    regrant(&site, &["catalog.view_product", "catalog.change_product"]).await;
    assert!(
        clerk
            .get(&change)
            .send()
            .await
            .text()
            .contains("name=\"name\"")
    );
    clerk
        .submit_form(&change, &change, &form)
        .await
        .assert_status(303);
    assert_eq!(crate::product_json(&site, id).await["name"], "Renamed mug");
    assert_eq!(status(&clerk, &delete).await, 403);

    // Without `view`, the list and the object are closed even with `change`.
    regrant(&site, &["catalog.change_product"]).await;
    assert_eq!(status(&clerk, list).await, 403);
    assert_eq!(status(&clerk, &change).await, 403);
    let index = clerk.get("/admin/").send().await.text();
    assert!(!index.contains("href=\"/admin/catalog/product/\""));
}

#[tokio::test]
async fn an_action_needs_its_own_permission() {
    let site = site().await;
    let (order_id, _) = paid_order(&site).await;
    let clerk = clerk(&site, &["payments.view_order", "payments.change_order"]).await;
    let page = format!("/admin/payments/order/{order_id}/change/");
    let refund = format!("/admin/payments/order/{order_id}/actions/refund/");
    let html = clerk.get(&page).send().await.text();
    assert!(html.contains("Cancel order"), "cancel needs change_order");
    assert!(!html.contains("Refund order"), "refund needs refund_order");
    let csrf = clerk.get("/admin/").send().await.csrf_token().unwrap();
    clerk
        .post(&refund)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .assert_status(403);
    assert_eq!(order_status(&site, order_id).await, "paid", "not refunded");

    regrant(
        &site,
        &[
            "payments.view_order",
            "payments.change_order",
            "payments.refund_order",
        ],
    )
    .await;
    assert!(
        clerk
            .get(&page)
            .send()
            .await
            .text()
            .contains("Refund order")
    );
    clerk
        .submit_form(&page, &refund, &[])
        .await
        .assert_status(303);
    assert_eq!(order_status(&site, order_id).await, "refunded");
    let entries = crate::log_entries(&site, "payments", "order", order_id).await;
    assert!(
        entries.iter().any(|(action, _)| action == "refund"),
        "{entries:?}"
    );
}
