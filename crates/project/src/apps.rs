//! The installed apps (Django's `INSTALLED_APPS`), in dependency order: an app comes after
//! the apps it uses. Migrations, management commands and cleanup follow this list.

use std::sync::Arc;

use web::App;

pub fn installed_apps() -> Vec<Arc<dyn App>> {
    vec![
        Arc::new(web::health::Health),
        Arc::new(web_sessions::Sessions),
        Arc::new(web_i18n::I18n),
        Arc::new(web_jobs::Jobs),
        Arc::new(web_mail::Mail),
        Arc::new(web_media::Media),
        Arc::new(web_cache::CacheApp),
        // Reads to `database.replica_urls`, when set; pins in the cache's Redis.
        Arc::new(web_replicas::Replicas),
        Arc::new(web_schema::Schema),
        Arc::new(web_fixtures::Fixtures),
        // Before the apps whose requests it limits (its middleware runs first).
        Arc::new(
            ratelimit::RateLimits::new()
                .identify_with(Arc::new(|state, token| {
                    Box::pin(accounts::extract::user_key_of_bearer(state, token))
                }))
                .searches(&["catalog:api_product_list", "catalog:product_list"])
                .registrations(&["accounts:api_register", "accounts:register"]),
        ),
        Arc::new(accounts::Accounts),
        Arc::new(catalog::Catalog),
        Arc::new(payments::Payments),
        Arc::new(cart::CartApp),
        Arc::new(addresses::Addresses),
        Arc::new(shipping::Shipping),
        Arc::new(admin::Admin),
        Arc::new(web_openapi::ApiDocs {
            title: "Store API",
            version: env!("CARGO_PKG_VERSION"),
            description: "The online store's JSON API: accounts, catalog, cart, orders, payments, addresses and shipping.",
        }),
    ]
}
