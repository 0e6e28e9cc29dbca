//! `web::forms`, through its public interface.

use web::forms::*;

#[test]
fn control_characters_and_bidi_overrides_are_refused() {
    for bad in [
        "a\u{7}b",
        "tab\there",
        "line\nbreak",
        "\u{202E}gnp.exe",
        "x\u{2066}y",
        "\u{85}",
    ] {
        assert!(forbidden_characters(bad, false).is_some(), "{bad:?}");
    }
    assert!(forbidden_characters("tab\there\nand\r\nlines", true).is_none());
    assert!(forbidden_characters("bell\u{7}", true).is_some());
    assert!(forbidden_characters("\u{202D}", true).is_some());
    assert!(forbidden_characters("Crème brûlée — 東京 ✓", false).is_none());
}

#[test]
fn required_and_nullable() {
    let mut v = Validator::new();
    assert_eq!(v.required::<i32>("a", None, false), None);
    assert!(v.is_valid());
    v.required::<i32>("b", None, true);
    v.required::<i32>("c", Some(None), false);
    let errors = v.finish(()).unwrap_err();
    assert_eq!(errors["b"], ["This field is required."]);
    assert_eq!(errors["c"], ["This field may not be null."]);
}

#[test]
fn dates_and_times() {
    assert_eq!(
        date::parse("2026-01-31")
            .map(|d| date::format(&d))
            .as_deref(),
        Some("2026-01-31")
    );
    assert!(date::parse("31/01/2026").is_none());
    assert!(parse_datetime("2026-01-31T12:00:00+02:00").is_some_and(|t| t.hour() == 10));
    let mut v = Validator::new();
    assert_eq!(
        parse_form_value::<i32>(&mut v, "n", Some(&"12".to_string()), "bad"),
        Some(Some(12))
    );
    assert_eq!(
        parse_form_value::<i32>(&mut v, "n", Some(&"".to_string()), "bad"),
        Some(None)
    );
    assert_eq!(
        parse_form_value::<i32>(&mut v, "n", Some(&"x".to_string()), "bad"),
        None
    );
    assert!(!v.is_valid());
}
