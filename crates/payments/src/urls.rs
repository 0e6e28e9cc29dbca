//! The `payments` app's named routes.

use web::Urls;

pub fn urls() -> Urls {
    Urls::new("payments")
}
