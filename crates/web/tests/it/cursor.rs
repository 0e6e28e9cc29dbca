//! `web::cursor`, through its public interface.

use web::cursor::*;

#[test]
fn cursors_round_trip_and_refuse_garbage() {
    let at = web::db::now();
    let list = scope("catalog:products", &[("q", "mug")]);
    let raw = encode(&list, Keyset::of(at, 42));
    let back = decode(&raw).unwrap();
    assert_eq!(back.scope, list);
    assert_eq!(back.key, Keyset::of(at, 42));
    assert_ne!(list, scope("catalog:products", &[("q", "mugs")]));
    assert_ne!(list, scope("payments:orders", &[("q", "mug")]));
    for bad in ["", "x", "bm90IGEgY3Vyc29y", &raw[1..], "MS5hYmNkLjEuMg"] {
        assert!(decode(bad).is_none(), "{bad}");
    }
    let older = Keyset::of(at, 42);
    assert!(older.is_before(at, 41));
    assert!(!older.is_before(at, 42));
    assert!(older.is_before(at - time::Duration::seconds(1), 99));
}
