//! The order confirmation email: queued with the payment (API, pay form or webhook), sent
//! by a worker, with the lines, the total and a link to the order page.

use serde_json::{Value, json};
use web_mail::Email;
use web_test::TestApp;

use crate::{CARD, DECLINED, app, order, pay, shop};

/// The only email sent so far, once the queued jobs ran.
async fn the_mail(app: &TestApp) -> Email {
    app.run_jobs().await;
    let sent = app.sent_mail();
    assert_eq!(sent.len(), 1, "{sent:?}");
    sent.into_iter().next().unwrap()
}

fn assert_confirms(mail: &Email, order: &Value, total: &str, link: &str) {
    let id = &order["id"];
    assert_eq!(mail.to, "buyer@example.com");
    assert_eq!(mail.subject, format!("Order #{id} is paid"));
    // minijinja escapes `/` in HTML as `&#x2f;`, which mail clients decode.
    let html = mail
        .html
        .as_deref()
        .expect("an HTML part")
        .replace("&#x2f;", "/");
    let html = html.as_str();
    for part in [mail.text.as_str(), html] {
        assert!(
            part.contains(&format!("Total: {total}")) || part.contains(total),
            "{part}"
        );
        assert!(part.contains(link), "{part}");
        for item in order["items"].as_array().unwrap() {
            assert!(part.contains(item["name"].as_str().unwrap()), "{part}");
        }
    }
    assert!(
        mail.text.contains(&format!("Total: {total}")),
        "{}",
        mail.text
    );
    assert!(html.contains(&format!("<a href=\"{link}\">")), "{html}");
}

#[tokio::test]
async fn paying_by_the_api_queues_the_confirmation_sent_by_a_worker() {
    let app = app().await;
    let s = shop(&app, &[(1250, 5), (399, 5)]).await;
    let o = order(
        &app.client,
        &s.buyer,
        &[(&s.products[0], 2), (&s.products[1], 1)],
    )
    .await
    .json_value();
    let paid = app
        .client
        .post(&format!("/api/orders/{}/pay", o["id"]))
        .bearer(&s.buyer)
        .header("idempotency-key", "k1")
        .header("host", "localhost:8443")
        .json(&json!({ "card_number": CARD }))
        .send()
        .await;
    paid.assert_status(200);
    assert!(app.sent_mail().is_empty(), "sent by a job, not the request");
    let mail = the_mail(&app).await;
    let link = format!("http://localhost:8443/orders/{}/", o["id"]);
    assert_confirms(&mail, &o, "$28.99", &link);
    assert!(
        mail.text.contains("2 × Product 0 at $12.50: $25.00"),
        "{}",
        mail.text
    );

    // A replay of the same payment sends nothing more.
    pay(&app.client, &s.buyer, &o["id"], "k1", CARD)
        .await
        .assert_status(200);
    app.run_jobs().await;
    assert_eq!(app.sent_mail().len(), 1);
}

#[tokio::test]
async fn a_declined_card_or_a_refused_payment_sends_nothing() {
    let app = app().await;
    let s = shop(&app, &[(100, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    pay(&app.client, &s.buyer, &o["id"], "k1", DECLINED)
        .await
        .assert_status(402);
    app.client
        .post(&format!("/api/orders/{}/cancel", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .assert_status(200);
    pay(&app.client, &s.buyer, &o["id"], "k2", CARD)
        .await
        .assert_status(409);
    assert_eq!(app.run_jobs().await, 0);
    assert!(app.sent_mail().is_empty());
}

#[tokio::test]
async fn the_pay_form_and_the_webhook_send_it_too() {
    let app = TestApp::builder(&crate::project())
        .setting("server.public_url", "https://shop.example.com")
        .build()
        .await;
    let s = shop(&app, &[(500, 5)]).await;
    let client = accounts::testing::signed_in(&app, "buyer@example.com").await;
    let by_form = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let page = format!("/orders/{}/", by_form["id"]);
    let form = client.get(&page).send().await;
    let key = form.hidden_input("idempotency_key").unwrap();
    let token = form.csrf_token().unwrap();
    client
        .post(&format!("{page}pay/"))
        .form(&[
            ("card_number", CARD),
            ("idempotency_key", &key),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .assert_status(303);
    let mail = the_mail(&app).await;
    let link = format!("https://shop.example.com/orders/{}/", by_form["id"]);
    assert_confirms(&mail, &by_form, "$5.00", &link);

    let by_webhook = order(&app.client, &s.buyer, &[(&s.products[0], 3)])
        .await
        .json_value();
    let event = json!({"id": "evt_1", "type": "payment.succeeded", "data": {"order_id": by_webhook["id"], "amount_cents": 1500}}).to_string();
    crate::webhook::send_signed(&app, &event)
        .await
        .assert_status(200);
    crate::webhook::send_signed(&app, &event)
        .await
        .assert_status(200);
    app.run_jobs().await;
    let sent = app.sent_mail();
    assert_eq!(
        sent.len(),
        2,
        "one mail per paid order, the redelivery sends none"
    );
    let link = format!("https://shop.example.com/orders/{}/", by_webhook["id"]);
    assert_confirms(&sent[1], &by_webhook, "$15.00", &link);
}

#[tokio::test]
async fn a_german_buyer_gets_the_confirmation_in_german() {
    let app = app().await;
    let s = shop(&app, &[(1250, 5)]).await;
    app.client
        .patch("/api/accounts/me")
        .bearer(&s.buyer)
        .json(&json!({"language": "de"}))
        .send()
        .await
        .assert_status(200);
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
        .await
        .json_value();
    // Paid from an English client: the mail follows the buyer's choice.
    pay(&app.client, &s.buyer, &o["id"], "k1", CARD)
        .await
        .assert_status(200);
    let mail = the_mail(&app).await;
    assert_eq!(
        mail.subject,
        format!("Bestellung Nr. {} ist bezahlt", o["id"])
    );
    assert!(mail.text.starts_with("Vielen Dank für Ihre Bestellung!"));
    assert!(mail.text.contains("2 × Product 0 zu "), "{}", mail.text);
    let html = mail.html.as_deref().unwrap();
    assert!(html.contains(r#"<html lang="de">"#));
    assert!(
        html.contains("<th align=\"right\">Stückpreis</th>"),
        "{html}"
    );
}
