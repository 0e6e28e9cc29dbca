//! Permissions across the store (the contract's "Permissions"): what a staff member may
//! do through the API and the admin follows their groups' and own permissions; a change
//! holds on the next request, in another server process too; superusers pass everything
//! and an inactive superuser nothing.

use accounts::permissions;
use accounts::testing::{self, Role};
use serde_json::{Value, json};
use web_test::{TestApp, TestClient};

const CARD: &str = "4242424242424242";
const MANAGERS: &str = "Store managers";

/// Two server processes on one database: `app` (where operators change permissions)
/// and `other` (where the staff member's requests go).
async fn processes() -> (TestApp, TestApp) {
    let app = TestApp::builder(&project::project())
        .file_database()
        .build()
        .await;
    let other = TestApp::builder(&project::project())
        .share_database(&app)
        .build()
        .await;
    (app, other)
}

async fn create_product(client: &TestClient, token: &str, sku: &str) -> web_test::TestResponse {
    client
        .post("/api/catalog/products")
        .bearer(token)
        .json(&json!({"sku": sku, "name": format!("Thing {sku}"), "price_cents": 500, "stock": 5}))
        .send()
        .await
}

async fn status(client: &TestClient, method: &str, path: &str, token: &str) -> u16 {
    let request = match method {
        "GET" => client.get(path),
        "POST" => client.post(path),
        "PATCH" => client.patch(path).json(&json!({"stock": 7})),
        "DELETE" => client.delete(path),
        other => unreachable!("{other}"),
    };
    request.bearer(token).send().await.status.as_u16()
}

async fn total(client: &TestClient, path: &str, token: &str) -> i64 {
    let res = client.get(path).bearer(token).send().await;
    res.assert_status(200);
    res.json_value()["total"].as_i64().unwrap()
}

/// The store: a superuser's token, an active and an inactive product, a customer's paid
/// order; their ids.
struct Store {
    superuser: String,
    active: Value,
    inactive: Value,
    order: Value,
}

async fn store(app: &TestApp) -> Store {
    let superuser = testing::user_with_token(app, "root@example.com", Role::Superuser).await;
    let active = create_product(&app.client, &superuser, "ACTIVE").await;
    active.assert_status(201);
    let inactive = create_product(&app.client, &superuser, "HIDDEN").await;
    inactive.assert_status(201);
    let inactive = inactive.json_value()["id"].clone();
    app.client
        .patch(&format!("/api/catalog/products/{inactive}"))
        .bearer(&superuser)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);
    let buyer = testing::user_with_token(app, "buyer@example.com", Role::Customer).await;
    let active = active.json_value()["id"].clone();
    let order = app
        .client
        .post("/api/orders")
        .bearer(&buyer)
        .json(&json!({"items": [{"product_id": active, "quantity": 1}]}))
        .send()
        .await;
    order.assert_status(201);
    let order = order.json_value()["id"].clone();
    app.client
        .post(&format!("/api/orders/{order}/pay"))
        .bearer(&buyer)
        .header("idempotency-key", "perm-test-1")
        .json(&json!({ "card_number": CARD }))
        .send()
        .await
        .assert_status(200);
    Store {
        superuser,
        active,
        inactive,
        order,
    }
}

/// Which of the admin's model lists the index links to.
async fn admin_models(client: &TestClient) -> Vec<&'static str> {
    let index = client.get("/admin/").send().await;
    index.assert_status(200);
    let html = index.text();
    [
        "/admin/accounts/user/",
        "/admin/accounts/group/",
        "/admin/catalog/product/",
        "/admin/payments/order/",
    ]
    .into_iter()
    .filter(|link| html.contains(&format!("href=\"{link}\"")))
    .collect()
}

#[tokio::test]
async fn a_staff_member_may_do_what_their_groups_allow_from_the_next_request_on() {
    let (app, other) = processes().await;
    let s = store(&app).await;
    testing::user(&app, "clerk@example.com", Role::Staff).await;
    let clerk = testing::token(&other.client, "clerk@example.com").await;
    let clerk_pages = testing::signed_in(&other, "clerk@example.com").await;
    let (active, inactive, order) = (&s.active, &s.inactive, &s.order);
    let writes = [
        ("PATCH", format!("/api/catalog/products/{active}")),
        ("POST", format!("/api/orders/{order}/refund")),
    ];

    // Staff without permissions: every write is 403 and nothing changes; reads are a
    // customer's; the admin index lists no model.
    create_product(&other.client, &clerk, "NOPE")
        .await
        .assert_status(403);
    for (method, path) in &writes {
        assert_eq!(
            status(&other.client, method, path, &clerk).await,
            403,
            "{method} {path}"
        );
    }
    let delete = format!("/api/catalog/products/{active}");
    assert_eq!(status(&other.client, "DELETE", &delete, &clerk).await, 403);
    let everything = "/api/catalog/products?include_inactive=true";
    assert_eq!(total(&other.client, everything, &clerk).await, 1);
    let hidden = format!("/api/catalog/products/{inactive}");
    assert_eq!(status(&other.client, "GET", &hidden, &clerk).await, 404);
    assert_eq!(
        total(&other.client, "/api/orders?all=true", &clerk).await,
        0
    );
    let others_order = format!("/api/orders/{order}");
    assert_eq!(
        status(&other.client, "GET", &others_order, &clerk).await,
        404
    );
    assert_eq!(admin_models(&clerk_pages).await, Vec::<&str>::new());
    clerk_pages
        .get("/admin/catalog/product/")
        .send()
        .await
        .assert_status(403);
    let stock = other
        .client
        .get(&format!("/api/catalog/products/{active}"))
        .send()
        .await;
    assert_eq!(stock.json_value()["stock"], 4, "nothing changed");

    // An operator (in the other process) creates a group and puts the clerk in it, as
    // `project group create` and `group add-user` do.
    let codes: Vec<String> = [
        "catalog.view_product",
        "catalog.add_product",
        "catalog.change_product",
        "catalog.delete_product",
        "payments.view_order",
        "payments.refund_order",
    ]
    .map(String::from)
    .to_vec();
    permissions::set_group(app.db(), MANAGERS, &codes)
        .await
        .unwrap();
    permissions::add_user(app.db(), MANAGERS, "clerk@example.com")
        .await
        .unwrap();

    let created = create_product(&other.client, &clerk, "MANAGED").await;
    created.assert_status(201);
    assert_eq!(total(&other.client, everything, &clerk).await, 3);
    assert_eq!(status(&other.client, "GET", &hidden, &clerk).await, 200);
    assert_eq!(
        total(&other.client, "/api/orders?all=true", &clerk).await,
        1
    );
    assert_eq!(
        status(&other.client, "GET", &others_order, &clerk).await,
        200
    );
    for (method, path) in &writes {
        assert_eq!(
            status(&other.client, method, path, &clerk).await,
            200,
            "{method} {path}"
        );
    }
    let new_one = format!("/api/catalog/products/{}", created.json_value()["id"]);
    assert_eq!(status(&other.client, "DELETE", &new_one, &clerk).await, 204);
    assert_eq!(
        admin_models(&clerk_pages).await,
        ["/admin/catalog/product/", "/admin/payments/order/"]
    );

    // Out of the group: the next request is refused again, in the other process too.
    permissions::remove_user(app.db(), MANAGERS, "clerk@example.com")
        .await
        .unwrap();
    create_product(&other.client, &clerk, "LATE")
        .await
        .assert_status(403);
    assert_eq!(status(&other.client, "GET", &hidden, &clerk).await, 404);
    assert_eq!(
        total(&other.client, "/api/orders?all=true", &clerk).await,
        0
    );
    assert_eq!(
        status(&other.client, "GET", &others_order, &clerk).await,
        404
    );
    assert_eq!(admin_models(&clerk_pages).await, Vec::<&str>::new());
}

#[tokio::test]
async fn a_superuser_passes_everything_and_an_inactive_one_nothing() {
    let (app, other) = processes().await;
    let s = store(&app).await;
    let root = testing::signed_in(&other, "root@example.com").await;
    assert_eq!(
        admin_models(&root).await,
        [
            "/admin/accounts/user/",
            "/admin/accounts/group/",
            "/admin/catalog/product/",
            "/admin/payments/order/",
        ]
    );
    let everything = "/api/catalog/products?include_inactive=true";
    assert_eq!(total(&other.client, everything, &s.superuser).await, 2);
    assert_eq!(
        total(&other.client, "/api/orders?all=true", &s.superuser).await,
        1
    );
    let refund = format!("/api/orders/{}/refund", s.order);
    assert_eq!(
        status(&other.client, "POST", &refund, &s.superuser).await,
        200
    );

    // Deactivated: their token and session stop working, and they hold no permission.
    let root_user = accounts::models::user::find_by_email(app.db(), "root@example.com")
        .await
        .unwrap()
        .unwrap();
    accounts::models::user::update(
        app.db(),
        root_user.id,
        accounts::models::user::UserEdit {
            email: root_user.email.clone(),
            name: root_user.name.clone(),
            is_active: false,
            is_staff: true,
            is_superuser: true,
        },
    )
    .await
    .unwrap();
    create_product(&other.client, &s.superuser, "AFTER")
        .await
        .assert_status(401);
    let hidden = format!("/api/catalog/products/{}", s.inactive);
    assert_eq!(
        status(&other.client, "GET", &hidden, &s.superuser).await,
        404
    );
    root.get("/admin/").send().await.assert_status(302);
    let inactive = accounts::models::user::find_by_id(app.db(), root_user.id)
        .await
        .unwrap()
        .unwrap();
    let perms = permissions::UserPermissions::of(app.db(), &inactive)
        .await
        .unwrap();
    assert!(!perms.has("catalog.add_product"));
    assert_eq!(perms.codes().count(), 0);
}

#[tokio::test]
async fn templates_see_the_users_permissions() {
    let app = TestApp::new(&project::project()).await;
    store(&app).await;
    testing::user(&app, "viewer@example.com", Role::Staff).await;
    testing::staff_with(&app, "editor@example.com", &["catalog.change_product"]).await;
    let edit_link = "Edit in the admin";
    let product_page = |client: TestClient| async move {
        let res = client.get("/catalog/thing-active/").send().await;
        res.assert_status(200);
        res.text()
    };
    assert!(
        !product_page(app.client.new_session())
            .await
            .contains(edit_link)
    );
    let viewer = testing::signed_in(&app, "viewer@example.com").await;
    assert!(!product_page(viewer).await.contains(edit_link));
    let editor = testing::signed_in(&app, "editor@example.com").await;
    assert!(product_page(editor).await.contains(edit_link));
    let root = testing::signed_in(&app, "root@example.com").await;
    assert!(product_page(root).await.contains(edit_link));
}
