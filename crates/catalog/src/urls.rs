//! The catalog's named routes: pages under `/catalog/`, the API under `/api/catalog/`.

use web::Urls;
use web::urls::get;

use crate::views::{api, images, pages};

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
        .api(
            "/products/{id}/images",
            "api_product_images",
            web::urls::post(images::upload).accepts_uploads(),
        )
        .api(
            "/products/{id}/images/{image_id}",
            "api_product_image",
            web::urls::patch(images::update).delete(images::delete),
        )
}

/// The site's home page, which shows the catalog; mount it at the root:
/// `.include("", catalog::home_urls())`.
pub fn home_urls() -> Urls {
    Urls::new("catalog").route("/", "home", get(pages::home))
}
