//! The catalog's named routes: pages under `/catalog/`, the API under `/api/catalog/`.

use web::Urls;
use web::urls::get;

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("catalog")
        .route("/", "product_list", get(pages::product_list))
        .route("/{slug}/", "product_detail", get(pages::product_detail))
        .api(
            "/products",
            "api_product_list",
            get(api::list).post(api::create),
        )
        .api(
            "/products/{id}",
            "api_product_detail",
            get(api::detail).patch(api::update).delete(api::delete),
        )
}

/// The site's home page, which shows the catalog; mount it at the root:
/// `.include("", catalog::home_urls())`.
pub fn home_urls() -> Urls {
    Urls::new("catalog").route("/", "home", get(pages::home))
}
