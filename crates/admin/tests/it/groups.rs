//! Groups on the admin site: a permission picker, membership on the user's change form,
//! both in the audit log, and both for superusers only (no escalation).

use accounts::models::user;
use accounts::permissions::{self, UserPermissions};
use accounts::testing;

use crate::{log_entries, signed_in, site};

const EDITORS: &str = "Catalog editors";

async fn has(site: &crate::Site, email: &str, code: &str) -> bool {
    let found = user::find_by_email(site.app.db(), email)
        .await
        .unwrap()
        .unwrap();
    UserPermissions::of(site.app.db(), &found)
        .await
        .unwrap()
        .has(code)
}

async fn group_id(site: &crate::Site, name: &str) -> i64 {
    permissions::all_groups(site.app.db())
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == name)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_superuser_builds_a_group_with_the_picker_and_assigns_it() {
    let site = site().await;
    let add = "/admin/accounts/group/add/";
    let form = site.staff.get(add).send().await;
    form.assert_status(200);
    let html = form.text();
    for code in [
        "catalog.change_product",
        "payments.refund_order",
        "accounts.view_group",
    ] {
        assert!(
            html.contains(&format!(r#"name="permissions" value="{code}""#)),
            "the picker offers {code}"
        );
    }
    // An unknown code (a forged form) is refused naming it; nothing is created.
    let res = site
        .staff
        .submit_form(
            add,
            add,
            &[("name", EDITORS), ("permissions", "catalog.fly_product")],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("catalog.fly_product"));
    assert!(
        permissions::all_groups(site.app.db())
            .await
            .unwrap()
            .is_empty()
    );
    site.staff
        .submit_form(
            add,
            add,
            &[
                ("name", EDITORS),
                ("permissions", "catalog.view_product"),
                ("permissions", "catalog.change_product"),
            ],
        )
        .await
        .assert_status(303);
    let id = group_id(&site, EDITORS).await;
    assert_eq!(
        permissions::group_codes(site.app.db(), id).await.unwrap(),
        ["catalog.change_product", "catalog.view_product"]
    );
    // A second group of that name is a field error.
    let again = site.staff.submit_form(add, add, &[("name", EDITORS)]).await;
    again.assert_status(422);
    assert!(again.text().contains("exists already"));

    // The user's change form puts a user in it, and gives a permission of their own.
    let clerk = testing::user(&site.app, "clerk@example.com", testing::Role::Staff).await;
    let change = format!("/admin/accounts/user/{}/change/", clerk.id);
    let page = site.staff.get(&change).send().await.text();
    assert!(page.contains(&format!(r#"name="groups" value="{EDITORS}""#)));
    site.staff
        .submit_form(
            &change,
            &change,
            &[
                ("email", "clerk@example.com"),
                ("is_active", "on"),
                ("is_staff", "on"),
                ("groups", EDITORS),
                ("user_permissions", "payments.view_order"),
            ],
        )
        .await
        .assert_status(303);
    assert!(has(&site, "clerk@example.com", "catalog.change_product").await);
    assert!(has(&site, "clerk@example.com", "payments.view_order").await);
    assert!(!has(&site, "clerk@example.com", "catalog.delete_product").await);
    let checked = site.staff.get(&change).send().await.text();
    assert!(checked.contains(&format!(r#"name="groups" value="{EDITORS}" checked"#)));
    let logged = log_entries(&site, "accounts", "user", clerk.id).await;
    assert!(
        logged.iter().any(|(_, m)| m
            == "Changed Groups (added: Catalog editors), User permissions (added: Can view order)."),
        "{logged:?}"
    );

    // The group's permissions changed from its page: members have the new set at once.
    let group_page = format!("/admin/accounts/group/{id}/change/");
    site.staff
        .submit_form(
            &group_page,
            &group_page,
            &[("name", EDITORS), ("permissions", "catalog.delete_product")],
        )
        .await
        .assert_status(303);
    assert!(has(&site, "clerk@example.com", "catalog.delete_product").await);
    assert!(!has(&site, "clerk@example.com", "catalog.change_product").await);
    let logged = log_entries(&site, "accounts", "group", id).await;
    assert!(
        logged.iter().any(|(_, m)| m
            == "Changed Permissions (added: Can delete product; removed: Can change product, Can view product)."),
        "{logged:?}"
    );

    // Deleting the group takes its permissions from its members.
    let delete = format!("/admin/accounts/group/{id}/delete/");
    let confirm = site.staff.get(&delete).send().await;
    assert!(confirm.text().contains("1 member(s)"));
    site.staff
        .submit_form(&delete, &delete, &[])
        .await
        .assert_status(303);
    assert!(!has(&site, "clerk@example.com", "catalog.delete_product").await);
    assert!(has(&site, "clerk@example.com", "payments.view_order").await);
}

#[tokio::test]
async fn only_a_superuser_changes_who_may_do_what() {
    let site = site().await;
    permissions::set_group(site.app.db(), EDITORS, &["catalog.view_product".into()])
        .await
        .unwrap();
    let id = group_id(&site, EDITORS).await;
    let manager_codes = [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_group",
        "accounts.add_group",
        "accounts.change_group",
        "accounts.delete_group",
    ];
    testing::staff_with(&site.app, "manager@example.com", &manager_codes).await;
    let manager = signed_in(&site.app, "manager@example.com").await;
    let own_group = "Permissions of manager@example.com";

    // A group's permissions: refused, also on a new group; its name may change.
    let group_page = format!("/admin/accounts/group/{id}/change/");
    let res = manager
        .submit_form(
            &group_page,
            &group_page,
            &[("name", EDITORS), ("permissions", "catalog.delete_product")],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("Only a superuser"));
    assert_eq!(
        permissions::group_codes(site.app.db(), id).await.unwrap(),
        ["catalog.view_product"]
    );
    let add = "/admin/accounts/group/add/";
    manager
        .submit_form(
            add,
            add,
            &[("name", "Mine"), ("permissions", "accounts.change_user")],
        )
        .await
        .assert_status(422);
    manager
        .submit_form(
            &group_page,
            &group_page,
            &[
                ("name", "Shop editors"),
                ("permissions", "catalog.view_product"),
            ],
        )
        .await
        .assert_status(303);
    // Deleting a group changes its members' permissions: superusers only.
    let delete = format!("/admin/accounts/group/{id}/delete/");
    assert_eq!(manager.get(&delete).send().await.status.as_u16(), 403);

    // A user's groups and own permissions, their own included: refused.
    let me = user::find_by_email(site.app.db(), "manager@example.com")
        .await
        .unwrap()
        .unwrap();
    let change = format!("/admin/accounts/user/{}/change/", me.id);
    for extra in [
        ("groups", "Shop editors"),
        ("user_permissions", "catalog.add_product"),
    ] {
        let res = manager
            .submit_form(
                &change,
                &change,
                &[
                    ("email", "manager@example.com"),
                    ("is_active", "on"),
                    ("is_staff", "on"),
                    ("groups", own_group),
                    extra,
                ],
            )
            .await;
        res.assert_status(422);
        assert!(res.text().contains("Only a superuser may change a user"));
    }
    assert!(!has(&site, "manager@example.com", "catalog.view_product").await);
    assert!(!has(&site, "manager@example.com", "catalog.add_product").await);
}
