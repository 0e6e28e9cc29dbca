//! An order's totals: subtotal, shipping and tax from its lines, its shipping price and
//! the destination's tax rate. Pure arithmetic in minor units, so it is tested on its own
//! (property tests in `tests/it/totals.rs`).
//!
//! Tax is computed per line and for shipping, each rounded half-to-even to the minor unit
//! (banker's rounding: no drift upwards over many lines). With prices that include tax
//! (`payments.prices_include_tax`) the tax is the part of each price that is tax, and the
//! subtotal and shipping are shown without it, so that `total = subtotal + shipping + tax`
//! always holds and equals what the buyer saw on the price tags.

/// Basis points in one whole: 10,000 bp = 100 %.
const WHOLE_BP: i128 = 10_000;

/// What an order adds up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Totals {
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
}

/// An order total past what `i64` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("The order total is too large.")]
pub struct TooLarge;

/// `numerator / denominator` rounded half-to-even (both non-negative, denominator > 0).
pub fn div_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let twice_remainder = 2 * (numerator % denominator);
    if twice_remainder > denominator || (twice_remainder == denominator && quotient % 2 == 1) {
        quotient + 1
    } else {
        quotient
    }
}

/// The tax in `amount_cents` at `rate_bp`: on top of it, or (`included`) the part of it
/// that is tax. Rounded half-to-even.
pub fn tax_of(amount_cents: i64, rate_bp: i32, included: bool) -> i64 {
    let amount = i128::from(amount_cents.max(0));
    let rate = i128::from(rate_bp.max(0));
    let tax = if included {
        div_half_even(amount * rate, WHOLE_BP + rate)
    } else {
        div_half_even(amount * rate, WHOLE_BP)
    };
    // Never more than the amount (included) or the amount times the rate (≤ 100 %).
    i64::try_from(tax).unwrap_or(i64::MAX)
}

/// The totals of lines costing `line_totals` (each price × quantity) and shipping costing
/// `shipping_cents`, taxed at `rate_bp` (0: no tax), with prices that include tax or not.
pub fn compute(
    line_totals: &[i64],
    shipping_cents: i64,
    rate_bp: i32,
    prices_include_tax: bool,
) -> Result<Totals, TooLarge> {
    let mut gross: i64 = 0;
    let mut tax: i64 = 0;
    for &amount in line_totals.iter().chain(std::iter::once(&shipping_cents)) {
        gross = gross.checked_add(amount).ok_or(TooLarge)?;
        tax = tax
            .checked_add(tax_of(amount, rate_bp, prices_include_tax))
            .ok_or(TooLarge)?;
    }
    let lines: i64 = line_totals
        .iter()
        .try_fold(0i64, |sum, &amount| sum.checked_add(amount))
        .ok_or(TooLarge)?;
    if prices_include_tax {
        let shipping_tax = tax_of(shipping_cents, rate_bp, true);
        Ok(Totals {
            subtotal_cents: lines - (tax - shipping_tax),
            shipping_cents: shipping_cents - shipping_tax,
            tax_cents: tax,
            total_cents: gross,
        })
    } else {
        Ok(Totals {
            subtotal_cents: lines,
            shipping_cents,
            tax_cents: tax,
            total_cents: gross.checked_add(tax).ok_or(TooLarge)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_to_even() {
        assert_eq!(div_half_even(5, 2), 2); // 2.5 → 2
        assert_eq!(div_half_even(7, 2), 4); // 3.5 → 4
        assert_eq!(div_half_even(11, 4), 3); // 2.75 → 3
        assert_eq!(div_half_even(9, 4), 2); // 2.25 → 2
        assert_eq!(div_half_even(0, 7), 0);
    }

    #[test]
    fn german_vat_on_top_and_included() {
        // 19 % of 10.50 is 199.5 cents → 200 (the even neighbour).
        assert_eq!(tax_of(1050, 1900, false), 200);
        // 19 % of 2.50 is 47.5 cents → 48; 7 % of 2.50 is 17.5 → 18; 3 % is 7.5 → 8.
        assert_eq!(tax_of(250, 1900, false), 48);
        assert_eq!(tax_of(250, 700, false), 18);
        // 10 % of 0.25 is 2.5 cents → 2 (down to even).
        assert_eq!(tax_of(25, 1000, false), 2);
        // 11.90 including 19 % holds 1.90 of tax.
        assert_eq!(tax_of(1190, 1900, true), 190);
        let totals = compute(&[1190, 2380], 595, 1900, true).unwrap();
        assert_eq!(totals.total_cents, 1190 + 2380 + 595);
        assert_eq!(totals.tax_cents, 190 + 380 + 95);
        assert_eq!(totals.shipping_cents, 500);
        assert_eq!(totals.subtotal_cents, 1000 + 2000);
    }
}
