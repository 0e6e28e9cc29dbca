//! Content-Security-Policy of every HTML answer (Django 6.0 ships one too): scripts only
//! from this site or carrying the response's nonce, no plugins, no framing, forms posting
//! here only. `server.csp` replaces the policy; a `{nonce}` in it becomes the nonce.
//!
//! A template that needs an inline script writes `<script nonce="{{ csp_nonce }}">`; the
//! nonce is new for every response that renders it (such a page is never cached), and
//! scripts without it don't run.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use http::{HeaderMap, HeaderValue, header};
use rand::RngCore;

/// The built-in policy. Styles may be inline and images `data:` URIs (Swagger UI's icons);
/// scripts may not.
pub const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'self' 'nonce-{nonce}'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/// The request's script nonce, drawn the first time a template asks for it. The guard puts
/// one in every request's extensions and sets the header on HTML answers.
#[derive(Debug, Clone, Default)]
pub struct CspNonce(Arc<OnceLock<String>>);

impl CspNonce {
    /// The nonce (128 random bits, base64), drawn on first use.
    pub fn value(&self) -> &str {
        self.0.get_or_init(|| {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            // URL-safe letters: nothing in it is escaped in HTML, and CSP allows `-` and `_`.
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        })
    }

    /// Whether the nonce was drawn (a template rendered it).
    pub fn used(&self) -> bool {
        self.0.get().is_some()
    }

    /// Sets `policy` on an HTML answer, with this response's nonce if a template drew it.
    pub fn apply(&self, policy: &CspPolicy, headers: &mut HeaderMap) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html || headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            return;
        }
        let value = match (&policy.without_nonce, self.used()) {
            (Some(fixed), false) => Some(fixed.clone()),
            _ => match &policy.around_nonce {
                Some((before, after)) => {
                    HeaderValue::from_str(&format!("{before}{}{after}", self.value())).ok()
                }
                None => policy.without_nonce.clone(),
            },
        };
        if let Some(value) = value {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The policy, prepared once at startup: a page that rendered no nonce gets a fixed header
/// (the built-in policy then allows scripts from this site only), one that did gets the
/// nonce put in place.
#[derive(Debug, Clone)]
pub struct CspPolicy {
    without_nonce: Option<HeaderValue>,
    around_nonce: Option<(String, String)>,
}

/// Origins pages may show images from besides this site (the media extra's bucket), added
/// to the built-in policy's `img-src`; a policy set in `server.csp` lists its own.
#[derive(Debug, Clone, Default)]
pub struct CspImageSources(pub Vec<String>);

impl CspPolicy {
    /// From `server.csp` (empty: [`DEFAULT_POLICY`], its `img-src` widened by `images`).
    pub fn new(configured: &str, images: &CspImageSources) -> CspPolicy {
        let built_in;
        let template = if configured.trim().is_empty() {
            built_in = images
                .0
                .iter()
                .fold(DEFAULT_POLICY.to_string(), |policy, origin| {
                    policy.replacen(
                        "img-src 'self' data:",
                        &format!("img-src 'self' data: {origin}"),
                        1,
                    )
                });
            built_in.as_str()
        } else {
            configured.trim()
        };
        let around_nonce = template
            .split_once("{nonce}")
            .map(|(before, after)| (before.to_string(), after.to_string()));
        let without_nonce = if around_nonce.is_none() {
            HeaderValue::from_str(template).ok()
        } else if template.contains(" 'nonce-{nonce}'") {
            HeaderValue::from_str(&template.replace(" 'nonce-{nonce}'", "")).ok()
        } else {
            None
        };
        CspPolicy {
            without_nonce,
            around_nonce,
        }
    }
}
