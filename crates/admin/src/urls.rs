//! The admin site's named routes; the project mounts them at `/admin`.

use web::Urls;
use web::urls::get;

use crate::views;

pub fn urls() -> Urls {
    Urls::new("admin")
        .route("/", "index", get(views::index))
        .route("/{app}/{model}/", "changelist", get(views::changelist))
        .route(
            "/{app}/{model}/add/",
            "add",
            // Forms with image fields send their files.
            get(views::add_form).post(views::add).accepts_uploads(),
        )
        .route(
            "/{app}/{model}/{id}/change/",
            "change",
            get(views::change_form)
                .post(views::change)
                .accepts_uploads(),
        )
        .route(
            "/{app}/{model}/{id}/delete/",
            "delete",
            get(views::delete_confirmation).post(views::delete),
        )
        .route(
            "/{app}/{model}/{id}/history/",
            "history",
            get(views::history),
        )
        .route(
            "/{app}/{model}/{id}/actions/{action}/",
            "action",
            get(views::action_form).post(views::action),
        )
}
