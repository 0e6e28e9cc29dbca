//! Creating, listing, reading and cancelling orders.

use serde_json::{Value, json};

use crate::{app, new_user, order, shop, stock_of};

#[tokio::test]
async fn an_order_reserves_stock_and_copies_prices() {
    let app = app().await;
    let s = shop(&app, &[(1999, 5), (250, 10)]).await;
    let res = order(
        &app.client,
        &s.buyer,
        &[(&s.products[0], 2), (&s.products[1], 3)],
    )
    .await;
    res.assert_status(201);
    let o = res.json_value();
    let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "currency",
            "fulfillment",
            "id",
            "items",
            "payments",
            "shipping_address",
            "shipping_cents",
            "shipping_method",
            "status",
            "subtotal_cents",
            "tax_cents",
            "total_cents"
        ]
    );
    // v1's order without an address: no shipping, no tax, the lines are the total.
    assert_eq!(o["shipping_address"], Value::Null);
    assert_eq!(o["shipping_method"], Value::Null);
    assert_eq!(
        (o["shipping_cents"].clone(), o["tax_cents"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(o["subtotal_cents"], o["total_cents"]);
    assert_eq!(o["fulfillment"]["status"], "unfulfilled");
    assert_eq!(o["status"], "pending");
    assert_eq!(o["currency"], "USD");
    assert_eq!(o["total_cents"], 2 * 1999 + 3 * 250);
    assert_eq!(o["payments"], json!([]));
    assert_eq!(
        o["items"][0],
        json!({"product_id": s.products[0]["id"], "name": "Product 0", "unit_price_cents": 1999, "quantity": 2, "line_total_cents": 3998})
    );
    assert!(o["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 3);
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[1]).await, 7);
    // A later price change does not touch the order.
    app.client
        .patch(&format!("/api/catalog/products/{}", s.products[0]["id"]))
        .bearer(&s.staff)
        .json(&json!({"price_cents": 1}))
        .send()
        .await
        .assert_status(200);
    let again = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(again["items"][0]["unit_price_cents"], 1999);
}

#[tokio::test]
async fn out_of_stock_names_the_product_and_reserves_nothing() {
    let app = app().await;
    let s = shop(&app, &[(100, 5), (100, 1)]).await;
    let res = order(
        &app.client,
        &s.buyer,
        &[(&s.products[0], 2), (&s.products[1], 2)],
    )
    .await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "out_of_stock");
    assert!(
        res.json_value()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Product 1")
    );
    assert_eq!(
        stock_of(&app.client, &s.staff, &s.products[0]).await,
        5,
        "line 1 was rolled back"
    );
    let over = order(&app.client, &s.buyer, &[(&s.products[0], 6)]).await;
    over.assert_status(409);
    // Two lines of one product count together.
    let doubled = order(
        &app.client,
        &s.buyer,
        &[(&s.products[0], 3), (&s.products[0], 3)],
    )
    .await;
    doubled.assert_status(409);
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 5);
}

#[tokio::test]
async fn invalid_orders_are_422_and_change_nothing() {
    let app = app().await;
    let s = shop(&app, &[(100, 5)]).await;
    let p = &s.products[0];
    let off = app
        .client
        .post("/api/catalog/products")
        .bearer(&s.staff)
        .json(
            &json!({"sku": "OFF", "name": "Off", "price_cents": 1, "stock": 5, "is_active": false}),
        )
        .send()
        .await
        .json_value();
    let eur = app
        .client
        .post("/api/catalog/products")
        .bearer(&s.staff)
        .json(
            &json!({"sku": "EUR", "name": "Euro", "price_cents": 1, "stock": 5, "currency": "EUR"}),
        )
        .send()
        .await
        .json_value();
    let many: Vec<_> = (0..51)
        .map(|_| json!({"product_id": p["id"], "quantity": 1}))
        .collect();
    for body in [
        json!({"items": []}),
        json!({}),
        json!({ "items": many }),
        json!({"items": [{"product_id": p["id"], "quantity": 0}]}),
        json!({"items": [{"product_id": p["id"], "quantity": 1001}]}),
        json!({"items": [{"product_id": "one", "quantity": 1}]}),
        json!({"items": "all"}),
        json!({"items": [{"product_id": 999999, "quantity": 1}]}),
        json!({"items": [{"product_id": off["id"], "quantity": 1}]}),
        json!({"items": [{"product_id": p["id"], "quantity": 1}, {"product_id": eur["id"], "quantity": 1}]}),
    ] {
        let res = app
            .client
            .post("/api/orders")
            .bearer(&s.buyer)
            .json(&body)
            .send()
            .await;
        res.assert_status(422);
        assert_eq!(res.error_code(), "validation_error", "{body}");
    }
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 5);
    app.client
        .post("/api/orders")
        .json(&json!({"items": [{"product_id": p["id"], "quantity": 1}]}))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn users_see_their_own_orders_and_staff_see_all() {
    let app = app().await;
    let s = shop(&app, &[(100, 50)]).await;
    let other = new_user(&app, "other@example.com", false).await;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(
            order(&app.client, &s.buyer, &[(&s.products[0], 1)])
                .await
                .json_value()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let theirs = order(&app.client, &other, &[(&s.products[0], 1)])
        .await
        .json_value()["id"]
        .as_i64()
        .unwrap();
    let list = app.client.get("/api/orders").bearer(&s.buyer).send().await;
    list.assert_status(200);
    let body = list.json_value();
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        mine.iter().rev().copied().collect::<Vec<_>>(),
        "newest first"
    );
    assert_eq!(
        (
            body["page"].as_u64(),
            body["per_page"].as_u64(),
            body["total"].as_u64()
        ),
        (Some(1), Some(20), Some(3))
    );
    let all_as_user = app
        .client
        .get("/api/orders?all=true")
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(all_as_user["total"], 3, "all=true is ignored for non-staff");
    let all = app
        .client
        .get("/api/orders?all=true")
        .bearer(&s.staff)
        .send()
        .await
        .json_value();
    assert_eq!(all["total"], 4);
    let bad_flag = app
        .client
        .get("/api/orders?all=1")
        .bearer(&s.staff)
        .send()
        .await;
    bad_flag.assert_status(422);
    assert!(bad_flag.json_value()["error"]["fields"]["all"].is_array());
    let paged = app
        .client
        .get("/api/orders?per_page=2&page=2")
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    app.client
        .get("/api/orders?per_page=0")
        .bearer(&s.buyer)
        .send()
        .await
        .assert_status(422);
    app.client
        .get("/api/orders")
        .send()
        .await
        .assert_status(401);

    let hidden = app
        .client
        .get(&format!("/api/orders/{theirs}"))
        .bearer(&s.buyer)
        .send()
        .await;
    hidden.assert_status(404);
    assert_eq!(hidden.error_code(), "not_found");
    app.client
        .get(&format!("/api/orders/{theirs}"))
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(200);
    app.client
        .get(&format!("/api/orders/{theirs}"))
        .bearer(&other)
        .send()
        .await
        .assert_status(200);
    app.client
        .get("/api/orders/abc")
        .bearer(&s.buyer)
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn cancelling_releases_stock_once() {
    let app = app().await;
    let s = shop(&app, &[(100, 5)]).await;
    let other = new_user(&app, "other@example.com", false).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
        .await
        .json_value();
    let path = format!("/api/orders/{}/cancel", o["id"]);
    app.client
        .post(&path)
        .bearer(&other)
        .send()
        .await
        .assert_status(404);
    let res = app.client.post(&path).bearer(&s.buyer).send().await;
    res.assert_status(200);
    assert_eq!(res.json_value()["status"], "cancelled");
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 5);
    let again = app.client.post(&path).bearer(&s.buyer).send().await;
    again.assert_status(409);
    assert_eq!(again.error_code(), "invalid_state");
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 5);
    // Staff may cancel anyone's pending order.
    let o2 = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    app.client
        .post(&format!("/api/orders/{}/cancel", o2["id"]))
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(200);
    app.client.post(&path).send().await.assert_status(401);
}

#[tokio::test]
async fn deleting_an_ordered_product_deactivates_it_and_keeps_the_history() {
    let app = app().await;
    let s = shop(&app, &[(100, 5), (200, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let ordered = format!("/api/catalog/products/{}", s.products[0]["id"]);
    app.client
        .delete(&ordered)
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(204);
    let kept = app.client.get(&ordered).bearer(&s.staff).send().await;
    kept.assert_status(200);
    assert_eq!(kept.json_value()["is_active"], false);
    app.client.get(&ordered).send().await.assert_status(404);
    let history = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(history["items"][0]["name"], "Product 0");
    // A product never ordered is really deleted.
    let unordered = format!("/api/catalog/products/{}", s.products[1]["id"]);
    app.client
        .delete(&unordered)
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(204);
    app.client
        .get(&unordered)
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(404); // And the deactivated one can no longer be ordered.
    order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .assert_status(422);
    // The list totals count the kept, inactive product only for staff.
    let public = app.client.get("/api/catalog/products").send().await;
    assert_eq!(public.json_value()["total"], 0);
    let all = app
        .client
        .get("/api/catalog/products?include_inactive=true")
        .bearer(&s.staff)
        .send()
        .await;
    assert_eq!(all.json_value()["total"], 1);
}

/// Orders page by cursor too, and a cursor of another list is refused.
#[tokio::test]
async fn orders_page_by_cursor() {
    let app = crate::app().await;
    let s = crate::shop(&app, &[(100, 50), (200, 50)]).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let o = crate::order(&app.client, &s.staff, &[(&s.products[0], 1)]).await;
        o.assert_status(201);
        ids.push(o.json_value()["id"].as_i64().unwrap());
    }
    ids.reverse();
    let get = |path: String| {
        let (client, token) = (app.client.clone(), s.staff.clone());
        async move { client.get(&path).bearer(&token).send().await }
    };
    let first = get("/api/orders?per_page=3".into()).await.json_value();
    assert_eq!(first["total"], 4);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let rest = get(format!("/api/orders?cursor={cursor}"))
        .await
        .json_value();
    assert_eq!(rest["page"], serde_json::Value::Null);
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);
    let seen: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, ids);
    // Bound to its filters (`all`) and to this endpoint.
    let res = get(format!("/api/orders?all=true&cursor={cursor}")).await;
    res.assert_status(422);
    let products = app
        .client
        .get("/api/catalog/products?per_page=1")
        .send()
        .await
        .json_value();
    let foreign = products["next_cursor"].as_str().unwrap();
    let res = get(format!("/api/orders?cursor={foreign}")).await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["cursor"].is_array());
}
