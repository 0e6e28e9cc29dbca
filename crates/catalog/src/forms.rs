//! Product input and its validation, shared by the staff API's create and update.

use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use web::FieldErrors;
use web::forms::{Validator, explicit};

use crate::models::image::{ImageChanges, MAX_ALT_CHARS};
use crate::models::product::{NewProduct, ProductChanges};

const MAX_SKU: usize = 64;
const MAX_NAME: usize = 200;
/// The heaviest parcel a product makes: a tonne.
const MAX_WEIGHT_GRAMS: i64 = 1_000_000;

/// The body of `POST` (all fields) and `PATCH` (any subset) on products. Text is trimmed;
/// `null` is refused like a wrong type.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = ProductChange)]
pub struct ProductInput {
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, min_length = 1, max_length = 64, example = "MUG-01")]
    pub sku: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "Enamel mug")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String)]
    pub description: Option<Option<String>>,
    /// Minor units (cents).
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = i64, minimum = 0, example = 1250)]
    pub price_cents: Option<Option<i64>>,
    /// ISO 4217; `USD` when left out on create.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = i64, minimum = 0, maximum = 2147483647)]
    pub stock: Option<Option<i64>>,
    /// `true` when left out on create.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = bool)]
    pub is_active: Option<Option<bool>>,
    /// Packed weight in grams, for shipping rates; `0` when left out on create.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = i64, minimum = 0, maximum = 1000000)]
    pub weight_grams: Option<Option<i64>>,
    /// `false` for digital goods (no address or shipping); `true` when left out on create.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = bool)]
    pub requires_shipping: Option<Option<bool>>,
}

/// The documented body of `POST`: [`ProductInput`] with the fields a new product needs.
pub struct ProductCreate;

impl PartialSchema for ProductCreate {
    fn schema() -> RefOr<Schema> {
        web_openapi::with_required(
            ProductInput::schema(),
            &["sku", "name", "price_cents", "stock"],
        )
    }
}

impl ToSchema for ProductCreate {}

impl ProductInput {
    fn check(self, creating: bool) -> (Validator, ProductChanges) {
        let mut c = Validator::new();
        let sku = c.required("sku", self.sku, creating);
        let sku = c.text("sku", sku, MAX_SKU);
        let name = c.required("name", self.name, creating);
        let name = c.text("name", name, MAX_NAME);
        let description = c.required("description", self.description, false);
        c.multiline("description", description.as_deref());
        let price_cents = c.required("price_cents", self.price_cents, creating);
        c.at_least("price_cents", price_cents, 0);
        let currency = c.required("currency", self.currency, false);
        if let Some(cur) = &currency
            && !(cur.len() == 3 && cur.bytes().all(|b| b.is_ascii_uppercase()))
        {
            c.fail(
                "currency",
                "Must be 3 upper-case letters (ISO 4217), e.g. USD.",
            );
        }
        let stock = c.required("stock", self.stock, creating);
        if let Some(s) = stock
            && !(0..=i64::from(i32::MAX)).contains(&s)
        {
            c.fail("stock", "Must be an integer from 0 to 2147483647.");
        }
        let is_active = c.required("is_active", self.is_active, false);
        let weight_grams = c.required("weight_grams", self.weight_grams, false);
        if let Some(w) = weight_grams
            && !(0..=MAX_WEIGHT_GRAMS).contains(&w)
        {
            c.fail(
                "weight_grams",
                format!("Must be an integer from 0 to {MAX_WEIGHT_GRAMS}."),
            );
        }
        let requires_shipping = c.required("requires_shipping", self.requires_shipping, false);
        let changes = ProductChanges {
            sku,
            name,
            description,
            price_cents,
            currency,
            stock: stock.and_then(|s| i32::try_from(s).ok()),
            is_active,
            weight_grams: weight_grams.and_then(|w| i32::try_from(w).ok()),
            requires_shipping,
            datasheet: None,
        };
        (c, changes)
    }

    /// Validates a full product (`POST`).
    pub fn into_new(self) -> Result<NewProduct, FieldErrors> {
        let (check, c) = self.check(true);
        check.finish(())?;
        Ok(NewProduct {
            sku: c.sku.unwrap_or_default(),
            name: c.name.unwrap_or_default(),
            description: c.description.unwrap_or_default(),
            price_cents: c.price_cents.unwrap_or_default(),
            currency: c.currency.unwrap_or_else(|| "USD".into()),
            stock: c.stock.unwrap_or_default(),
            is_active: c.is_active.unwrap_or(true),
            weight_grams: c.weight_grams.unwrap_or(0),
            requires_shipping: c.requires_shipping.unwrap_or(true),
            datasheet: None,
        })
    }

    /// Validates a partial update (`PATCH`).
    pub fn into_changes(self) -> Result<ProductChanges, FieldErrors> {
        let (check, changes) = self.check(false);
        check.finish(changes)
    }
}

/// Checks an image's `alt` text: one line of at most 200 characters (trimmed; may be empty).
fn check_alt(c: &mut Validator, alt: &str) -> String {
    let alt = alt.trim();
    if alt.chars().count() > MAX_ALT_CHARS {
        c.fail("alt", format!("At most {MAX_ALT_CHARS} characters."));
    } else if let Some(problem) = web::forms::forbidden_characters(alt, false) {
        c.fail("alt", problem);
    }
    alt.to_owned()
}

/// The `alt` field of an upload.
pub fn upload_alt(alt: Option<&str>) -> Result<String, FieldErrors> {
    let mut c = Validator::new();
    let alt = check_alt(&mut c, alt.unwrap_or_default());
    c.finish(alt)
}

/// The body of `PATCH …/images/{image_id}`: any of the two.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = ProductImageChange)]
pub struct ImageInput {
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = String, max_length = 200)]
    pub alt: Option<Option<String>>,
    /// 0 first; the other images move to make room.
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = i32, minimum = 0)]
    pub position: Option<Option<i64>>,
}

impl ImageInput {
    pub fn into_changes(self) -> Result<ImageChanges, FieldErrors> {
        let mut c = Validator::new();
        let alt = c.required("alt", self.alt, false);
        let alt = alt.map(|alt| check_alt(&mut c, &alt));
        let position = c.required("position", self.position, false);
        if let Some(p) = position
            && !(0..=i64::from(i32::MAX)).contains(&p)
        {
            c.fail("position", "Must be an integer from 0 to 2147483647.");
        }
        c.finish(ImageChanges {
            alt,
            position: position.and_then(|p| i32::try_from(p).ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa's attributes take literals only: these tie them to the checked bounds.
    #[test]
    fn the_documented_bounds_are_the_checked_ones() {
        let schema = serde_json::to_value(ProductInput::schema()).unwrap();
        let fields = &schema["properties"];
        assert_eq!(fields["sku"]["maxLength"], MAX_SKU);
        assert_eq!(fields["name"]["maxLength"], MAX_NAME);
        assert_eq!(fields["stock"]["maximum"], i32::MAX);
        let create = serde_json::to_value(ProductCreate::schema()).unwrap();
        assert_eq!(
            create["required"],
            serde_json::json!(["sku", "name", "price_cents", "stock"])
        );
    }

    fn input(json: serde_json::Value) -> ProductInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn creation_needs_the_required_fields() {
        let errors = input(serde_json::json!({})).into_new().unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["name", "price_cents", "sku", "stock"]
        );
    }

    #[test]
    fn negative_money_and_stock_and_bad_currency_are_refused() {
        let errors = input(serde_json::json!({"sku": " ", "name": "x", "price_cents": -1, "stock": -2, "currency": "usd"})).into_new().unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["currency", "price_cents", "sku", "stock"]
        );
    }

    #[test]
    fn patch_refuses_null_but_accepts_absence() {
        assert!(
            input(serde_json::json!({"stock": 3}))
                .into_changes()
                .is_ok()
        );
        let errors = input(serde_json::json!({"name": null}))
            .into_changes()
            .unwrap_err();
        assert_eq!(errors["name"], ["This field may not be null."]);
    }

    #[test]
    fn defaults_apply_on_creation() {
        let p =
            input(serde_json::json!({"sku": "A-1", "name": " Mug ", "price_cents": 0, "stock": 0}))
                .into_new()
                .unwrap();
        assert_eq!(
            (
                p.currency.as_str(),
                p.is_active,
                p.name.as_str(),
                p.description.as_str()
            ),
            ("USD", true, "Mug", "")
        );
    }
}
