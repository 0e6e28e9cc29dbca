//! Permissions and groups: stored by every migrate, granted through groups or directly,
//! read once per request; superusers hold all, inactive users none.

use accounts::models::{permission, user_permission};
use accounts::permissions::{self, GroupError, UserPermissions};
use accounts::testing::Role;
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
use web::permissions::Permission;

use super::app;

async fn can(app: &web_test::TestApp, email: &str, code: &str) -> bool {
    let user = accounts::models::user::find_by_email(app.db(), email)
        .await
        .unwrap()
        .unwrap();
    UserPermissions::of(app.db(), &user)
        .await
        .unwrap()
        .has(code)
}

#[tokio::test]
async fn migrate_stores_each_admin_models_four_permissions() {
    let app = app().await;
    let codes: Vec<(String, String)> = permissions::all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    assert_eq!(
        codes,
        [
            ("accounts.add_group", "Can add group"),
            ("accounts.add_user", "Can add user"),
            ("accounts.change_group", "Can change group"),
            ("accounts.change_user", "Can change user"),
            ("accounts.delete_group", "Can delete group"),
            ("accounts.delete_user", "Can delete user"),
            ("accounts.view_group", "Can view group"),
            ("accounts.view_user", "Can view user"),
            ("jobs.add_job", "Can add job"),
            ("jobs.change_job", "Can change job"),
            ("jobs.delete_job", "Can delete job"),
            ("jobs.view_job", "Can view job"),
        ]
        .map(|(c, n)| (c.to_string(), n.to_string()))
    );
}

#[tokio::test]
async fn a_permission_no_app_declares_any_more_is_removed_with_its_grants() {
    let app = app().await;
    let declared = web::permissions::of(&super::project().contributions());
    let mut more = declared.clone();
    more.push(Permission::new(
        "accounts",
        "export_user",
        "Can export users",
    ));
    permissions::sync(app.db(), &more).await.unwrap();
    accounts::testing::user(&app, "ops@example.com", Role::Staff).await;
    permissions::set_group(app.db(), "Ops", &["accounts.export_user".into()])
        .await
        .unwrap();
    permissions::add_user(app.db(), "Ops", "ops@example.com")
        .await
        .unwrap();
    assert!(can(&app, "ops@example.com", "accounts.export_user").await);

    permissions::sync(app.db(), &declared).await.unwrap();
    assert!(!can(&app, "ops@example.com", "accounts.export_user").await);
    let stored = permission::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(stored.len(), declared.len());
}

#[tokio::test]
async fn groups_grant_and_removing_a_member_takes_effect_on_the_next_read() {
    let app = app().await;
    accounts::testing::user(&app, "staff@example.com", Role::Staff).await;
    assert!(!can(&app, "staff@example.com", "accounts.change_user").await);

    permissions::set_group(
        app.db(),
        "User admins",
        &["accounts.view_user".into(), "accounts.change_user".into()],
    )
    .await
    .unwrap();
    permissions::add_user(app.db(), "User admins", "STAFF@example.com")
        .await
        .unwrap();
    // Twice is once.
    permissions::add_user(app.db(), "User admins", "staff@example.com")
        .await
        .unwrap();
    assert!(can(&app, "staff@example.com", "accounts.change_user").await);
    assert!(!can(&app, "staff@example.com", "accounts.delete_user").await);

    // Replacing the group's permissions replaces them.
    permissions::set_group(app.db(), "User admins", &["accounts.view_user".into()])
        .await
        .unwrap();
    assert!(!can(&app, "staff@example.com", "accounts.change_user").await);
    assert!(can(&app, "staff@example.com", "accounts.view_user").await);

    assert!(
        permissions::remove_user(app.db(), "User admins", "staff@example.com")
            .await
            .unwrap()
    );
    assert!(!can(&app, "staff@example.com", "accounts.view_user").await);
    assert!(
        !permissions::remove_user(app.db(), "User admins", "staff@example.com")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_unknown_code_changes_nothing() {
    let app = app().await;
    let refused = permissions::set_group(
        app.db(),
        "Editors",
        &["accounts.view_user".into(), "catalog.fly_product".into()],
    )
    .await;
    assert!(
        matches!(refused, Err(GroupError::UnknownPermission(code)) if code == "catalog.fly_product")
    );
    let missing = permissions::add_user(app.db(), "Editors", "nobody@example.com").await;
    assert!(matches!(missing, Err(GroupError::UnknownGroup(name)) if name == "Editors"));
    permissions::set_group(app.db(), "Editors", &[])
        .await
        .unwrap();
    let missing = permissions::add_user(app.db(), "Editors", "nobody@example.com").await;
    assert!(
        matches!(missing, Err(GroupError::UnknownUser(email)) if email == "nobody@example.com")
    );
    assert!(matches!(
        permissions::set_group(app.db(), "  ", &[]).await,
        Err(GroupError::EmptyName)
    ));
}

#[tokio::test]
async fn direct_permissions_superusers_and_inactive_users() {
    let app = app().await;
    let staff = accounts::testing::user(&app, "direct@example.com", Role::Staff).await;
    let view_user = permissions::all(app.db())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == "accounts.view_user")
        .unwrap();
    user_permission::ActiveModel {
        id: NotSet,
        user_id: Set(staff.id),
        permission_id: Set(view_user.id),
    }
    .insert(app.db())
    .await
    .unwrap();
    assert!(can(&app, "direct@example.com", "accounts.view_user").await);
    assert!(!can(&app, "direct@example.com", "accounts.add_user").await);

    let root = accounts::testing::user(&app, "root@example.com", Role::Superuser).await;
    assert!(can(&app, "root@example.com", "accounts.delete_user").await);
    assert!(can(&app, "root@example.com", "anything.at_all").await);

    let mut inactive: accounts::models::user::ActiveModel = root.into();
    inactive.is_active = Set(false);
    inactive.update(app.db()).await.unwrap();
    assert!(!can(&app, "root@example.com", "accounts.view_user").await);
}

/// An app whose views would check a permission nobody declares (a typo).
struct Misspelt;

#[async_trait::async_trait]
impl web::App for Misspelt {
    fn label(&self) -> &'static str {
        "misspelt"
    }
    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn install(&self, app: &mut web::Installer) {
        app.requires_permission("accounts.view_user")
            .requires_permission("accounts.chnage_user");
    }
}

#[test]
fn a_checked_permission_no_app_declares_stops_the_project() {
    assert_eq!(super::project().check_apps(), Ok(()));
    let project = web_test::project(
        vec![
            std::sync::Arc::new(accounts::Accounts),
            std::sync::Arc::new(Misspelt),
        ],
        web_test::urls,
        migration::group,
    );
    let refused = project.check_apps().unwrap_err();
    assert!(
        refused.contains("app `misspelt` checks the permission `accounts.chnage_user`"),
        "{refused}"
    );
}

#[tokio::test]
async fn templates_ask_perms_as_django_does() {
    let render = |perms: UserPermissions, template: &str| {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_template("t", template).unwrap();
        env.get_template("t")
            .unwrap()
            .render(minijinja::context! { perms => permissions::template_value(perms) })
            .unwrap()
    };
    let app = app().await;
    accounts::testing::staff_with(&app, "viewer@example.com", &["accounts.view_user"]).await;
    let viewer = accounts::models::user::find_by_email(app.db(), "viewer@example.com")
        .await
        .unwrap()
        .unwrap();
    let perms = UserPermissions::of(app.db(), &viewer).await.unwrap();
    let template = "{{ perms.accounts.view_user }} {{ perms.accounts.change_user }} \
                    {{ perms['accounts.view_user'] }} {% if perms.accounts %}app{% endif %}\
                    {% if perms.catalog %}other{% endif %}";
    assert_eq!(render(perms, template), "True False True app");
    assert_eq!(
        render(UserPermissions::default(), template),
        "False False False "
    );
}
