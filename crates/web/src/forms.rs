//! Validating request input field by field, collecting every problem (Django's forms).
//!
//! Fields of an input type are `Option<Option<T>>` with `#[serde(default, deserialize_with
//! = "web::forms::explicit")]`, so a field left out (`None`), a field set to `null`
//! (`Some(None)`) and a value (`Some(Some(v))`) can be told apart: creating requires
//! fields, a partial update (`PATCH`) does not, and neither accepts `null` for a
//! non-nullable field.
//!
//! ```
//! use web::forms::Validator;
//! let mut v = Validator::new();
//! let name = v.required("name", Some(Some("  Ada ".to_string())), true);
//! let name = v.text("name", name, 200);
//! let age = v.required("age", Some(Some(-3i64)), true);
//! if age.is_some_and(|a| a < 0) { v.fail("age", "Must be 0 or more."); }
//! let errors = v.finish(()).unwrap_err();
//! assert_eq!(name.as_deref(), Some("Ada"));
//! assert_eq!(errors["age"], ["Must be 0 or more."]);
//! ```

use serde::{Deserialize, Deserializer};

use crate::error::FieldErrors;

/// Deserializes a field as `Some(None)` for an explicit `null` and `Some(Some(v))` for a
/// value; with `#[serde(default)]`, a missing field is `None`.
pub fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Collects field errors while values are checked one by one.
#[derive(Debug, Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    /// The value of a non-nullable field: `null` is an error, and so is absence when
    /// `required` (creating rather than updating).
    pub fn required<T>(
        &mut self,
        field: &str,
        value: Option<Option<T>>,
        required: bool,
    ) -> Option<T> {
        match value {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.fail(field, "This field may not be null.");
                None
            }
            None => {
                if required {
                    self.fail(field, "This field is required.");
                }
                None
            }
        }
    }

    /// Trims a string and checks it is not blank, at most `max` characters and one line of
    /// plain text ([`forbidden_characters`]).
    pub fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value?.trim().to_string();
        if let Some(problem) = forbidden_characters(&v, false) {
            self.fail(field, problem);
        } else if v.is_empty() {
            self.fail(field, "This field may not be blank.");
        } else if v.chars().count() > max {
            self.fail(
                field,
                format!("Ensure this field has at most {max} characters."),
            );
        }
        Some(v)
    }

    /// Checks free text that may span lines (a description): tabs and line breaks are
    /// fine, other control characters and bidirectional overrides are not, and it fits a
    /// `TEXT` column on every database ([`MAX_TEXT_BYTES`]).
    pub fn multiline(&mut self, field: &str, value: Option<&str>) {
        if let Some(problem) = value.and_then(|v| forbidden_characters(v, true)) {
            self.fail(field, problem);
        } else if value.is_some_and(|v| v.len() > MAX_TEXT_BYTES) {
            self.fail(
                field,
                format!("Ensure this field has at most {MAX_TEXT_BYTES} bytes (UTF-8)."),
            );
        }
    }

    /// Checks `value` is at least `min`.
    pub fn at_least(&mut self, field: &str, value: Option<i64>, min: i64) {
        if value.is_some_and(|v| v < min) {
            self.fail(
                field,
                format!("Must be an integer greater than or equal to {min}."),
            );
        }
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether nothing failed for `field` so far (checks that build on it can run).
    pub fn is_valid_field(&self, field: &str) -> bool {
        !self.errors.contains_key(field)
    }

    /// `Ok(value)` if nothing failed, else every error.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// The most a free-text field takes: what MariaDB/MySQL's `TEXT` holds (the other
/// databases take more), so one rule holds on all three.
pub const MAX_TEXT_BYTES: usize = 65_535;

/// Why `value` can't be stored as text people read, if it can't: control characters
/// (C0, DEL and C1; tab and line breaks allowed when `multiline`), the bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a name display as
/// something other than what it is, and in one-line text (names, SKUs) the invisible
/// characters that make two equal-looking names differ: zero-width space (U+200B),
/// direction marks (U+200E, U+200F, U+061C), the byte-order mark (U+FEFF), line and
/// paragraph separators (U+2028, U+2029) and tag characters (U+E0000–U+E007F).
pub fn forbidden_characters(value: &str, multiline: bool) -> Option<&'static str> {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let invisible = |c: char| {
        matches!(
            c,
            '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{FEFF}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{E0000}'..='\u{E007F}'
        )
    };
    let allowed_control = |c: char| multiline && matches!(c, '\t' | '\n' | '\r');
    if value.chars().any(bidi) {
        return Some(
            "Bidirectional text overrides (U+202A–U+202E, U+2066–U+2069) are not allowed.",
        );
    }
    if !multiline && value.chars().any(invisible) {
        return Some(
            "Invisible characters (zero-width spaces, direction marks, byte-order marks, line separators, tags) are not allowed.",
        );
    }
    if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Some(if multiline {
            "Control characters are not allowed (tabs and line breaks are)."
        } else {
            "Control characters (including tabs and line breaks) are not allowed."
        });
    }
    None
}

/// A form's reference to a row (`product_id=12`): a positive integer, else none (a
/// blank or unreadable value is "not chosen").
pub fn clean_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

/// Parses an HTML form value (always a string) for a typed field; an empty string is
/// "no value". Parse failures are recorded on `v`.
pub fn parse_form_value<T: std::str::FromStr>(
    v: &mut Validator,
    field: &str,
    raw: Option<&String>,
    message: &str,
) -> Option<Option<T>> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return Some(None);
    }
    match raw.parse::<T>() {
        Ok(value) => Some(Some(value)),
        Err(_) => {
            v.fail(field, message);
            None
        }
    }
}

/// Serde helpers for `YYYY-MM-DD` dates.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::FormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn parse(s: &str) -> Option<Date> {
        Date::parse(s.trim(), FORMAT).ok()
    }

    pub fn format(d: &Date) -> String {
        d.format(FORMAT).unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom("expected a date like 2026-01-31"))
    }

    /// For `Option<Date>` fields.
    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_str(&format(d)),
                None => s.serialize_none(),
            }
        }
    }
}

/// Parses an RFC 3339 timestamp (`2026-01-31T12:00:00Z`), converted to UTC.
pub fn parse_datetime(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}
