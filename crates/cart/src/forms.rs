//! The cart's inputs: the API's JSON body and the pages' forms.

use payments::orders::MAX_QUANTITY;
use serde::Deserialize;

use crate::errors::CartError;

/// `PUT /api/cart/items/{product_id}`: the line's new quantity; 0 removes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CartQuantity)]
pub struct QuantityInput {
    #[schema(minimum = 0, maximum = 1000, example = 2)]
    pub quantity: i64,
}

impl QuantityInput {
    pub fn validate(&self) -> Result<i32, CartError> {
        i32::try_from(self.quantity)
            .ok()
            .filter(|q| (0..=MAX_QUANTITY).contains(q))
            .ok_or(CartError::BadQuantity)
    }
}

/// The product page's "Add to cart".
#[derive(Debug, Deserialize)]
pub struct AddForm {
    pub product_id: String,
    pub quantity: Option<String>,
}

/// A cart line's quantity box on `/cart/`.
#[derive(Debug, Deserialize)]
pub struct QuantityForm {
    pub quantity: Option<String>,
}

/// A form's quantity (empty means 1): a whole number within `min..=1000`.
pub fn clean_quantity(raw: Option<&str>, min: i32) -> Result<i32, CartError> {
    let raw = raw.map(str::trim).filter(|q| !q.is_empty()).unwrap_or("1");
    raw.parse::<i32>()
        .ok()
        .filter(|q| (min..=MAX_QUANTITY).contains(q))
        .ok_or(CartError::BadQuantity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_numbers_up_to_a_thousand() {
        assert_eq!(clean_quantity(None, 1).unwrap(), 1);
        assert_eq!(clean_quantity(Some(" 7 "), 1).unwrap(), 7);
        assert_eq!(clean_quantity(Some("0"), 0).unwrap(), 0);
        for bad in ["0", "1001", "-1", "1.5", "two"] {
            assert!(clean_quantity(Some(bad), 1).is_err(), "{bad}");
        }
        assert!(QuantityInput { quantity: 1000 }.validate().is_ok());
        assert!(QuantityInput { quantity: 1001 }.validate().is_err());
        assert!(QuantityInput { quantity: i64::MAX }.validate().is_err());
        assert!(QuantityInput { quantity: -1 }.validate().is_err());
    }
}
