//! The registry and reversing, without a server.

use http::Method;

use web::urls::*;

async fn ok() -> &'static str {
    "ok"
}

fn catalog() -> Urls {
    Urls::new("catalog")
        .route("/", "product_list", get(ok))
        .route("/{slug}/", "product_detail", get(ok))
        .api("/products", "api_products", get(ok).post(ok))
        .api(
            "/products/{id}",
            "api_product",
            get(ok).patch(ok).delete(ok),
        )
}

#[test]
fn include_mounts_pages_under_prefix_and_api_under_api_prefix() {
    let urls = UrlRegistry::new()
        .include("/catalog", catalog())
        .build()
        .unwrap();
    let paths: Vec<_> = urls.routes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/catalog/",
            "/catalog/{slug}/",
            "/api/catalog/products",
            "/api/catalog/products/{id}"
        ]
    );
    assert_eq!(
        urls.routes[3].methods,
        [Method::GET, Method::PATCH, Method::DELETE]
    );
    assert_eq!(urls.routes[0].name, "catalog:product_list");
}

#[test]
fn root_include_keeps_paths() {
    let m = Urls::new("health")
        .route("/healthz", "healthz", get(ok))
        .api("/orders", "orders", get(ok));
    let urls = UrlRegistry::new().include("", m).build().unwrap();
    assert_eq!(urls.routes[0].path, "/healthz");
    assert_eq!(urls.routes[1].path, "/api/orders");
}

#[test]
fn reverse_fills_and_encodes_params() {
    let urls = UrlRegistry::new()
        .include("/catalog", catalog())
        .build()
        .unwrap();
    let r = &urls.reverser;
    assert_eq!(r.reverse("catalog:product_list", &[]).unwrap(), "/catalog/");
    assert_eq!(
        r.reverse("catalog:api_product", &[("id", &42)]).unwrap(),
        "/api/catalog/products/42"
    );
    assert_eq!(
        r.reverse("catalog:product_detail", &[("slug", &"a b/c")])
            .unwrap(),
        "/catalog/a%20b%2Fc/"
    );
}

#[test]
fn reverse_unknown_name_is_an_error() {
    let urls = UrlRegistry::new()
        .include("/catalog", catalog())
        .build()
        .unwrap();
    let err = urls.reverser.reverse("catalog:nope", &[]).unwrap_err();
    assert_eq!(
        err,
        ReverseError::UnknownName {
            name: "catalog:nope".into()
        }
    );
    assert!(err.to_string().contains("catalog:nope"));
}

#[test]
fn reverse_missing_or_extra_param_is_an_error() {
    let urls = UrlRegistry::new()
        .include("/catalog", catalog())
        .build()
        .unwrap();
    let missing = urls
        .reverser
        .reverse("catalog:product_detail", &[])
        .unwrap_err();
    assert_eq!(
        missing,
        ReverseError::MissingParam {
            name: "catalog:product_detail".into(),
            param: "slug".into()
        }
    );
    let extra = urls
        .reverser
        .reverse("catalog:product_list", &[("page", &2)])
        .unwrap_err();
    assert!(matches!(extra, ReverseError::UnexpectedParam { .. }));
}

#[test]
fn duplicate_names_are_reported_with_both_apps() {
    let other = Urls::new("catalog").route("/x", "product_list", get(ok));
    let err = UrlRegistry::new()
        .include("/catalog", catalog())
        .include("/shop", other)
        .build()
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(matches!(err, UrlError::DuplicateName { .. }));
    assert!(
        text.contains("catalog:product_list")
            && text.contains("/catalog/")
            && text.contains("/shop/x"),
        "{text}"
    );
}

#[test]
fn conflicting_paths_are_reported_with_both_apps() {
    let shop = Urls::new("shop").route("/{id}/", "detail", get(ok));
    let err = UrlRegistry::new()
        .include("/catalog", catalog())
        .include("/catalog", shop)
        .build()
        .err()
        .unwrap();
    match &err {
        UrlError::Conflict { app, other_app, .. } => {
            assert_eq!(app, "shop");
            assert_eq!(other_app, "catalog");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let same = Urls::new("shop").route("/", "list", get(ok));
    let err = UrlRegistry::new()
        .include("/catalog", catalog())
        .include("/catalog", same)
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, UrlError::Conflict { .. }), "{err}");
}

#[test]
fn old_style_params_are_rejected() {
    let bad = Urls::new("x").route("/:id", "detail", get(ok));
    let err = UrlRegistry::new().include("", bad).build().err().unwrap();
    assert!(err.to_string().contains("{param}"), "{err}");
}
