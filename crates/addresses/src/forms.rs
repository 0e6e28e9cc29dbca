//! Address input and its checks, shared by the JSON API (create and change) and the
//! profile's address forms.

use std::collections::HashMap;

use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use web::FieldErrors;
use web::forms::{Validator, explicit, forbidden_characters};

use crate::countries;
use crate::models::address::AddressFields;

/// The body of `POST` (the required fields) and `PATCH` (any of them).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = AddressChange)]
pub struct AddressInput {
    /// Who receives the parcel.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 100)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 200)]
    pub line1: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 200)]
    pub line2: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 100)]
    pub city: Option<Option<String>>,
    /// State, province or county.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 100)]
    pub region: Option<Option<String>>,
    /// Checked for US, CA, GB, DE, FR and NL (and written as those countries do).
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 20)]
    pub postal_code: Option<Option<String>>,
    /// ISO 3166-1 alpha-2 (`DE`).
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, min_length = 2, max_length = 2)]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 40)]
    pub phone: Option<Option<String>>,
}

/// The documented body of `POST`: [`AddressInput`] with its required fields.
pub struct AddressCreate;

impl PartialSchema for AddressCreate {
    fn schema() -> RefOr<Schema> {
        web_openapi::with_required(AddressInput::schema(), &REQUIRED)
    }
}

impl ToSchema for AddressCreate {}

/// The fields a new address must have.
const REQUIRED: [&str; 5] = ["name", "line1", "city", "postal_code", "country"];

/// (field, longest) of each field.
const LENGTHS: [(&str, usize); 8] = [
    ("name", 100),
    ("line1", 200),
    ("line2", 200),
    ("city", 100),
    ("region", 100),
    ("postal_code", 20),
    ("country", 2),
    ("phone", 40),
];

impl AddressInput {
    /// The input of a form, whose fields are all sent.
    pub fn from_form(form: &HashMap<String, String>) -> Self {
        let get = |name: &str| Some(Some(form.get(name).cloned().unwrap_or_default()));
        AddressInput {
            name: get("name"),
            line1: get("line1"),
            line2: get("line2"),
            city: get("city"),
            region: get("region"),
            postal_code: get("postal_code"),
            country: get("country"),
            phone: get("phone"),
        }
    }

    /// The address this input makes of `current` (`None`: a new one, whose required
    /// fields must be given), checked as a whole: a new country re-checks the postal code.
    pub fn validate(self, current: Option<&AddressFields>) -> Result<AddressFields, FieldErrors> {
        let mut v = Validator::new();
        let creating = current.is_none();
        let mut fields = current.cloned().unwrap_or_default();
        let given = [
            ("name", self.name, &mut fields.name),
            ("line1", self.line1, &mut fields.line1),
            ("line2", self.line2, &mut fields.line2),
            ("city", self.city, &mut fields.city),
            ("region", self.region, &mut fields.region),
            ("postal_code", self.postal_code, &mut fields.postal_code),
            ("country", self.country, &mut fields.country),
            ("phone", self.phone, &mut fields.phone),
        ];
        for (field, value, slot) in given {
            let required = REQUIRED.contains(&field);
            match value {
                None if creating && required => v.fail(field, "This field is required."),
                None => {}
                Some(None) if required => v.fail(field, "This field may not be null."),
                Some(None) => slot.clear(),
                Some(Some(text)) => *slot = text.trim().to_string(),
            }
        }
        for (field, max) in LENGTHS {
            let value = field_value(&fields, field);
            if let Some(problem) = forbidden_characters(value, false) {
                v.fail(field, problem);
            } else if REQUIRED.contains(&field) && value.is_empty() && v.is_valid_field(field) {
                v.fail(field, "This field may not be blank.");
            } else if value.chars().count() > max && field != "country" {
                v.fail(
                    field,
                    format!("Ensure this field has at most {max} characters."),
                );
            }
        }
        if !fields.phone.is_empty()
            && !fields
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            v.fail("phone", "Use digits, spaces and + - ( ) only.");
        }
        if v.is_valid_field("country") {
            match countries::country(&fields.country) {
                Some(code) => {
                    fields.country = code;
                    if v.is_valid_field("postal_code") {
                        match countries::postal_code(&fields.country, &fields.postal_code) {
                            Ok(code) => fields.postal_code = code,
                            Err(message) => v.fail("postal_code", message),
                        }
                    }
                }
                None => v.fail(
                    "country",
                    "Enter a country as its two-letter ISO 3166-1 code, like DE or US.",
                ),
            }
        }
        v.finish(fields)
    }
}

fn field_value<'a>(fields: &'a AddressFields, name: &str) -> &'a str {
    match name {
        "name" => &fields.name,
        "line1" => &fields.line1,
        "line2" => &fields.line2,
        "city" => &fields.city,
        "region" => &fields.region,
        "postal_code" => &fields.postal_code,
        "country" => &fields.country,
        _ => &fields.phone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> AddressInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_new_address_needs_its_required_fields() {
        let errors = input(serde_json::json!({})).validate(None).unwrap_err();
        let named: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(named, ["city", "country", "line1", "name", "postal_code"]);
    }

    #[test]
    fn fields_are_trimmed_and_normalised() {
        let fields = input(serde_json::json!({
            "name": " Ada ", "line1": "1 Main St", "city": "Amsterdam",
            "postal_code": "1012ab", "country": "nl"
        }))
        .validate(None)
        .unwrap();
        assert_eq!(
            (
                fields.name.as_str(),
                fields.country.as_str(),
                fields.postal_code.as_str()
            ),
            ("Ada", "NL", "1012 AB")
        );
        assert_eq!((fields.line2.as_str(), fields.phone.as_str()), ("", ""));
    }

    #[test]
    fn a_new_country_rechecks_the_postal_code() {
        let current = AddressFields {
            name: "Ada".into(),
            line1: "1 Main St".into(),
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
            ..AddressFields::default()
        };
        let errors = input(serde_json::json!({"country": "GB"}))
            .validate(Some(&current))
            .unwrap_err();
        assert!(errors.contains_key("postal_code"), "{errors:?}");
        let errors = input(serde_json::json!({"country": "ZZ", "name": null}))
            .validate(Some(&current))
            .unwrap_err();
        assert!(errors.contains_key("country") && errors.contains_key("name"));
        let kept = input(serde_json::json!({"line2": "Flat 2"}))
            .validate(Some(&current))
            .unwrap();
        assert_eq!(
            (kept.line2.as_str(), kept.city.as_str()),
            ("Flat 2", "Berlin")
        );
    }
}
