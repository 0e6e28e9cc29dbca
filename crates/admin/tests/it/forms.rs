//! Add and change forms (the apps' own validation, errors inline), delete with its
//! confirmation, user passwords, and the audit log they write.

use crate::{PASSWORD, log_entries, product, product_json, site, token};

#[tokio::test]
async fn adding_a_product_validates_like_the_api_and_logs_it() {
    let site = site().await;
    let page = "/admin/catalog/product/add/";
    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[
                ("sku", ""),
                ("name", "Mug"),
                ("price_cents", "-5"),
                ("stock", "many"),
                ("currency", "usd"),
            ],
        )
        .await;
    res.assert_status(422);
    let html = res.text();
    for message in [
        "This field may not be blank.",
        "Must be an integer greater than or equal to 0.",
        "Enter a whole number.",
        "Must be 3 upper-case letters",
    ] {
        assert!(html.contains(message), "{message} missing:\n{html}");
    }
    // The typed values come back.
    assert!(html.contains("value=\"Mug\""));
    let list = site.app.client.get("/api/catalog/products").send().await;
    assert_eq!(list.json_value()["total"], 0, "nothing saved");

    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[
                ("sku", "MUG-9"),
                ("name", "Good mug"),
                ("price_cents", "1250"),
                ("stock", "7"),
                ("is_active", "true"),
            ],
        )
        .await;
    res.assert_status(303);
    let location = res.location().unwrap().to_string();
    assert!(location.ends_with("/change/"), "{location}");
    let list = site
        .app
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    let created = &list["items"][0];
    assert_eq!(created["sku"], "MUG-9");
    assert_eq!(created["currency"], "USD");
    assert_eq!(created["slug"], "good-mug");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        log_entries(&site, "catalog", "product", id).await,
        [("added".to_string(), "Added.".to_string())]
    );
    // A taken sku is an error on the sku field.
    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[
                ("sku", "MUG-9"),
                ("name", "Other"),
                ("price_cents", "1"),
                ("stock", "1"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(
        res.text()
            .contains("A product with that SKU already exists.")
    );
}

#[tokio::test]
async fn changing_a_price_shows_on_the_public_page_and_in_the_history() {
    let site = site().await;
    let p = product(&site, "LAMP-1", "Desk lamp", 4000, 3).await;
    let id = p["id"].as_i64().unwrap();
    let page = format!("/admin/catalog/product/{id}/change/");
    let form = site.staff.get(&page).send().await;
    form.assert_status(200);
    assert_eq!(form.hidden_input("price_cents").as_deref(), Some("4000"));
    assert!(
        form.text().contains("desk-lamp"),
        "the read-only slug is shown"
    );
    // The product's images are listed below the form (none yet).
    assert!(form.text().contains("<h2>Images</h2>"), "{}", form.text());

    // Invalid: nothing changes, errors inline.
    let res = site
        .staff
        .submit_form(
            &page,
            &page,
            &[
                ("sku", "LAMP-1"),
                ("name", "Desk lamp"),
                ("price_cents", "12.50"),
                ("stock", "-1"),
                ("currency", "USD"),
                ("is_active", "true"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("Enter a whole number."));
    assert!(res.text().contains("Must be an integer from 0"));
    assert_eq!(product_json(&site, id).await["price_cents"], 4000);

    let res = site
        .staff
        .submit_form(
            &page,
            &page,
            &[
                ("sku", "LAMP-1"),
                ("name", "Desk lamp"),
                ("description", ""),
                ("price_cents", "3500"),
                ("stock", "3"),
                ("currency", "USD"),
                ("is_active", "true"),
                // The box is ticked as the form shows it (and the weight left as it is).
                ("requires_shipping", "true"),
            ],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/admin/catalog/product/"));
    let public = site
        .app
        .client
        .new_session()
        .get("/catalog/desk-lamp/")
        .send()
        .await;
    assert!(public.text().contains("$35.00"), "{}", public.text());
    assert_eq!(
        log_entries(&site, "catalog", "product", id).await,
        [("changed".to_string(), "Changed Price (cents).".to_string())]
    );
    let history = site
        .staff
        .get(&format!("/admin/catalog/product/{id}/history/"))
        .send()
        .await;
    history.assert_status(200);
    let html = history.text();
    assert!(html.contains("Changed Price (cents)."));
    assert!(html.contains("staff@example.com"));

    // Unticking "Active" deactivates it.
    site.staff
        .submit_form(
            &page,
            &page,
            &[
                ("sku", "LAMP-1"),
                ("name", "Desk lamp"),
                ("price_cents", "3500"),
                ("stock", "3"),
                ("currency", "USD"),
            ],
        )
        .await
        .assert_status(303);
    assert_eq!(product_json(&site, id).await["is_active"], false);
}

#[tokio::test]
async fn delete_asks_first_then_deletes_and_logs() {
    let site = site().await;
    let p = product(&site, "GONE-1", "Old stock", 100, 4).await;
    let id = p["id"].as_i64().unwrap();
    let page = format!("/admin/catalog/product/{id}/delete/");
    let confirm = site.staff.get(&page).send().await;
    confirm.assert_status(200);
    let html = confirm.text();
    assert!(html.contains("Are you sure?"));
    assert!(html.contains("Its stock of 4 leaves the catalog."));
    assert!(html.contains("deactivated instead of deleted"));
    // Looking changes nothing.
    assert_eq!(product_json(&site, id).await["sku"], "GONE-1");

    let res = site.staff.submit_form(&page, &page, &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/admin/catalog/product/"));
    site.app
        .client
        .get(&format!("/api/catalog/products/{id}"))
        .bearer(&site.staff_token)
        .send()
        .await
        .assert_status(404);
    assert_eq!(
        log_entries(&site, "catalog", "product", id).await,
        [("deleted".to_string(), "deleted.".to_string())]
    );
    // The history outlives the object.
    let history = site
        .staff
        .get(&format!("/admin/catalog/product/{id}/history/"))
        .send()
        .await;
    history.assert_status(200);
    assert!(history.text().contains("Old stock (GONE-1)"));
}

#[tokio::test]
async fn users_get_the_registration_password_rules_and_a_set_password_action() {
    let site = site().await;
    let page = "/admin/accounts/user/add/";
    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[
                ("email", "new@example.com"),
                ("name", "New"),
                ("password", "password123"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(
        res.text().contains("This password is too common."),
        "{}",
        res.text()
    );
    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[("email", "user@example.com"), ("password", PASSWORD)],
        )
        .await;
    res.assert_status(422);
    assert!(
        res.text()
            .contains("A user with that email already exists.")
    );
    let res = site
        .staff
        .submit_form(
            page,
            page,
            &[
                ("email", "New@Example.com"),
                ("name", "New"),
                ("password", PASSWORD),
                ("is_staff", "true"),
            ],
        )
        .await;
    res.assert_status(303);
    let new_token = token(&site.app, "new@example.com").await;
    let me = site
        .app
        .client
        .get("/api/accounts/me")
        .bearer(&new_token)
        .send()
        .await;
    assert_eq!(me.json_value()["is_staff"], true);
    let id = me.json_value()["id"].as_i64().unwrap();

    // Set password: the same validators, then the old tokens stop working.
    let action = format!("/admin/accounts/user/{id}/actions/set_password/");
    let res = site
        .staff
        .submit_form(
            &action,
            &action,
            &[
                ("new_password1", "12345678901"),
                ("new_password2", "12345678901"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("entirely numeric"), "{}", res.text());
    let res = site
        .staff
        .submit_form(
            &action,
            &action,
            &[
                ("new_password1", "a-new-long-secret"),
                ("new_password2", "a-different-one"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("didn’t match"));
    let res = site
        .staff
        .submit_form(
            &action,
            &action,
            &[
                ("new_password1", "a-new-long-secret"),
                ("new_password2", "a-new-long-secret"),
            ],
        )
        .await;
    res.assert_status(303);
    site.app
        .client
        .get("/api/accounts/me")
        .bearer(&new_token)
        .send()
        .await
        .assert_status(401);
    let res = site
        .app
        .client
        .post("/api/accounts/token")
        .json(&serde_json::json!({"email": "new@example.com", "password": "a-new-long-secret"}))
        .send()
        .await;
    res.assert_status(200);
    let entries = log_entries(&site, "accounts", "user", id).await;
    assert_eq!(entries[0].0, "added");
    assert_eq!(entries[1].0, "set_password");
}
