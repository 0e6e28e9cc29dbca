//! The admin's zone and method forms, checked.

use web::FieldErrors;
use web::forms::Validator;
use web_modeladmin::{FormData, checkbox, integer, text};

use crate::models::method::{MethodFields, parse_bands};

/// A zone as its form gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFields {
    pub name: String,
    /// Upper-case ISO codes, in the order given, once each.
    pub countries: Vec<String>,
}

/// Checks a zone's form: a name, and one or more countries by ISO code.
pub fn zone_fields(form: &FormData) -> Result<ZoneFields, FieldErrors> {
    let mut v = Validator::new();
    let name = v
        .text("name", Some(text(form, "name")), 100)
        .unwrap_or_default();
    let mut countries: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for code in text(form, "countries")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match addresses::countries::country(code) {
            Some(code) if !countries.contains(&code) => countries.push(code),
            Some(_) => {}
            None => unknown.push(code.chars().take(10).collect()),
        }
    }
    if !unknown.is_empty() {
        v.fail(
            "countries",
            format!("Not ISO 3166-1 alpha-2 codes: {}.", unknown.join(", ")),
        );
    } else if countries.is_empty() {
        v.fail("countries", "Name at least one country (DE, AT, FR).");
    } else if countries.join(",").len() > 1000 {
        v.fail("countries", "At most 333 countries.");
    }
    v.finish(ZoneFields { name, countries })
}

/// Checks a method's form (its zone is checked by the caller).
pub fn method_fields(form: &FormData) -> Result<MethodFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let zone_id = integer(form, "zone_id", &mut errors);
    let price_cents = integer(form, "price_cents", &mut errors);
    let min_days = integer(form, "min_days", &mut errors);
    let max_days = integer(form, "max_days", &mut errors);
    let mut v = Validator::new();
    let name = v
        .text("name", Some(text(form, "name")), 100)
        .unwrap_or_default();
    let currency = text(form, "currency");
    if !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())) {
        v.fail(
            "currency",
            "Must be 3 upper-case letters (ISO 4217), e.g. USD.",
        );
    }
    v.at_least("price_cents", price_cents, 0);
    let weight_bands = match parse_bands(&text(form, "weight_bands")) {
        Ok(bands) => bands,
        Err(e) => {
            v.fail("weight_bands", e.to_string());
            Vec::new()
        }
    };
    let days = |d: Option<i64>| {
        d.and_then(|d| i32::try_from(d).ok())
            .filter(|d| (0..=365).contains(d))
    };
    if min_days.is_some() && days(min_days).is_none() {
        v.fail("min_days", "From 0 to 365 days.");
    }
    if max_days.is_some() && days(max_days).is_none() {
        v.fail("max_days", "From 0 to 365 days.");
    }
    if let (Some(min), Some(max)) = (days(min_days), days(max_days))
        && max < min
    {
        v.fail("max_days", "At least the minimum.");
    }
    let fields = MethodFields {
        zone_id: zone_id.unwrap_or_default(),
        name,
        currency,
        price_cents: price_cents.unwrap_or_default(),
        weight_bands,
        min_days: days(min_days).unwrap_or_default(),
        max_days: days(max_days).unwrap_or_default(),
        is_active: checkbox(form, "is_active"),
    };
    match v.finish(fields) {
        Ok(fields) if errors.is_empty() => Ok(fields),
        Ok(_) => Err(errors),
        Err(more) => {
            for (field, messages) in more {
                errors.entry(field).or_insert(messages);
            }
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn zones_take_known_countries_once() {
        let zone = zone_fields(&form(&[("name", "EU"), ("countries", "de, AT,fr DE")])).unwrap();
        assert_eq!(zone.countries, ["DE", "AT", "FR"]);
        let errors = zone_fields(&form(&[("name", ""), ("countries", "DE, XX")])).unwrap_err();
        assert!(errors.contains_key("name") && errors["countries"][0].contains("XX"));
        assert!(zone_fields(&form(&[("name", "None"), ("countries", " ")])).is_err());
    }

    #[test]
    fn methods_are_checked() {
        let good = [
            ("zone_id", "1"),
            ("name", "Standard"),
            ("currency", "USD"),
            ("price_cents", "590"),
            ("weight_bands", ""),
            ("min_days", "3"),
            ("max_days", "5"),
            ("is_active", "true"),
        ];
        let method = method_fields(&form(&good)).unwrap();
        assert_eq!(
            (method.price_cents, method.max_days, method.is_active),
            (590, 5, true)
        );
        let mut bad = good;
        bad[2] = ("currency", "usd");
        bad[4] = ("weight_bands", "5000:1,1000:2");
        bad[6] = ("max_days", "2");
        let errors = method_fields(&form(&bad)).unwrap_err();
        let named: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(named, ["currency", "max_days", "weight_bands"]);
    }
}
