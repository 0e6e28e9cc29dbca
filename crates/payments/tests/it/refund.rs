//! Refunds by staff.

use crate::{CARD, app, order, pay, shop, stock_of};

#[tokio::test]
async fn staff_refund_a_paid_order_and_stock_comes_back() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
        .await
        .json_value();
    let path = format!("/api/orders/{}/refund", o["id"]);
    let early = app.client.post(&path).bearer(&s.staff).send().await;
    early.assert_status(409);
    assert_eq!(early.error_code(), "invalid_state");
    pay(&app.client, &s.buyer, &o["id"], "k", CARD)
        .await
        .assert_status(200);
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 3);
    let by_user = app.client.post(&path).bearer(&s.buyer).send().await;
    by_user.assert_status(403);
    assert_eq!(by_user.error_code(), "forbidden");
    app.client.post(&path).send().await.assert_status(401);
    let res = app.client.post(&path).bearer(&s.staff).send().await;
    res.assert_status(200);
    let body = res.json_value();
    assert_eq!(body["status"], "refunded");
    assert_eq!(body["payments"][0]["status"], "refunded");
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 5);
    app.client
        .post(&path)
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(409);
    assert_eq!(
        stock_of(&app.client, &s.staff, &s.products[0]).await,
        5,
        "restored once"
    );
    app.client
        .post("/api/orders/999999/refund")
        .bearer(&s.staff)
        .send()
        .await
        .assert_status(404);
}
