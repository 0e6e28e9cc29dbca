//! Who may see what: anonymous visitors go to the login page (with `next`), signed-in
//! non-staff get 403, staff get the page.

use crate::{product, site};

#[tokio::test]
async fn every_page_needs_a_staff_member() {
    let site = site().await;
    let p = product(&site, "PERM-1", "Permission mug", 900, 3).await;
    let id = p["id"].as_i64().unwrap();
    let user_id = site.staff_id;
    let pages = [
        "/admin/".to_string(),
        "/admin/catalog/product/".into(),
        "/admin/catalog/product/add/".into(),
        format!("/admin/catalog/product/{id}/change/"),
        format!("/admin/catalog/product/{id}/delete/"),
        format!("/admin/catalog/product/{id}/history/"),
        "/admin/accounts/user/".into(),
        "/admin/accounts/user/add/".into(),
        format!("/admin/accounts/user/{user_id}/change/"),
        format!("/admin/accounts/user/{user_id}/actions/set_password/"),
        "/admin/payments/order/".into(),
    ];
    let anonymous = site.app.client.new_session();
    for page in &pages {
        let res = anonymous.get(page).send().await;
        res.assert_status(302);
        let login = res.location().unwrap();
        assert!(
            login.starts_with("/accounts/login/?next=/admin/"),
            "{page} → {login}"
        );
        site.user.get(page).send().await.assert_status(403);
        site.staff.get(page).send().await.assert_status(200);
    }
}

#[tokio::test]
async fn posts_need_a_staff_member_and_a_csrf_token() {
    let site = site().await;
    let form = [
        ("sku", "X-1"),
        ("name", "X"),
        ("price_cents", "1"),
        ("stock", "1"),
    ];
    // A regular user with a valid token: 403, nothing created.
    let res = site
        .user
        .submit_form("/catalog/", "/admin/catalog/product/add/", &form)
        .await;
    res.assert_status(403);
    // Staff without the token: 403 from the CSRF check.
    let res = site
        .staff
        .post("/admin/catalog/product/add/")
        .form(&form)
        .send()
        .await;
    res.assert_status(403);
    let list = site.app.client.get("/api/catalog/products").send().await;
    assert_eq!(list.json_value()["total"], 0);
}

#[tokio::test]
async fn unknown_models_objects_and_actions_are_404() {
    let site = site().await;
    for page in [
        "/admin/catalog/widget/",
        "/admin/catalog/product/999/change/",
        "/admin/catalog/product/abc/change/",
        "/admin/accounts/user/999/actions/set_password/",
    ] {
        site.staff.get(page).send().await.assert_status(404);
    }
    let res = site
        .staff
        .get(&format!(
            "/admin/accounts/user/{}/actions/explode/",
            site.staff_id
        ))
        .send()
        .await;
    res.assert_status(404);
}

#[tokio::test]
async fn what_a_model_does_not_allow_is_403() {
    let site = site().await;
    // Orders are read-only; users are deactivated, not deleted.
    site.staff
        .get("/admin/payments/order/add/")
        .send()
        .await
        .assert_status(403);
    let res = site
        .staff
        .get(&format!("/admin/accounts/user/{}/delete/", site.staff_id))
        .send()
        .await;
    res.assert_status(403);
}

#[tokio::test]
async fn the_index_lists_every_registered_model_by_app() {
    let site = site().await;
    let html = site.staff.get("/admin/").send().await.text();
    for link in [
        "href=\"/admin/accounts/user/\"",
        "href=\"/admin/catalog/product/\"",
        "href=\"/admin/payments/order/\"",
        "href=\"/admin/catalog/product/add/\"",
    ] {
        assert!(html.contains(link), "{link} missing");
    }
    assert!(!html.contains("/admin/payments/order/add/"));
}
