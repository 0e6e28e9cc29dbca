//! Property tests of an order's totals over random carts (`orders::totals`): the parts
//! always add up, tax is per line rounded half-to-even, and prices that include tax keep
//! the price tags' sum as the total.

use payments::orders::totals::{compute, div_half_even, tax_of};
use proptest::prelude::*;

/// Up to 50 lines of up to 1,000 units at up to 10,000.00; shipping up to 500.00; a rate
/// up to 100 %.
fn cart() -> impl Strategy<Value = (Vec<i64>, i64, i32)> {
    (
        prop::collection::vec((1i64..=1_000_000, 1i64..=1000), 0..=50),
        0i64..=50_000,
        0i32..=10_000,
    )
        .prop_map(|(lines, shipping, rate)| {
            let totals = lines.iter().map(|(price, qty)| price * qty).collect();
            (totals, shipping, rate)
        })
}

/// The exact tax of `amount` at `rate_bp` as a fraction `numerator / denominator`.
fn exact(amount: i64, rate_bp: i32, included: bool) -> (i128, i128) {
    let (a, r) = (i128::from(amount), i128::from(rate_bp));
    if included {
        (a * r, 10_000 + r)
    } else {
        (a * r, 10_000)
    }
}

proptest! {
    #[test]
    fn the_parts_add_up_to_the_total((lines, shipping, rate) in cart(), included in any::<bool>()) {
        let t = compute(&lines, shipping, rate, included).unwrap();
        prop_assert_eq!(t.total_cents, t.subtotal_cents + t.shipping_cents + t.tax_cents);
        let gross: i64 = lines.iter().sum::<i64>() + shipping;
        if included {
            // The buyer pays what the price tags said.
            prop_assert_eq!(t.total_cents, gross);
            prop_assert!(t.subtotal_cents >= 0 && t.shipping_cents >= 0);
        } else {
            prop_assert_eq!(t.subtotal_cents, lines.iter().sum::<i64>());
            prop_assert_eq!(t.shipping_cents, shipping);
            prop_assert!(t.total_cents >= gross);
        }
        if rate == 0 {
            prop_assert_eq!(t.tax_cents, 0);
        }
    }

    #[test]
    fn tax_is_the_sum_of_each_lines_rounded_tax((lines, shipping, rate) in cart(), included in any::<bool>()) {
        let t = compute(&lines, shipping, rate, included).unwrap();
        let per_line: i64 = lines.iter().chain([&shipping])
            .map(|&a| tax_of(a, rate, included))
            .sum();
        prop_assert_eq!(t.tax_cents, per_line);
        // Each line's tax is within half a cent of the exact value…
        for &amount in lines.iter().chain([&shipping]) {
            let (n, d) = exact(amount, rate, included);
            let diff = (i128::from(tax_of(amount, rate, included)) * d - n).abs();
            prop_assert!(2 * diff <= d, "{} at {} bp", amount, rate);
        }
    }

    #[test]
    fn halves_go_to_the_even_neighbour(q in 0i128..1_000_000_000, d in 1i128..100_000) {
        // Exactly half way above q: q when q is even, q + 1 when odd.
        let n = 2 * q * d + d;
        let got = div_half_even(n, 2 * d);
        prop_assert_eq!(got, if q % 2 == 0 { q } else { q + 1 });
        prop_assert_eq!(got % 2, 0);
        // Off the half, the nearest.
        prop_assert_eq!(div_half_even(2 * q * d + d - 1, 2 * d), q);
        prop_assert_eq!(div_half_even(2 * q * d + d + 1, 2 * d), q + 1);
    }

    #[test]
    fn more_in_the_cart_never_means_less_tax(amount in 0i64..10_000_000, more in 1i64..10_000, rate in 0i32..=10_000, included in any::<bool>()) {
        prop_assert!(tax_of(amount + more, rate, included) >= tax_of(amount, rate, included));
    }
}
