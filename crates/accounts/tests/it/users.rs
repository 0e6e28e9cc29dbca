//! `accounts::users::create_user`, the one way every path creates a user.

use accounts::Auth;
use accounts::models::user::{self, CreateUserError};
use accounts::users::{Account, create_user};

use crate::{PASSWORD, app, token};

#[tokio::test]
async fn create_user_normalizes_hashes_and_refuses_what_no_path_may_store() {
    let app = app().await;
    let auth: Auth = app.state.service().unwrap();
    let created = create_user(
        app.db(),
        &auth.hasher,
        Account::superuser("  Boss@Example.COM ", PASSWORD).named(" The Boss "),
    )
    .await
    .unwrap();
    assert_eq!(created.email, "boss@example.com");
    assert_eq!(created.name, "The Boss");
    assert!(created.is_staff && created.is_superuser);
    assert_ne!(created.password, PASSWORD, "stored hashed");
    // The hash is the one logins check.
    assert!(!token(&app.client, "boss@example.com").await.is_empty());

    let taken = create_user(
        app.db(),
        &auth.hasher,
        Account::user("BOSS@example.com", "x"),
    )
    .await;
    assert!(matches!(taken, Err(CreateUserError::EmailTaken)));
    let invalid = create_user(
        app.db(),
        &auth.hasher,
        Account::user("not-an-email", PASSWORD),
    )
    .await;
    assert!(matches!(invalid, Err(CreateUserError::InvalidEmail)));
    assert!(
        user::find_by_email(app.db(), "not-an-email")
            .await
            .unwrap()
            .is_none()
    );
}
