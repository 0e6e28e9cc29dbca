//! Order and payment input, and its validation.

use serde::Deserialize;
use web::FieldErrors;
use web::forms::Validator;

use crate::gateway::{luhn_valid, normalize_card};
use crate::orders::fulfillment::Tracking;
use crate::orders::{Line, MAX_LINES, MAX_QUANTITY, ShippingRequest};

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
    /// One of your addresses (`GET /api/addresses`); optional here, with
    /// `shipping_method_id`.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub shipping_address_id: Option<serde_json::Value>,
    /// A method serving that address (`GET /api/shipping/methods`).
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub shipping_method_id: Option<serde_json::Value>,
}

/// `{"shipping_address_id", "shipping_method_id"}`: where an order ships, chosen at
/// checkout or later for a pending order (`PATCH /api/orders/{id}`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShippingChoiceRequest)]
pub struct ShippingInput {
    #[schema(value_type = i64, minimum = 1)]
    pub shipping_address_id: Option<serde_json::Value>,
    #[schema(value_type = i64, minimum = 1)]
    pub shipping_method_id: Option<serde_json::Value>,
}

impl ShippingInput {
    /// Each given field a positive integer (a missing one is for the order to judge).
    pub fn validate(self) -> Result<ShippingRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut id = |field: &str, value: Option<serde_json::Value>| match value {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => {
                let id = v.as_i64().filter(|id| *id > 0);
                if id.is_none() {
                    add(&mut errors, field, "Must be a positive integer.");
                }
                id
            }
        };
        let request = ShippingRequest {
            address_id: id("shipping_address_id", self.shipping_address_id),
            method_id: id("shipping_method_id", self.shipping_method_id),
        };
        if errors.is_empty() {
            Ok(request)
        } else {
            Err(errors)
        }
    }
}

/// `{"carrier", "tracking_number"}` of `POST /api/orders/{id}/ship`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShipRequest)]
pub struct ShipInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 100, example = "DHL")]
    pub carrier: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 100, example = "JD014600006281230704")]
    pub tracking_number: Option<String>,
}

impl ShipInput {
    /// Both required: 1 to 100 characters of one line of plain text.
    pub fn validate(self) -> Result<Tracking, FieldErrors> {
        let mut v = Validator::new();
        let mut text = |field: &str, value: Option<String>| {
            let value = v.required(field, value.map(Some), true);
            v.text(field, value, 100).unwrap_or_default()
        };
        let tracking = Tracking {
            carrier: text("carrier", self.carrier),
            tracking_number: text("tracking_number", self.tracking_number),
        };
        v.finish(tracking)
    }
}

/// A tax rate from the admin's form: an ISO country code (upper-cased) and a rate in
/// basis points from 0 to 10,000.
pub fn tax_rate_fields(country: &str, rate_bp: &str) -> Result<(String, i32), FieldErrors> {
    use crate::models::tax_rate::MAX_RATE_BP;
    let mut v = Validator::new();
    let code = country.trim().to_ascii_uppercase();
    if celes::Country::from_alpha2(&code).is_err() {
        v.fail(
            "country",
            "Enter a country as its two-letter ISO 3166-1 code, like DE or US.",
        );
    }
    let rate = rate_bp
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|r| (0..=MAX_RATE_BP).contains(r));
    if rate.is_none() {
        v.fail(
            "rate_bp",
            format!("Enter basis points from 0 to {MAX_RATE_BP} (1900 is 19 %)."),
        );
    }
    v.finish((code, rate.unwrap_or_default()))
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
    /// 1 to 50 lines, each a positive product id and a quantity from 1 to 1000, and the
    /// optional shipping choice; every problem is reported, per line
    /// (`items[2].quantity`).
    pub fn validate(self) -> Result<(Vec<Line>, ShippingRequest), FieldErrors> {
        let shipping = ShippingInput {
            shipping_address_id: self.shipping_address_id,
            shipping_method_id: self.shipping_method_id,
        }
        .validate();
        match (lines_of(self.items), shipping) {
            (Ok(lines), Ok(shipping)) => Ok((lines, shipping)),
            (Err(mut errors), Err(more)) => {
                errors.extend(more);
                Err(errors)
            }
            (Err(errors), _) | (_, Err(errors)) => Err(errors),
        }
    }
}

/// The checked lines of an order's `items`.
fn lines_of(items: Option<Vec<serde_json::Value>>) -> Result<Vec<Line>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let items = items.unwrap_or_default();
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

/// The shipping choice of a page form: the cart's checkout, an order page's "Ship to".
#[derive(Debug, Default, Deserialize)]
pub struct ShippingForm {
    pub shipping_address_id: Option<String>,
    pub shipping_method_id: Option<String>,
}

impl ShippingForm {
    /// The chosen ids; a blank or unreadable one counts as not chosen (and the order
    /// names what to choose).
    pub fn shipping(&self) -> ShippingRequest {
        let id = |raw: &Option<String>| raw.as_deref().and_then(web::forms::clean_id);
        ShippingRequest {
            address_id: id(&self.shipping_address_id),
            method_id: id(&self.shipping_method_id),
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
        serde_json::from_value::<OrderInput>(v)
            .unwrap()
            .validate()
            .map(|(lines, _)| lines)
    }

    #[test]
    fn shipping_fields_are_positive_ids_and_optional() {
        let order = |v| serde_json::from_value::<OrderInput>(v).unwrap().validate();
        let (_, shipping) = order(json!({"items": [{"product_id": 1, "quantity": 1}],
            "shipping_address_id": 4, "shipping_method_id": 2}))
        .unwrap();
        assert_eq!(
            shipping,
            ShippingRequest {
                address_id: Some(4),
                method_id: Some(2)
            }
        );
        let (_, none) = order(json!({"items": [{"product_id": 1, "quantity": 1}]})).unwrap();
        assert_eq!(none, ShippingRequest::default());
        let errors = order(json!({"items": [], "shipping_method_id": "x"})).unwrap_err();
        assert!(errors.contains_key("items") && errors.contains_key("shipping_method_id"));
    }

    #[test]
    fn ship_needs_a_carrier_and_a_tracking_number() {
        let errors = ShipInput::default().validate().unwrap_err();
        assert!(errors.contains_key("carrier") && errors.contains_key("tracking_number"));
        let too_long = ShipInput {
            carrier: Some("DHL".into()),
            tracking_number: Some("9".repeat(101)),
        };
        assert!(
            too_long
                .validate()
                .unwrap_err()
                .contains_key("tracking_number")
        );
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
