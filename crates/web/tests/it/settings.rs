//! `web::settings`, through its public interface.

use serde::Deserialize;
use web::settings::*;

static FILES: &[(&str, &str)] = &[
    ("default.toml", EXAMPLE_DEFAULTS),
    (
        "production.toml",
        "debug = false\n[server]\nhsts_seconds = 60\n",
    ),
];

fn load(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::load(&SettingsSource::embedded(FILES).with_env(env.iter().copied()))
}

#[test]
fn environment_file_overrides_defaults() {
    let dev = load(&[]).unwrap();
    assert!(dev.debug);
    assert_eq!(dev.server.hsts_seconds, 0);
    let prod = load(&[("APP_ENV", "production")]).unwrap();
    assert!(!prod.debug);
    assert_eq!(prod.server.hsts_seconds, 60);
    assert_eq!(prod.environment, Environment::Production);
}

#[test]
fn environment_variables_override_files() {
    let s = load(&[
        ("APP__SERVER__PORT", "9001"),
        (
            "APP__SERVER__ALLOWED_HOSTS",
            "shop.example.com, .example.org",
        ),
        ("APP__DEBUG", "false"),
        ("APP__SECRET_KEY", "12345"),
    ])
    .unwrap();
    assert_eq!(s.server.port, 9001);
    assert_eq!(
        s.server.allowed_hosts,
        vec!["shop.example.com", ".example.org"]
    );
    assert!(!s.debug);
    assert_eq!(s.secret_key.expose(), "12345");
}

#[test]
fn malformed_value_names_the_key() {
    let err = load(&[("APP__SERVER__PORT", "eighty")]).unwrap_err();
    assert_eq!(err.key, "server.port");
    assert!(err.to_string().contains("APP__SERVER__PORT"), "{err}");
}

#[test]
fn unknown_key_names_the_key() {
    let err = load(&[("APP__SERVER__PROT", "1")]).unwrap_err();
    assert_eq!(err.key, "server.prot");
}

#[test]
fn missing_key_names_the_key() {
    static PARTIAL: &[(&str, &str)] = &[("default.toml", "debug = true\nsecret_key = \"x\"\n")];
    let err =
        Settings::load(&SettingsSource::embedded(PARTIAL).with_env([("X", "1")])).unwrap_err();
    assert!(err.message.contains("missing"), "{err:?}");
    assert!(!err.key.is_empty(), "{err:?}");
}

#[test]
fn public_url_must_be_a_bare_site_address() {
    let ok = load(&[("APP__SERVER__PUBLIC_URL", "https://shop.example.com/")]).unwrap();
    assert_eq!(
        parse_public_url(&ok.server.public_url),
        Ok(Some("https://shop.example.com".to_string()))
    );
    for bad in [
        "shop.example.com",
        "ftp://shop.example.com",
        "https://shop.example.com/store",
        "https://shop.example.com?x=1",
        "https://user@shop.example.com",
    ] {
        let err = load(&[("APP__SERVER__PUBLIC_URL", bad)]).unwrap_err();
        assert_eq!(err.key, "server.public_url", "{bad}");
    }
}

#[test]
fn unknown_environment_is_an_error() {
    let err = load(&[("APP_ENV", "staging")]).unwrap_err();
    assert_eq!(err.key, "APP_ENV");
}

#[test]
fn app_sections_are_typed_by_the_app() {
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Payments {
        webhook_secret: String,
        #[serde(default)]
        #[allow(dead_code)]
        retries: u32,
    }
    let s = load(&[("APP__PAYMENTS__WEBHOOK_SECRET", "whsec")]).unwrap();
    let p: Payments = s.app_section("payments").unwrap();
    assert_eq!(p.webhook_secret, "whsec");
    // `cache`, `email` and `sessions` are the extras' sections (in the example defaults).
    let extras = ["cache", "email", "sessions"];
    let installed = ["cache", "email", "payments", "sessions"];
    assert_eq!(s.unknown_sections(&installed), Vec::<&str>::new());
    assert_eq!(s.unknown_sections(&extras), vec!["payments"]);
    let bad = load(&[
        ("APP__PAYMENTS__WEBHOOK_SECRET", "x"),
        ("APP__PAYMENTS__RETRIES", "-1"),
    ])
    .unwrap();
    let err = bad.app_section::<Payments>("payments").unwrap_err();
    assert_eq!(err.key, "payments.retries");
}

#[test]
fn replicas_are_a_list_of_the_primarys_kind() {
    let none = load(&[]).unwrap();
    assert!(none.database.replica_urls.is_empty());
    assert_eq!(none.database.replica_max_lag_seconds, 5);
    let two = load(&[
        ("APP__DATABASE__URL", "mysql://app:pw@db1/shop"),
        (
            "APP__DATABASE__REPLICA_URLS",
            "mysql://app:pw@db2/shop, mysql://app:pw@db3/shop",
        ),
        ("APP__DATABASE__REPLICA_MAX_LAG_SECONDS", "2"),
    ])
    .unwrap();
    let urls: Vec<&str> = two
        .database
        .replica_urls
        .iter()
        .map(|u| u.expose())
        .collect();
    assert_eq!(urls, ["mysql://app:pw@db2/shop", "mysql://app:pw@db3/shop"]);
    assert_eq!(two.database.replica_max_lag_seconds, 2);
    assert!(
        !format!("{:?}", two.database).contains("pw@db2"),
        "replica URLs hold passwords: never printed"
    );
    for (primary, replica) in [
        ("mysql://db1/shop", "postgres://db2/shop"),
        ("sqlite://db.sqlite3?mode=rwc", "sqlite://copy.sqlite3"),
        ("mysql://db1/shop", "http://db2/shop"),
    ] {
        let err = load(&[
            ("APP__DATABASE__URL", primary),
            ("APP__DATABASE__REPLICA_URLS", replica),
        ])
        .unwrap_err();
        assert_eq!(err.key, "database.replica_urls", "{replica}: {err}");
    }
    let err = load(&[("APP__DATABASE__REPLICA_MAX_LAG_SECONDS", "0")]).unwrap_err();
    assert_eq!(err.key, "database.replica_max_lag_seconds");
}

#[test]
fn replicas_without_an_app_that_routes_to_them_are_refused() {
    let settings = load(&[
        ("APP__DATABASE__URL", "mysql://db1/shop"),
        ("APP__DATABASE__REPLICA_URLS", "mysql://db2/shop"),
    ])
    .unwrap();
    let Err(err) = crate::project().configure(&settings) else {
        panic!("configured replicas nobody routes to");
    };
    assert_eq!(err.key, "database.replica_urls");
    assert!(err.to_string().contains("web_replicas::Replicas"), "{err}");
}
