//! The address book's named routes, mounted at `/addresses`: pages under `/addresses/`,
//! the API at `/api/addresses…`.

use web::Urls;
use web::urls::{get, post};

use crate::views::{api, pages};

pub fn urls() -> Urls {
    Urls::new("addresses")
        .route("/", "address_list", get(pages::list))
        .route(
            "/new/",
            "address_new",
            get(pages::new_form).post(pages::create),
        )
        .route(
            "/{id}/edit/",
            "address_edit",
            get(pages::edit_form).post(pages::update),
        )
        .route("/{id}/delete/", "address_delete", post(pages::delete))
        .api("", "api_addresses", get(api::list).post(api::create))
        .api(
            "/{id}",
            "api_address",
            get(api::detail).patch(api::update).delete(api::delete),
        )
}
