//! The central URL registry (the project's `urls.py`). `include(prefix, app::urls())`
//! mounts an app's pages under `prefix` and its JSON API under `/api` + `prefix`.

use web::UrlRegistry;

pub fn urlpatterns() -> UrlRegistry {
    UrlRegistry::new()
        .include("", web::health::urls())
        .include("/accounts", accounts::urls())
        .include("/i18n", web_i18n::urls())
        .include("", catalog::home_urls())
        .include("/catalog", catalog::urls())
        .include("", payments::urls())
        .include("/cart", cart::urls())
        .include("/addresses", addresses::urls())
        .include("/shipping", shipping::urls())
        .include("/admin", admin::urls())
        .include("", web_openapi::urls())
}
