//! `web::middleware`, through its public interface.

use std::net::IpAddr;

use web::middleware::*;
use web::settings::split_host;

fn hosts(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn hosts_match_like_django() {
    let allowed = hosts(&["localhost", "127.0.0.1", "[::1]", ".example.com"]);
    assert!(host_allowed("localhost:8000", &allowed));
    assert!(host_allowed("LOCALHOST", &allowed));
    assert!(host_allowed("[::1]:8000", &allowed));
    assert!(host_allowed("example.com", &allowed));
    assert!(host_allowed("shop.example.com:443", &allowed));
    assert!(!host_allowed("evil.com", &allowed));
    assert!(!host_allowed("notexample.com", &allowed));
    assert!(host_allowed("anything", &hosts(&["*"])));
}

#[test]
fn host_syntax_is_checked_before_matching() {
    let allowed = hosts(&["localhost", "127.0.0.1", "[::1]", ".example.com"]);
    for forged in [
        "evil.com?.example.com",
        "evil.com/.example.com",
        "evil.com#.example.com",
        "evil.com\\.example.com",
        "evil.com@shop.example.com",
        "[::1]@evil.com",
        "[::1]evil.com",
        "localhost:80:80",
        "localhost:",
        "localhost:8o",
        "",
        "[]",
        "[zz::1]",
    ] {
        assert!(split_host(forged).is_none(), "{forged:?} must be invalid");
        assert!(
            !host_allowed(forged, &allowed),
            "{forged:?} must be refused"
        );
    }
    assert_eq!(
        split_host("shop.example.com:8443"),
        Some(("shop.example.com", Some("8443")))
    );
    assert_eq!(split_host("[::1]:8000"), Some(("[::1]", Some("8000"))));
    assert_eq!(
        split_host("[::ffff:127.0.0.1]"),
        Some(("[::ffff:127.0.0.1]", None))
    );
    assert_eq!(split_host("127.0.0.1"), Some(("127.0.0.1", None)));
}

#[test]
fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
    let proxy: IpAddr = "10.0.0.1".parse().unwrap();
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
    assert_eq!(
        client_ip(proxy, &headers, &trusted),
        "203.0.113.9".parse::<IpAddr>().unwrap()
    );
    let stranger: IpAddr = "198.51.100.7".parse().unwrap();
    assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
    assert_eq!(client_ip(proxy, &headers, &[]), proxy);
}
