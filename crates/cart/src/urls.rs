//! The cart app's named routes, mounted at `/cart`: the page at `/cart/`, the API at
//! `/api/cart…`.

use web::Urls;
use web::urls::{get, post, put};

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("cart")
        .route("/", "cart_detail", get(pages::cart_detail))
        .route("/add/", "cart_add", post(pages::cart_add))
        .route(
            "/items/{product_id}/",
            "cart_update",
            post(pages::cart_update),
        )
        .route(
            "/items/{product_id}/remove/",
            "cart_remove",
            post(pages::cart_remove),
        )
        .route("/checkout/", "cart_checkout", post(pages::cart_checkout))
        .api("", "api_cart", get(api::detail))
        .api(
            "/items/{product_id}",
            "api_cart_item",
            put(api::set_item).delete(api::remove_item),
        )
        .api("/checkout", "api_cart_checkout", post(api::checkout))
}
