//! Password hashing parameters and re-hashing.

use accounts::Auth;
use serde_json::json;

use crate::{PASSWORD, app, create_user};

#[tokio::test]
async fn hashes_made_with_old_parameters_are_upgraded_at_login() {
    use sea_orm::EntityTrait;
    let app = app().await;
    let user = create_user(&app, "old@example.com", false).await;
    // A hash made with other (older) parameters.
    let params = argon2::Params::new(32, 1, 1, None).unwrap();
    let old = argon2::password_hash::PasswordHasher::hash_password(
        &argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params),
        PASSWORD.as_bytes(),
    )
    .unwrap()
    .to_string();
    accounts::models::user::set_password_hash(app.db(), user.id, &old)
        .await
        .unwrap();
    let auth: Auth = app.state.service().unwrap();
    assert!(auth.hasher.needs_rehash(&old));
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "old@example.com", "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    let stored = accounts::models::user::Entity::find_by_id(user.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .password;
    assert_ne!(stored, old);
    assert!(!auth.hasher.needs_rehash(&stored));
}
