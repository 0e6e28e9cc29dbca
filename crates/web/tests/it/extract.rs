//! `web::extract`, through its public interface.

use http::StatusCode;
use web::extract::*;

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Body {
    email: String,
    age: i64,
}

#[test]
fn json_errors_follow_the_contract() {
    assert_eq!(
        parse_json::<Body>(b"{").unwrap_err().status(),
        StatusCode::BAD_REQUEST
    );
    let not_object = parse_json::<Body>(b"[]").unwrap_err();
    assert_eq!(not_object.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing = parse_json::<Body>(br#"{"age": 1}"#).unwrap_err();
    assert_eq!(
        missing.fields().unwrap()["email"],
        ["This field is required."]
    );
    let wrong = parse_json::<Body>(br#"{"email": "a", "age": "x"}"#).unwrap_err();
    assert!(wrong.fields().unwrap().contains_key("age"));
}

#[test]
fn null_characters_are_refused_naming_the_field() {
    let err = parse_json::<serde_json::Value>(br#"{"items": [{"name": "a\u0000b"}]}"#).unwrap_err();
    assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.fields().unwrap()["items[0].name"], [NULL_CHARACTER]);
    let key = parse_json::<serde_json::Value>(br#"{"a\u0000": 1}"#).unwrap_err();
    assert!(key.fields().unwrap().contains_key("a"));
    assert!(parse_json::<serde_json::Value>(br#"{"name": "a\\u0000"}"#).is_ok());
    let twice =
        parse_json::<serde_json::Value>(br#"{"quantity": 1, "quantity": 999}"#).unwrap_err();
    assert_eq!(twice.code(), "invalid_json");
    let nested = parse_json::<serde_json::Value>(br#"{"items": [{"a": 1, "a": 2}]}"#).unwrap_err();
    assert_eq!(nested.code(), "invalid_json");
    let fine = parse_json::<serde_json::Value>(br#"{"a": [1, 2.5, -3, true, null, "x"]}"#);
    assert_eq!(
        fine.unwrap(),
        serde_json::json!({"a": [1, 2.5, -3, true, null, "x"]})
    );
}

#[test]
fn pagination_bounds() {
    assert_eq!(
        Pagination::from_query(None).unwrap(),
        Pagination::page(1, 20)
    );
    assert_eq!(
        Pagination::from_query(Some("page=3&per_page=100"))
            .unwrap()
            .offset(),
        200
    );
    for bad in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=-1",
        "page=x",
        "page=9223372036854775807",
        "per_page=1.5",
        "cursor=x",
        "cursor=MS5hYmNkLjEuMg",
    ] {
        assert_eq!(
            Pagination::from_query(Some(bad)).unwrap_err().status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    assert_eq!(Pagination::lenient(Some("page=abc"), 20).page, 1);
    let nav = |page, total| PageOf::<u8>::new(vec![], &Pagination::page(page, 20), total).nav();
    assert_eq!(
        nav(1, 41),
        PageNav {
            number: 1,
            last: 3,
            previous: None,
            next: Some(2)
        }
    );
    assert_eq!(nav(3, 41).next, None);
    assert_eq!(
        nav(9, 41).previous,
        Some(3),
        "past the end links to the last page"
    );
    assert_eq!(nav(1, 0).last, 1);
    assert_eq!(
        PageOf::<u8>::new(vec![], &Pagination::page(1, 20), 41).last_page(),
        3
    );
}
