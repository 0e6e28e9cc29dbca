//! `ratelimit`: per-client request budgets, an extra the project installs like an app
//! (section `[ratelimit]`; contract v3, "Limits and timeouts").
//!
//! Every request spends from one budget: its user's (`ratelimit.user_per_minute`) when it
//! carries a valid bearer token, else its client address's
//! (`ratelimit.anonymous_per_minute`; the address from `X-Forwarded-For` only when the peer
//! is in `server.trusted_proxies`; IPv6 by /64). Searches also spend
//! `ratelimit.search_per_minute`, and registrations `ratelimit.register_per_hour` per
//! address. Over a budget the answer is `429 throttled` with `Retry-After`. Health,
//! readiness and static files spend nothing. Counters live in this process (governor) or,
//! with `cache.url`, in Redis for every process at once, falling back to this process's
//! while Redis does not answer. Off unless `ratelimit.enabled` (on in production).
//!
//! ```ignore
//! // crates/project/src/apps.rs
//! Arc::new(
//!     ratelimit::RateLimits::new()
//!         .identify_with(accounts::ratelimit_identity())
//!         .searches(&["catalog:api_product_list", "catalog:product_list"])
//!         .registrations(&["accounts:api_register", "accounts:register"]),
//! )
//! ```

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use web::settings::{Settings, SettingsError};
use web::{App, AppState, Installer, Middleware, Services};

mod budgets;
mod middleware;
pub mod settings;
mod shared;

pub use budgets::Budget;
pub use middleware::Identify;
use settings::RateLimitSettings;

/// The app. Routes are named, not written out, so the budgets follow the URL registry.
#[derive(Default, Clone)]
pub struct RateLimits {
    identify: Option<Identify>,
    searches: Vec<&'static str>,
    registrations: Vec<&'static str>,
}

impl RateLimits {
    pub fn new() -> RateLimits {
        RateLimits::default()
    }

    /// How to find the user of a bearer token; without it every client counts by address.
    pub fn identify_with(mut self, identify: Identify) -> RateLimits {
        self.identify = Some(identify);
        self
    }

    /// Routes (names) whose `GET` with a non-empty `q` is a search.
    pub fn searches(mut self, routes: &[&'static str]) -> RateLimits {
        self.searches.extend_from_slice(routes);
        self
    }

    /// Routes (names) a `POST` to which registers an account.
    pub fn registrations(mut self, routes: &[&'static str]) -> RateLimits {
        self.registrations.extend_from_slice(routes);
        self
    }

    fn paths(state: &AppState, names: &[&'static str]) -> HashSet<String> {
        names
            .iter()
            .filter_map(|name| match state.reverser().reverse(name, &[]) {
                Ok(path) => Some(path),
                Err(e) => {
                    tracing::warn!(route = name, error = %e, "rate limits: no such route; not limited");
                    None
                }
            })
            .collect()
    }

    fn limiter(&self, state: &AppState) -> Option<middleware::Limiter> {
        let settings = state.service::<RateLimitSettings>().ok()?;
        if !settings.enabled {
            return None;
        }
        let per = |n: u32, period: Duration| budgets::Allowance {
            requests: NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
            period,
        };
        let minute = Duration::from_secs(60);
        let allowances = [
            (
                Budget::Anonymous,
                per(settings.anonymous_per_minute, minute),
            ),
            (Budget::User, per(settings.user_per_minute, minute)),
            (Budget::Search, per(settings.search_per_minute, minute)),
            (
                Budget::Register,
                per(settings.register_per_hour, Duration::from_secs(3600)),
            ),
        ];
        let project = state.settings();
        // One Redis for the cache and the counters (`cache.url`, the cache extra's setting).
        let cache_url = web_cache::CacheSettings::from_settings(project)
            .map(|cache| cache.url.expose().to_string())
            .unwrap_or_default();
        let shared = match cache_url.as_str() {
            "" => None,
            url => shared::SharedCounters::new(url, project.database.url.expose())
                .map_err(|e| tracing::warn!(error = %e, "rate limits: cache.url can't be used; counting per process"))
                .ok(),
        };
        let mut exempt_prefixes = vec![project.static_files.url.clone()];
        // What extras serve beside the static files (the media extra's local files).
        if let Ok(served) = state.service::<web::ServedFiles>() {
            exempt_prefixes.extend(served.prefixes().iter().cloned());
        }
        exempt_prefixes.retain(|p| !p.is_empty());
        Some(middleware::Limiter {
            state: state.clone(),
            counters: budgets::Counters::new(&allowances, shared),
            identify: self.identify.clone(),
            exempt: Self::paths(state, &["health:healthz", "health:readyz"]),
            exempt_prefixes,
            search: Self::paths(state, &self.searches),
            register: Self::paths(state, &self.registrations),
        })
    }
}

impl App for RateLimits {
    fn label(&self) -> &'static str {
        "ratelimit"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        services.insert(RateLimitSettings::from_settings(settings)?);
        Ok(())
    }

    fn install(&self, app: &mut Installer) {
        let this = self.clone();
        app.middleware(move |state: &AppState| -> Option<Middleware> {
            let limiter = Arc::new(this.limiter(state)?);
            Some(Arc::new(move |request, next| {
                Box::pin(limiter.clone().check(request, next))
            }))
        });
    }

    fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        match RateLimitSettings::from_settings(settings) {
            Err(e) => vec![e.to_string()],
            // A warning only (contract v3): a deployment that passed before still passes.
            Ok(s) if deploy && !s.enabled => vec![format!(
                "{}ratelimit.enabled is off; set APP__RATELIMIT__ENABLED=true so one client can't flood the server",
                web::cli::WARNING
            )],
            Ok(_) => Vec::new(),
        }
    }
}
