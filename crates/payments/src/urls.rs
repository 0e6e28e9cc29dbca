//! The payments app's named routes. Mounted at the root: pages under `/orders/`, the API
//! at `/api/orders…` and `/api/payments/webhook`.

use web::Urls;
use web::urls::{get, post};

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("payments")
        .route("/orders/", "order_list", get(pages::order_list))
        .route("/orders/new/", "order_create", post(pages::order_create))
        .route("/orders/{id}/", "order_detail", get(pages::order_detail))
        .route("/orders/{id}/pay/", "order_pay", post(pages::order_pay))
        .route(
            "/orders/{id}/ship-to/",
            "order_ship_to",
            post(pages::order_ship_to),
        )
        .route(
            "/orders/{id}/cancel/",
            "order_cancel",
            post(pages::order_cancel),
        )
        .api(
            "/orders",
            "api_order_list",
            get(api::list).post(api::create),
        )
        .api(
            "/orders/{id}",
            "api_order_detail",
            get(api::detail).patch(api::ship_to),
        )
        .api("/orders/{id}/cancel", "api_order_cancel", post(api::cancel))
        .api("/orders/{id}/pay", "api_order_pay", post(api::pay))
        .api("/orders/{id}/refund", "api_order_refund", post(api::refund))
        .api("/orders/{id}/ship", "api_order_ship", post(api::ship))
        .api(
            "/orders/{id}/deliver",
            "api_order_deliver",
            post(api::deliver),
        )
        .api("/payments/webhook", "api_webhook", post(api::webhook))
}
