//! `web::db`, through its public interface.

use web::db::*;

#[test]
fn backend_from_url() {
    assert_eq!(
        Backend::from_url("sqlite://db.sqlite3?mode=rwc"),
        Ok(Backend::Sqlite)
    );
    assert_eq!(Backend::from_url("sqlite::memory:"), Ok(Backend::Sqlite));
    assert_eq!(
        Backend::from_url("mysql://root@localhost/test"),
        Ok(Backend::MySql)
    );
    assert_eq!(
        Backend::from_url("postgres://p@localhost/test"),
        Ok(Backend::Postgres)
    );
    assert!(
        Backend::from_url("mariadb://root@localhost/test")
            .unwrap_err()
            .contains("mysql://")
    );
    assert!(Backend::from_url("oracle://x").is_err());
}

#[test]
fn like_escaping() {
    assert_eq!(escape_like("50%_off!"), "50!%!_off!!");
}

#[test]
fn timestamps_end_in_z_with_microseconds() {
    let t = time::macros::datetime!(2026-11-25 12:00:00.123456789 +02:00);
    assert_eq!(timestamp::format(&t), "2026-11-25T10:00:00.123456Z");
    assert_eq!(now().nanosecond() % 1000, 0);
}
