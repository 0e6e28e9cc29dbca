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

/// The group [`plain_staff`]'s permissions come from.
const CLERK_GROUP: &str = "Permissions of clerk@example.com";

/// A staff member who is not a superuser, who may view, add and change users: signed
/// in, with their user id.
async fn plain_staff(site: &crate::Site) -> (web_test::TestClient, i64) {
    use accounts::testing;
    let created = testing::staff_with(
        &site.app,
        "clerk@example.com",
        &[
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
        ],
    )
    .await;
    (
        crate::signed_in(&site.app, "clerk@example.com").await,
        created.id,
    )
}

async fn flags_of(site: &crate::Site, id: i64) -> (bool, bool) {
    let u = accounts::models::user::find_by_id(site.app.db(), id)
        .await
        .unwrap()
        .unwrap();
    (u.is_staff, u.is_superuser)
}

#[tokio::test]
async fn staff_cannot_raise_themselves_or_touch_a_superuser() {
    let site = site().await;
    let (clerk, clerk_id) = plain_staff(&site).await;
    let change = format!("/admin/accounts/user/{clerk_id}/change/");
    // Ticking "superuser" on their own account is refused; nothing changes.
    let res = clerk
        .submit_form(
            &change,
            &change,
            &[
                ("email", "clerk@example.com"),
                ("name", "Clerk"),
                ("is_active", "on"),
                ("is_staff", "on"),
                ("is_superuser", "on"),
            ],
        )
        .await;
    assert_ne!(res.status, 303, "refused");
    assert!(res.text().contains("Only a superuser"), "{}", res.text());
    assert_eq!(flags_of(&site, clerk_id).await, (true, false));
    // Editing other fields of a non-superuser still works (the form sends the groups
    // back as they were).
    clerk
        .submit_form(
            &change,
            &change,
            &[
                ("email", "clerk@example.com"),
                ("name", "Clerk Renamed"),
                ("is_active", "on"),
                ("is_staff", "on"),
                ("groups", CLERK_GROUP),
            ],
        )
        .await
        .assert_status(303);
    // A new user with staff status: refused, nobody created.
    let res = clerk
        .submit_form(
            "/admin/accounts/user/add/",
            "/admin/accounts/user/add/",
            &[
                ("email", "minion@example.com"),
                ("password", "minion-Pass-2026"),
                ("is_active", "on"),
                ("is_staff", "on"),
            ],
        )
        .await;
    assert_ne!(res.status, 303);
    assert!(
        accounts::models::user::find_by_email(site.app.db(), "minion@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // The superuser's pages and password are out of reach.
    let superuser = site.staff_id;
    for page in [
        format!("/admin/accounts/user/{superuser}/change/"),
        format!("/admin/accounts/user/{superuser}/actions/set_password/"),
    ] {
        clerk.get(&page).send().await.assert_status(403);
    }
    let set_password = format!("/admin/accounts/user/{superuser}/actions/set_password/");
    let res = clerk
        .post(&set_password)
        .form(&[
            ("new_password1", "taken-Over-2026"),
            ("new_password2", "taken-Over-2026"),
            (
                "csrf_token",
                &clerk.get("/admin/").send().await.csrf_token().unwrap(),
            ),
        ])
        .send()
        .await;
    res.assert_status(403);
    crate::token(&site.app, "staff@example.com").await;
    // A superuser may grant staff status.
    let other = crate::new_user(&site.app, "helper@example.com", false).await;
    let change = format!("/admin/accounts/user/{other}/change/");
    site.staff
        .submit_form(
            &change,
            &change,
            &[
                ("email", "helper@example.com"),
                ("is_active", "on"),
                ("is_staff", "on"),
            ],
        )
        .await
        .assert_status(303);
    assert_eq!(flags_of(&site, other).await, (true, false));
}

/// `accounts.change_user` is not a way into a stronger account: the password, email and
/// active flag of a staff user, or of a user holding a permission the actor lacks, are
/// the superusers' alone; a plain customer's stay editable.
#[tokio::test]
async fn change_user_cannot_take_over_a_stronger_account() {
    let site = site().await;
    let (clerk, _) = plain_staff(&site).await;
    let manager = accounts::testing::staff_with(
        &site.app,
        "manager@example.com",
        &["accounts.view_user", "payments.refund_order"],
    )
    .await
    .id;
    let refunder = crate::new_user(&site.app, "refunder@example.com", false).await;
    accounts::permissions::set_user_access(
        site.app.db(),
        refunder,
        &[],
        &["payments.refund_order".to_string()],
    )
    .await
    .unwrap();
    let customer = crate::new_user(&site.app, "customer@example.com", false).await;
    let csrf = clerk.get("/admin/").send().await.csrf_token().unwrap();
    for (id, email, staff, permissions) in [
        (manager, "manager@example.com", true, ""),
        (
            refunder,
            "refunder@example.com",
            false,
            "payments.refund_order",
        ),
    ] {
        let set_password = format!("/admin/accounts/user/{id}/actions/set_password/");
        let res = clerk
            .post(&set_password)
            .form(&[
                ("new_password1", "taken-Over-2026"),
                ("new_password2", "taken-Over-2026"),
                ("csrf_token", &csrf),
            ])
            .send()
            .await;
        assert_ne!(res.status, 303, "{email}: the password was set");
        assert!(res.text().contains("Only a superuser"), "{}", res.text());
        let change = format!("/admin/accounts/user/{id}/change/");
        let mut fields = vec![("email", "mine@example.com"), ("is_active", "on")];
        if staff {
            fields.push(("is_staff", "on"));
            fields.push(("groups", "Permissions of manager@example.com"));
        }
        if !permissions.is_empty() {
            fields.push(("user_permissions", permissions));
        }
        let res = clerk.submit_form(&change, &change, &fields).await;
        assert_ne!(res.status, 303, "{email}: the email was changed");
        let deactivate: Vec<_> = fields
            .iter()
            .filter(|(k, _)| *k != "is_active")
            .map(|&(k, v)| if k == "email" { (k, email) } else { (k, v) })
            .collect();
        let res = clerk.submit_form(&change, &change, &deactivate).await;
        assert_ne!(res.status, 303, "{email}: deactivated");
        let user = accounts::models::user::find_by_id(site.app.db(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((user.email.as_str(), user.is_active), (email, true));
        // Nor can the clerk sign in with a password of their choosing.
        let res = site
            .app
            .client
            .post("/api/accounts/token")
            .json(&serde_json::json!({"email": email, "password": "taken-Over-2026"}))
            .send()
            .await;
        res.assert_status(401);
    }
    // A customer without permissions is the clerk's to help.
    let set_password = format!("/admin/accounts/user/{customer}/actions/set_password/");
    clerk
        .post(&set_password)
        .form(&[
            ("new_password1", "helped-Out-2026"),
            ("new_password2", "helped-Out-2026"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .assert_status(303);
    let change = format!("/admin/accounts/user/{customer}/change/");
    clerk
        .submit_form(
            &change,
            &change,
            &[("email", "renamed@example.com"), ("is_active", "on")],
        )
        .await
        .assert_status(303);
    // A superuser may do all of it.
    let change = format!("/admin/accounts/user/{manager}/change/");
    site.staff
        .submit_form(
            &change,
            &change,
            &[
                ("email", "boss@example.com"),
                ("is_active", "on"),
                ("is_staff", "on"),
                ("groups", "Permissions of manager@example.com"),
            ],
        )
        .await
        .assert_status(303);
}
