//! Order and payment input, and its validation.

use serde::Deserialize;
use web::FieldErrors;

use crate::gateway::{luhn_valid, normalize_card};
use crate::orders::{Line, MAX_LINES, MAX_QUANTITY};

fn add(errors: &mut FieldErrors, field: impl Into<String>, message: impl Into<String>) {
    errors.entry(field.into()).or_default().push(message.into());
}

/// `{"items": [{"product_id", "quantity"}, …]}`; the lines are checked one by one so that
/// every problem is named (`items[2].quantity`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = OrderRequest)]
pub struct OrderInput {
    #[schema(required = true, value_type = Vec<LineInput>, min_items = 1, max_items = 50)]
    pub items: Option<Vec<serde_json::Value>>,
}

/// One line of [`OrderInput`], as [`OrderInput::validate`] reads it.
#[derive(utoipa::ToSchema)]
#[schema(as = OrderLineRequest)]
pub struct LineInput {
    #[schema(minimum = 1)]
    pub product_id: i64,
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

impl OrderInput {
    /// 1 to 50 lines, each a positive product id and a quantity from 1 to 1000; every
    /// problem is reported, per line (`items[2].quantity`).
    pub fn validate(self) -> Result<Vec<Line>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let items = self.items.unwrap_or_default();
        if items.is_empty() || items.len() > MAX_LINES {
            add(
                &mut errors,
                "items",
                format!("Must be a list of 1 to {MAX_LINES} lines."),
            );
            return Err(errors);
        }
        let mut lines = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let Some(line) = item.as_object() else {
                add(
                    &mut errors,
                    format!("items[{n}]"),
                    "Must be an object with product_id and quantity.",
                );
                continue;
            };
            let product_id = line
                .get("product_id")
                .and_then(serde_json::Value::as_i64)
                .filter(|id| *id > 0);
            let quantity = line
                .get("quantity")
                .and_then(serde_json::Value::as_i64)
                .filter(|q| (1..=i64::from(MAX_QUANTITY)).contains(q));
            if product_id.is_none() {
                add(
                    &mut errors,
                    format!("items[{n}].product_id"),
                    "Must be a positive integer.",
                );
            }
            if quantity.is_none() {
                add(
                    &mut errors,
                    format!("items[{n}].quantity"),
                    format!("Must be an integer from 1 to {MAX_QUANTITY}."),
                );
            }
            if let (Some(product_id), Some(quantity)) = (product_id, quantity) {
                lines.push(Line {
                    product_id,
                    quantity: quantity as i32,
                });
            }
        }
        if errors.is_empty() {
            Ok(lines)
        } else {
            Err(errors)
        }
    }
}

/// `{"card_number": "…"}`
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PayRequest)]
pub struct PayInput {
    /// 12 to 19 digits (spaces and dashes allowed) passing the Luhn check. The test gateway:
    /// `4242424242424242` succeeds, `4000000000000002` is declined.
    #[schema(required = true, value_type = String, min_length = 1, example = "4242424242424242")]
    pub card_number: Option<String>,
}

/// A card number as the gateway takes it: digits only (spaces and dashes dropped), 12 to
/// 19 of them, passing the Luhn check.
pub fn clean_card(card: Option<&str>) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    match card.map(str::trim).filter(|c| !c.is_empty()) {
        None => add(&mut errors, "card_number", "This field is required."),
        Some(raw) => match normalize_card(raw) {
            None => add(&mut errors, "card_number", "Must be 12 to 19 digits."),
            Some(digits) if !luhn_valid(&digits) => add(
                &mut errors,
                "card_number",
                "Invalid card number (Luhn check failed).",
            ),
            Some(digits) => return Ok(digits),
        },
    }
    Err(errors)
}

/// The `Idempotency-Key` header: required, at most 255 characters.
pub fn clean_idempotency_key(key: Option<&str>) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    match key.map(str::trim) {
        None | Some("") => add(&mut errors, "Idempotency-Key", "This header is required."),
        Some(k) if k.len() > 255 => add(&mut errors, "Idempotency-Key", "At most 255 characters."),
        Some(k) => return Ok(k.to_string()),
    }
    Err(errors)
}

/// The `Idempotency-Key` header's text: a header that is not visible ASCII (HTTP headers
/// carry no other text reliably) gets a message saying so, not "required".
pub fn idempotency_key_header(headers: &http::HeaderMap) -> Result<String, FieldErrors> {
    match headers.get("idempotency-key").map(|v| v.to_str()) {
        Some(Err(_)) => {
            let mut errors = FieldErrors::new();
            add(
                &mut errors,
                "Idempotency-Key",
                "Use visible ASCII characters only (letters, digits, punctuation), e.g. a UUID.",
            );
            Err(errors)
        }
        Some(Ok(key)) => clean_idempotency_key(Some(key)),
        None => clean_idempotency_key(None),
    }
}

/// The Buy form on a product page.
#[derive(Debug, Deserialize)]
pub struct BuyForm {
    pub product_id: String,
    pub quantity: Option<String>,
}

/// The pay form on an order page; the key is made when the form is rendered, so
/// submitting it twice charges once.
#[derive(Debug, Deserialize)]
pub struct PayForm {
    pub card_number: Option<String>,
    pub idempotency_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use utoipa::PartialSchema;

    /// utoipa's attributes take literals only: these tie them to the checked bounds.
    #[test]
    fn the_documented_bounds_are_the_checked_ones() {
        let order = serde_json::to_value(OrderInput::schema()).unwrap();
        assert_eq!(order["properties"]["items"]["maxItems"], MAX_LINES);
        let line = serde_json::to_value(LineInput::schema()).unwrap();
        assert_eq!(line["properties"]["quantity"]["maximum"], MAX_QUANTITY);
    }

    fn lines(v: serde_json::Value) -> Result<Vec<Line>, FieldErrors> {
        serde_json::from_value::<OrderInput>(v).unwrap().validate()
    }

    #[test]
    fn order_lines() {
        assert_eq!(
            lines(json!({"items": [{"product_id": 3, "quantity": 2}]})).unwrap(),
            [Line {
                product_id: 3,
                quantity: 2
            }]
        );
        assert!(
            lines(json!({"items": []}))
                .unwrap_err()
                .contains_key("items")
        );
        assert!(lines(json!({})).unwrap_err().contains_key("items"));
        let many: Vec<_> = (0..51)
            .map(|i| json!({"product_id": i + 1, "quantity": 1}))
            .collect();
        assert!(
            lines(json!({ "items": many }))
                .unwrap_err()
                .contains_key("items")
        );
        let errors = lines(json!({"items": [{"product_id": 0, "quantity": 1001}, "x", {"product_id": 1, "quantity": 1.5}]})).unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [
                "items[0].product_id",
                "items[0].quantity",
                "items[1]",
                "items[2].quantity"
            ]
        );
    }

    #[test]
    fn cards_and_keys() {
        assert_eq!(
            clean_card(Some("4242 4242 4242 4242")).unwrap(),
            "4242424242424242"
        );
        assert!(
            clean_card(Some("4242424242424241")).unwrap_err()["card_number"][0].contains("Luhn")
        );
        assert!(clean_card(None).is_err());
        assert!(clean_card(Some("abc")).is_err());
        assert!(clean_idempotency_key(None).is_err());
        assert!(clean_idempotency_key(Some(&"k".repeat(256))).is_err());
        assert_eq!(clean_idempotency_key(Some(" k-1 ")).unwrap(), "k-1");
    }
}
