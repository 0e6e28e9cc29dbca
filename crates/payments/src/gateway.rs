//! The payment gateway: a trait a real provider implements, chosen by
//! `payments.gateway`, and the built-in test gateway.
//!
//! The test gateway follows the contract: `4000000000000002` is declined, every other
//! card number that passes the Luhn check (such as `4242424242424242`) is charged. Like a
//! real provider it is idempotent: the same idempotency key gets the same outcome, so a
//! retried request never charges twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rand::RngCore;

/// What to charge.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    pub amount_cents: i64,
    pub currency: String,
    /// Digits only, already Luhn-checked.
    pub card_number: String,
    /// Unique per (user, `Idempotency-Key`): the provider charges at most once per key.
    pub idempotency_key: String,
}

/// The provider's answer to a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeOutcome {
    pub succeeded: bool,
    /// The provider's reference of the charge (needed to refund it).
    pub reference: String,
}

/// The provider could not be reached or failed; nothing is known to be charged.
#[derive(Debug, thiserror::Error)]
#[error("payment gateway error: {0}")]
pub struct GatewayError(pub String);

#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Its name, as `payments.gateway` selects it and as payments record it.
    fn name(&self) -> &'static str;
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError>;
    async fn refund(&self, reference: &str, amount_cents: i64) -> Result<(), GatewayError>;
}

/// The configured gateway, as handlers extract it: `Dep(gateway): Dep<Gateway>`.
pub type Gateway = Arc<dyn PaymentGateway>;

/// The card number the test gateway declines.
pub const DECLINED_CARD: &str = "4000000000000002";

/// The built-in gateway for development and tests.
#[derive(Default)]
pub struct TestGateway {
    /// Outcomes by idempotency key (bounded: forgotten when it grows large).
    seen: Mutex<HashMap<String, ChargeOutcome>>,
}

const REMEMBERED: usize = 100_000;

#[async_trait]
impl PaymentGateway for TestGateway {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(outcome) = seen.get(&request.idempotency_key) {
            return Ok(outcome.clone());
        }
        let mut id = [0u8; 8];
        rand::rng().fill_bytes(&mut id);
        let outcome = ChargeOutcome {
            succeeded: request.card_number != DECLINED_CARD,
            reference: format!("ch_test_{}", hex::encode(id)),
        };
        if seen.len() >= REMEMBERED {
            seen.clear();
        }
        seen.insert(request.idempotency_key.clone(), outcome.clone());
        Ok(outcome)
    }

    async fn refund(&self, _reference: &str, _amount_cents: i64) -> Result<(), GatewayError> {
        Ok(())
    }
}

/// The gateway named `name`. A real provider is added here, behind the same trait.
pub fn by_name(name: &str) -> Option<Gateway> {
    match name {
        "test" => Some(Arc::new(TestGateway::default())),
        _ => None,
    }
}

/// Strips spaces and dashes; `None` unless 12–19 ASCII digits.
pub fn normalize_card(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(|c| *c != ' ' && *c != '-').collect();
    (digits.len() >= 12 && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The Luhn checksum of a card number (digits only).
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid(DECLINED_CARD));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(
            normalize_card("4242 4242-4242 4242").as_deref(),
            Some("4242424242424242")
        );
        assert_eq!(normalize_card("42424242"), None);
        assert_eq!(normalize_card("4242x24242424242"), None);
    }

    #[tokio::test]
    async fn the_test_gateway_declines_one_card_and_is_idempotent() {
        let gw = TestGateway::default();
        let req = |card: &str, key: &str| ChargeRequest {
            amount_cents: 100,
            currency: "USD".into(),
            card_number: card.into(),
            idempotency_key: key.into(),
        };
        let ok = gw.charge(&req("4242424242424242", "a")).await.unwrap();
        assert!(ok.succeeded);
        assert!(!gw.charge(&req(DECLINED_CARD, "b")).await.unwrap().succeeded);
        assert_eq!(
            gw.charge(&req("4242424242424242", "a")).await.unwrap(),
            ok,
            "same key, same charge"
        );
    }
}
