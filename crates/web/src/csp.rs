//! Content-Security-Policy of every HTML answer (Django 6.0 ships one too): scripts only
//! from this site or carrying the response's nonce, no plugins, no framing, forms posting
//! here only. `server.csp` replaces the policy; a `{nonce}` in it becomes the nonce.
//!
//! A template that needs an inline script writes `<script nonce="{{ csp_nonce }}">`; the
//! nonce is new for every response (a page that renders it is never cached), and scripts
//! without it don't run.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use http::{HeaderMap, HeaderValue, header};
use rand::RngCore;

/// The built-in policy. Styles may be inline and images `data:` URIs (Swagger UI's icons);
/// scripts may not.
pub const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'self' 'nonce-{nonce}'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/// The request's script nonce, drawn the first time something asks for it (the template
/// or the header). The guard puts one in every request's extensions and sets the header
/// on HTML answers.
#[derive(Debug, Clone, Default)]
pub struct CspNonce(Arc<OnceLock<String>>);

impl CspNonce {
    /// The nonce (128 random bits, base64), drawn on first use.
    pub fn value(&self) -> &str {
        self.0.get_or_init(|| {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            base64::engine::general_purpose::STANDARD.encode(bytes)
        })
    }

    /// Whether a template used the nonce.
    pub fn used(&self) -> bool {
        self.0.get().is_some()
    }

    /// Sets the policy on an HTML answer: `configured` (`server.csp`), or the built-in one.
    pub fn apply(&self, configured: &str, headers: &mut HeaderMap) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html || headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            return;
        }
        let template = if configured.trim().is_empty() {
            DEFAULT_POLICY
        } else {
            configured
        };
        let policy = if template.contains("{nonce}") {
            template.replace("{nonce}", self.value())
        } else {
            template.to_string()
        };
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_gets_the_policy_with_the_nonce_it_rendered() {
        let nonce = CspNonce::default();
        let rendered = nonce.value().to_string();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        nonce.apply("", &mut headers);
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains(&format!("'nonce-{rendered}'")), "{policy}");
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
        let mut json = HeaderMap::new();
        json.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        nonce.apply("", &mut json);
        assert!(!json.contains_key(header::CONTENT_SECURITY_POLICY));
        let mut custom = HeaderMap::new();
        custom.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        CspNonce::default().apply("default-src 'none'", &mut custom);
        assert_eq!(
            custom[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'"
        );
    }
}
