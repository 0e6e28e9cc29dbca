//! Reading the request's cookies (writing one is the extra's own business: each sets
//! its own attributes).

use http::HeaderMap;
use http::header::COOKIE;

/// The value of cookie `name` in the request's `Cookie` headers (the first one when a
/// client sends it twice), as sent: `value(headers, "lang")` → `Some("de")`.
pub fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn a_cookie_is_found_among_others_and_headers() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("sessionid=abc; lang=de"));
        headers.append(COOKIE, HeaderValue::from_static("csrftoken=t"));
        assert_eq!(value(&headers, "lang"), Some("de"));
        assert_eq!(value(&headers, "csrftoken"), Some("t"));
        assert_eq!(value(&headers, "language"), None);
        assert_eq!(value(&HeaderMap::new(), "lang"), None);
    }
}
