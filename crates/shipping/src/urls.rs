//! The shipping app's named routes, mounted at `/shipping`: its API at `/api/shipping…`.

use web::Urls;
use web::urls::get;

use crate::views::api;

pub fn urls() -> Urls {
    Urls::new("shipping").api("/methods", "api_shipping_methods", get(api::methods))
}
