//! `/addresses/`: the address book on the site.

use accounts::testing::{self, Role};

use crate::app;

#[tokio::test]
async fn the_book_needs_a_signed_in_user() {
    let app = app().await;
    let res = app.client.get("/addresses/").send().await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/accounts/login/?next=/addresses/"));
}

#[tokio::test]
async fn addresses_are_added_edited_and_deleted_on_the_site() {
    let app = app().await;
    testing::user(&app, "ada@example.com", Role::Customer).await;
    let ada = testing::signed_in(&app, "ada@example.com").await;
    // The profile links to the book.
    let profile = ada.get("/accounts/profile/").send().await.text();
    assert!(profile.contains("id=\"addresses-link\""), "{profile}");
    let empty = ada.get("/addresses/").send().await.text();
    assert!(empty.contains("No addresses yet."));

    // A refused form comes back with its values and the error beside the field.
    let form = [
        ("name", "Ada Lovelace"),
        ("line1", "10 Downing Street"),
        ("line2", ""),
        ("city", "London"),
        ("region", ""),
        ("postal_code", "12345"),
        ("country", "GB"),
        ("phone", ""),
    ];
    let res = ada
        .submit_form("/addresses/new/", "/addresses/new/", &form)
        .await;
    res.assert_status(422);
    let html = res.text();
    assert!(html.contains("Enter a valid postal code"), "{html}");
    assert!(html.contains("value=\"10 Downing Street\""));
    assert!(html.contains("<option value=\"GB\" selected>"));

    let mut good = form;
    good[5] = ("postal_code", "sw1a2aa");
    let res = ada
        .submit_form("/addresses/new/", "/addresses/new/", &good)
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/addresses/"));
    let list = ada.get("/addresses/").send().await.text();
    assert!(list.contains("SW1A 2AA London"), "{list}");
    assert!(list.contains("United Kingdom"), "{list}");
    let id = list
        .split("id=\"address-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();

    // Another user can't open or delete it.
    testing::user(&app, "bob@example.com", Role::Customer).await;
    let bob = testing::signed_in(&app, "bob@example.com").await;
    bob.get(&format!("/addresses/{id}/edit/"))
        .send()
        .await
        .assert_status(404);

    let edit = format!("/addresses/{id}/edit/");
    let mut changed = good;
    changed[3] = ("city", "Westminster");
    ada.submit_form(&edit, &edit, &changed)
        .await
        .assert_status(303);
    assert!(
        ada.get("/addresses/")
            .send()
            .await
            .text()
            .contains("Westminster")
    );

    let res = ada
        .submit_form("/addresses/", &format!("/addresses/{id}/delete/"), &[])
        .await;
    res.assert_status(303);
    assert!(
        ada.get("/addresses/")
            .send()
            .await
            .text()
            .contains("No addresses yet.")
    );
}
