//! The accounts app's named routes: pages under `/accounts/`, the API under `/api/accounts/`.

use web::Urls;
use web::urls::{get, post};

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("accounts")
        .route(
            "/register/",
            "register",
            get(pages::register_form).post(pages::register),
        )
        .route(
            "/login/",
            "login",
            get(pages::login_form).post(pages::login),
        )
        .route("/logout/", "logout", post(pages::logout))
        .route(
            "/profile/",
            "profile",
            get(pages::profile).post(pages::profile_update),
        )
        .route(
            "/password/",
            "password_change",
            get(pages::password_change_form).post(pages::password_change),
        )
        .route(
            "/password/reset/",
            "password_reset",
            get(pages::password_reset_form).post(pages::password_reset),
        )
        .route(
            "/password/reset/done/",
            "password_reset_done",
            get(pages::password_reset_done),
        )
        .route(
            "/reset/{uidb64}/{token}/",
            "password_reset_confirm",
            get(pages::password_reset_confirm_form).post(pages::password_reset_confirm),
        )
        .route(
            "/reset/done/",
            "password_reset_complete",
            get(pages::password_reset_complete),
        )
        .api("/register", "api_register", post(api::register))
        .api("/token", "api_token", post(api::token))
        .api("/me", "api_me", get(api::me).patch(api::update_me))
        .api("/logout", "api_logout", post(api::logout))
        .api("/password", "api_password", post(api::change_password))
}
