//! Countries (ISO 3166-1 alpha-2, from the `celes` crate) and the postal-code formats
//! checked for the countries the shop ships to most.

use std::sync::LazyLock;

use regex::Regex;

/// `code` upper-cased, if it is an ISO 3166-1 alpha-2 country (`de` → `DE`).
pub fn country(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    (code.len() == 2 && celes::Country::from_alpha2(&code).is_ok()).then_some(code)
}

/// The country's name in English (`DE` → `Germany`), for pages.
pub fn name(code: &str) -> Option<String> {
    celes::Country::from_alpha2(code)
        .ok()
        .map(|c| c.long_name.to_string())
}

/// Every country as (code, English name), by name, for the form's choices (sorted once).
pub fn all() -> &'static [(String, String)] {
    static ALL: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
        let mut all: Vec<(String, String)> = celes::Country::get_countries()
            .iter()
            .map(|c| (c.alpha2.to_string(), c.long_name.to_string()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        all
    });
    &ALL
}

/// The postal-code format of countries whose codes are checked; `None`: any code is
/// taken as written.
fn pattern(country: &str) -> Option<&'static Regex> {
    static PATTERNS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
        [
            ("US", r"^\d{5}(-\d{4})?$"),
            (
                "CA",
                r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$",
            ),
            ("GB", r"^([A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|GIR 0AA)$"),
            ("DE", r"^\d{5}$"),
            ("FR", r"^\d{5}$"),
            ("NL", r"^[1-9]\d{3} [A-Z]{2}$"),
        ]
        .into_iter()
        .map(|(country, re)| (country, Regex::new(re).expect("valid postal-code pattern")))
        .collect()
    });
    PATTERNS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, re)| re)
}

/// An example of the country's postal code, for the error message.
fn example(country: &str) -> &'static str {
    match country {
        "US" => "12345 or 12345-6789",
        "CA" => "K1A 0B1",
        "GB" => "SW1A 1AA",
        "NL" => "1234 AB",
        _ => "12345",
    }
}

/// `raw` as the country writes its postal codes (upper case; the space of CA, GB and NL
/// codes put in when left out), or why it is not one.
pub fn postal_code(country: &str, raw: &str) -> Result<String, String> {
    let mut code: String = raw.trim().to_ascii_uppercase();
    let Some(pattern) = pattern(country) else {
        return Ok(code);
    };
    // `SW1A1AA` → `SW1A 1AA`: the last three characters are the inward part.
    if matches!(country, "CA" | "GB") && !code.contains(' ') && code.len() > 3 {
        code.insert(code.len() - 3, ' ');
    }
    if country == "NL" && !code.contains(' ') && code.len() == 6 {
        code.insert(4, ' ');
    }
    if pattern.is_match(&code) {
        Ok(code)
    } else {
        Err(format!(
            "Enter a valid postal code for this country (like {}).",
            example(country)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_iso_alpha_2() {
        assert_eq!(country("de").as_deref(), Some("DE"));
        assert_eq!(country(" US ").as_deref(), Some("US"));
        assert_eq!(country("XX"), None);
        assert_eq!(country("DEU"), None);
        assert_eq!(country(""), None);
        assert_eq!(
            name("NL").as_deref().map(|n| n.contains("Netherlands")),
            Some(true)
        );
        assert!(all().len() > 240);
    }

    #[test]
    fn postal_codes_follow_their_country() {
        for (country, good, shown) in [
            ("US", "94105", "94105"),
            ("US", "94105-1234", "94105-1234"),
            ("CA", "k1a0b1", "K1A 0B1"),
            ("GB", "sw1a 1aa", "SW1A 1AA"),
            ("GB", "M11AE", "M1 1AE"),
            ("DE", "10115", "10115"),
            ("FR", "75008", "75008"),
            ("NL", "1012ab", "1012 AB"),
            ("JP", "100-0001", "100-0001"),
        ] {
            assert_eq!(
                postal_code(country, good).as_deref(),
                Ok(shown),
                "{country} {good}"
            );
        }
        for (country, bad) in [
            ("US", "9410"),
            ("US", "ABCDE"),
            ("CA", "D1A 0B1"),
            ("GB", "12345"),
            ("DE", "1011"),
            ("FR", "7500A"),
            ("NL", "0123 AB"),
        ] {
            assert!(postal_code(country, bad).is_err(), "{country} {bad}");
        }
    }
}
