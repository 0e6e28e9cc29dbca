//! `/api/addresses…`

use serde_json::{Value, json};
use web_test::{TestApp, TestResponse};

use crate::{app, berlin, customer};

async fn post(app: &TestApp, token: &str, body: &Value) -> TestResponse {
    app.client
        .post("/api/addresses")
        .bearer(token)
        .json(body)
        .send()
        .await
}

fn errors(res: &TestResponse) -> Vec<String> {
    res.json_value()["error"]["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_user_keeps_an_address_book() {
    let app = app().await;
    let token = customer(&app, "ada@example.com").await;
    let res = post(&app, &token, &berlin()).await;
    res.assert_status(201);
    let created = res.json_value();
    assert_eq!(
        created,
        json!({
            "id": created["id"], "name": "Ada Lovelace", "line1": "Unter den Linden 1",
            "line2": "", "city": "Berlin", "region": "", "postal_code": "10117",
            "country": "DE", "phone": ""
        })
    );
    let id = created["id"].as_i64().unwrap();
    // Normalised as the country writes it.
    let res = post(
        &app,
        &token,
        &json!({"name": "Ada", "line1": "1 Dam", "city": "Amsterdam", "postal_code": "1012jb",
                "country": "nl", "phone": "+31 20 123 4567", "line2": "3rd floor"}),
    )
    .await;
    res.assert_status(201);
    assert_eq!(res.json_value()["postal_code"], "1012 JB");
    assert_eq!(res.json_value()["country"], "NL");

    let list = app.client.get("/api/addresses").bearer(&token).send().await;
    list.assert_status(200);
    let list = list.json_value();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["city"], "Amsterdam", "newest first");

    // A change keeps the other fields; a new country re-checks the postal code.
    let path = format!("/api/addresses/{id}");
    let res = app
        .client
        .patch(&path)
        .bearer(&token)
        .json(&json!({"line2": "Hinterhaus", "region": "Berlin"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json_value()["line2"], "Hinterhaus");
    assert_eq!(res.json_value()["city"], "Berlin");
    let res = app
        .client
        .patch(&path)
        .bearer(&token)
        .json(&json!({"country": "GB"}))
        .send()
        .await;
    res.assert_status(422);
    assert_eq!(errors(&res), ["postal_code"]);
    let res = app
        .client
        .patch(&path)
        .bearer(&token)
        .json(&json!({"country": "GB", "postal_code": "sw1a1aa", "line2": null}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json_value()["postal_code"], "SW1A 1AA");
    assert_eq!(res.json_value()["line2"], "");
    let shown = app.client.get(&path).bearer(&token).send().await;
    assert_eq!(shown.json_value()["country"], "GB");

    app.client
        .delete(&path)
        .bearer(&token)
        .send()
        .await
        .assert_status(204);
    app.client
        .get(&path)
        .bearer(&token)
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn bad_addresses_are_refused_naming_the_field_and_nothing_is_kept() {
    let app = app().await;
    let token = customer(&app, "ada@example.com").await;
    let res = post(&app, &token, &json!({})).await;
    res.assert_status(422);
    assert_eq!(
        errors(&res),
        ["city", "country", "line1", "name", "postal_code"]
    );
    for (change, field) in [
        (json!({"country": "XX"}), "country"),
        (json!({"country": "DEU"}), "country"),
        (json!({"country": null}), "country"),
        (json!({"postal_code": "1011"}), "postal_code"),
        (
            json!({"country": "US", "postal_code": "1234"}),
            "postal_code",
        ),
        (
            json!({"country": "CA", "postal_code": "D1A 0B1"}),
            "postal_code",
        ),
        (
            json!({"country": "FR", "postal_code": "7500"}),
            "postal_code",
        ),
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"line1": "evil\u{202e}txt"}), "line1"),
        (json!({"phone": "call me"}), "phone"),
    ] {
        let mut body = berlin();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = post(&app, &token, &body).await;
        res.assert_status(422);
        assert_eq!(errors(&res), [field], "{change}");
    }
    // Postal codes of other countries are taken as written.
    let mut japan = berlin();
    japan["country"] = json!("JP");
    japan["postal_code"] = json!("100-0001");
    post(&app, &token, &japan).await.assert_status(201);
    let list = app.client.get("/api/addresses").bearer(&token).send().await;
    assert_eq!(list.json_value()["total"], 1, "only the good one was kept");
}

#[tokio::test]
async fn one_users_addresses_are_not_anothers() {
    let app = app().await;
    let ada = customer(&app, "ada@example.com").await;
    let bob = customer(&app, "bob@example.com").await;
    let id = post(&app, &ada, &berlin()).await.json_value()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/addresses/{id}");
    app.client
        .get(&path)
        .bearer(&bob)
        .send()
        .await
        .assert_status(404);
    app.client
        .patch(&path)
        .bearer(&bob)
        .json(&json!({"city": "Hamburg"}))
        .send()
        .await
        .assert_status(404);
    app.client
        .delete(&path)
        .bearer(&bob)
        .send()
        .await
        .assert_status(404);
    let bobs = app.client.get("/api/addresses").bearer(&bob).send().await;
    assert_eq!(bobs.json_value()["total"], 0);
    let adas = app.client.get(&path).bearer(&ada).send().await;
    assert_eq!(adas.json_value()["city"], "Berlin", "unchanged");
    // Anonymous: 401.
    app.client
        .get("/api/addresses")
        .send()
        .await
        .assert_status(401);
    app.client
        .get("/api/addresses/abc")
        .bearer(&ada)
        .send()
        .await
        .assert_status(404);
}
