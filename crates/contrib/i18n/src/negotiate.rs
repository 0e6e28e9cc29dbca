//! Which language a request gets (Django's `LocaleMiddleware`): the `lang` cookie when it
//! names a language of the site, else the best match of `Accept-Language`, else the
//! default.

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// The cookie `POST /i18n/setlang/` sets, and nothing else does (not even login).
pub const COOKIE_NAME: &str = "lang";

/// At most this many languages of an `Accept-Language` header are considered: what a
/// client sends costs bounded work.
const MAX_ACCEPTED: usize = 16;

/// What decided a request's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cookie,
    AcceptLanguage,
    Default,
}

/// The languages the site speaks, and its default.
#[derive(Debug, Clone)]
pub struct Languages {
    pub available: Vec<LanguageIdentifier>,
    pub default: LanguageIdentifier,
}

impl Languages {
    /// The language for a request with this `lang` cookie and `Accept-Language` header.
    pub fn choose(
        &self,
        cookie: Option<&str>,
        accept_language: Option<&str>,
    ) -> (LanguageIdentifier, Source) {
        if let Some(chosen) = cookie.and_then(|code| self.find(code)) {
            return (chosen.clone(), Source::Cookie);
        }
        if let Some(header) = accept_language {
            let requested: Vec<LanguageIdentifier> = accepted(header);
            let matched = negotiate_languages(
                &requested,
                &self.available,
                None,
                NegotiationStrategy::Lookup,
            );
            if let Some(best) = matched.first() {
                return ((*best).clone(), Source::AcceptLanguage);
            }
        }
        (self.default.clone(), Source::Default)
    }

    /// The site's language with this code (`de`, `pt-BR`), if it speaks it.
    pub fn find(&self, code: &str) -> Option<&LanguageIdentifier> {
        let wanted: LanguageIdentifier = code.parse().ok()?;
        self.available.iter().find(|l| **l == wanted)
    }
}

/// The languages of an `Accept-Language` header, most wanted first; `q=0` ("not this
/// one") and malformed entries left out.
fn accepted(header: &str) -> Vec<LanguageIdentifier> {
    let mut weighted: Vec<(f32, usize, LanguageIdentifier)> = header
        .split(',')
        .take(MAX_ACCEPTED)
        .enumerate()
        .filter_map(|(position, entry)| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            if tag == "*" || q.is_nan() || q <= 0.0 {
                return None;
            }
            Some((q, position, tag.parse().ok()?))
        })
        .collect();
    // Highest q first; equal q keep the header's order.
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    weighted.into_iter().map(|(_, _, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Languages {
        Languages {
            available: vec!["en".parse().unwrap(), "de".parse().unwrap()],
            default: "en".parse().unwrap(),
        }
    }

    fn chosen(cookie: Option<&str>, header: Option<&str>) -> (String, Source) {
        let (language, source) = site().choose(cookie, header);
        (language.to_string(), source)
    }

    #[test]
    fn the_cookie_then_the_header_then_the_default() {
        assert_eq!(
            chosen(Some("de"), Some("en")),
            ("de".into(), Source::Cookie)
        );
        assert_eq!(
            chosen(None, Some("de-AT, en;q=0.5")),
            ("de".into(), Source::AcceptLanguage)
        );
        assert_eq!(
            chosen(None, Some("fr, en;q=0.3")),
            ("en".into(), Source::AcceptLanguage)
        );
        assert_eq!(chosen(None, Some("fr")), ("en".into(), Source::Default));
        assert_eq!(chosen(None, None), ("en".into(), Source::Default));
        // A cookie naming no language of the site is ignored.
        assert_eq!(
            chosen(Some("xx"), Some("de")),
            ("de".into(), Source::AcceptLanguage)
        );
        assert_eq!(
            chosen(Some("<script>"), None),
            ("en".into(), Source::Default)
        );
    }

    #[test]
    fn quality_values_order_the_header() {
        assert_eq!(chosen(None, Some("en;q=0.2, de;q=0.9")).0, "de");
        assert_eq!(chosen(None, Some("de;q=0, en")).0, "en");
        assert_eq!(chosen(None, Some("de;q=abc, en;q=0.1")).0, "en");
        assert_eq!(chosen(None, Some("*")).1, Source::Default);
        assert_eq!(chosen(None, Some(",,;;==,")).1, Source::Default);
    }

    #[test]
    fn a_long_header_costs_bounded_work() {
        let header = format!("{}de", "fr, ".repeat(10_000));
        assert_eq!(chosen(None, Some(&header)).1, Source::Default);
    }
}
