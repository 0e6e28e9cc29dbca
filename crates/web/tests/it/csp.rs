//! `web::csp`, through its public interface.

use http::{HeaderMap, HeaderValue, header};
use web::csp::*;

#[test]
fn html_gets_the_policy_with_the_nonce_it_rendered() {
    let nonce = CspNonce::default();
    let rendered = nonce.value().to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    nonce.apply(
        &CspPolicy::new("", &CspImageSources::default()),
        &mut headers,
    );
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains(&format!("'nonce-{rendered}'")), "{policy}");
    assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
    let mut json = HeaderMap::new();
    json.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    nonce.apply(&CspPolicy::new("", &CspImageSources::default()), &mut json);
    assert!(!json.contains_key(header::CONTENT_SECURITY_POLICY));
    let mut custom = HeaderMap::new();
    custom.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    CspNonce::default().apply(
        &CspPolicy::new("default-src 'none'", &CspImageSources::default()),
        &mut custom,
    );
    assert_eq!(
        custom[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'"
    );
    // A page without inline scripts: scripts from this site only, no nonce drawn.
    let mut plain = HeaderMap::new();
    plain.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    let unused = CspNonce::default();
    unused.apply(&CspPolicy::new("", &CspImageSources::default()), &mut plain);
    let policy = plain[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!unused.used());
}

#[test]
fn extras_widen_the_built_in_img_src_but_not_a_configured_policy() {
    let bucket = CspImageSources(vec!["https://media.example.com".into()]);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    let mut custom = headers.clone();
    CspNonce::default().apply(&CspPolicy::new("", &bucket), &mut headers);
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        policy.contains("img-src 'self' data: https://media.example.com;"),
        "{policy}"
    );
    CspNonce::default().apply(&CspPolicy::new("default-src 'self'", &bucket), &mut custom);
    assert_eq!(
        custom[header::CONTENT_SECURITY_POLICY],
        "default-src 'self'"
    );
}
