//! The admin pages. Each handler: staff check, find the model admin, check the model
//! permission the page needs, call it, render.
//!
//! `index` and `changelist` list; `forms` adds and changes objects; `objects` deletes
//! them, shows their history and runs their actions.

use std::collections::HashMap;
use std::sync::Arc;

use accounts::extract::Perms;
use accounts::permissions::UserPermissions;
use accounts::{RequireStaff, User};
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use minijinja::Value;
use serde::Serialize;
use web::{AppState, Error, FieldErrors, Path, Reverser};
use web_modeladmin::{AdminRegistry, ModelAdmin, Object};

use crate::models::{self, Entry};

mod changelist;
mod forms;
mod index;
mod inlines;
mod objects;

pub use changelist::changelist;
pub use forms::{add, add_form, change, change_form};
pub use index::index;
pub use objects::{action, action_form, delete, delete_confirmation, history};

/// A URL for an `href`: marked safe like the templates' `url()` (escaping would turn
/// every `/` into `&#x2f;`), with the query's `&` written as `&amp;`. Reversed paths are
/// percent-encoded and query values form-encoded, so nothing else needs escaping.
pub(crate) fn href(url: impl Into<String>) -> Value {
    Value::from_safe_string(url.into().replace('&', "&amp;"))
}

/// The model permission `action` (`view`, `add`, `change`, `delete`) of `model`:
/// `catalog.change_product`.
pub(crate) fn model_permission(model: &dyn ModelAdmin, action: &str) -> String {
    format!("{}.{action}_{}", model.app_label(), model.model_name())
}

/// What every page under `/admin/{app}/{model}/…` starts from: the signed-in staff member
/// (anonymous → the login page, others → 403), their permissions (read once), and the
/// model admin the URL names (else 404), plus the URL's `{id}` and `{action}` where it
/// has them.
pub struct StaffModel {
    pub(crate) staff: User,
    pub(crate) perms: UserPermissions,
    pub(crate) model: Arc<dyn ModelAdmin>,
    id: Option<String>,
    pub(crate) action: Option<String>,
}

impl StaffModel {
    /// Whether the staff member has the model's `action` permission.
    pub(crate) fn may(&self, action: &str) -> bool {
        self.perms
            .has(&model_permission(self.model.as_ref(), action))
    }

    /// Refuses (403) unless the staff member has the model's `action` permission.
    pub(crate) fn require(&self, action: &str) -> Result<(), Error> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }

    /// The model as templates see it, its links limited to what the staff member may do.
    pub(crate) fn info(&self, reverser: &Reverser) -> Result<ModelInfo, Error> {
        ModelInfo::new(self.model.as_ref(), reverser, &self.perms)
    }

    /// Whether the staff member may run `action` (its own permission, else `change`).
    pub(crate) fn may_run(&self, action: &web_modeladmin::Action) -> bool {
        match action.permission {
            Some(code) => self.perms.has(code),
            None => self.may("change"),
        }
    }

    /// Who acts, for [`web_modeladmin::ModelAdmin::authorize`].
    pub(crate) fn actor(&self) -> web_modeladmin::Actor {
        web_modeladmin::Actor {
            id: self.staff.id,
            is_superuser: self.staff.is_superuser && self.staff.is_active,
        }
    }

    /// The object the URL names, if the acting staff member may touch it (else 403).
    pub(crate) async fn authorized_object(&self, state: &AppState) -> Result<Object, Error> {
        let object = self.object(state).await?;
        let refused = self
            .model
            .authorize(state, self.actor(), Some(object.id), None)
            .await?;
        if !refused.is_empty() {
            return Err(Error::forbidden());
        }
        Ok(object)
    }

    /// The `{id}` of the URL (404 unless it is a number).
    pub(crate) fn id(&self) -> Result<i64, Error> {
        self.id
            .as_deref()
            .and_then(|raw| raw.parse().ok())
            .ok_or_else(|| Error::not_found("No such object."))
    }

    /// The object the URL's `{id}` names, or 404.
    pub(crate) async fn object(&self, state: &AppState) -> Result<Object, Error> {
        object_or_404(self.model.as_ref(), state, self.id()?).await
    }
}

impl FromRequestParts<AppState> for StaffModel {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let RequireStaff(staff) = RequireStaff::from_request_parts(parts, state).await?;
        let perms = Perms::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?
            .all()
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let registry: AdminRegistry = state.service().map_err(IntoResponse::into_response)?;
        let app = params.remove("app").unwrap_or_default();
        let model = params.remove("model").unwrap_or_default();
        let model = registry
            .find(&app, &model)
            .ok_or_else(|| Error::not_found("No such model in the admin.").into_response())?;
        Ok(StaffModel {
            staff,
            perms,
            model,
            id: params.remove("id"),
            action: params.remove("action"),
        })
    }
}

pub(crate) async fn object_or_404(
    model: &dyn ModelAdmin,
    state: &AppState,
    id: i64,
) -> Result<Object, Error> {
    model
        .object(state, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("No {} with id {id}.", model.verbose_name())))
}

/// A form page's status: 422 when it shows errors.
pub(crate) fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The model as templates see it: names and the URLs of its pages.
#[derive(Serialize)]
pub(crate) struct ModelInfo {
    pub(crate) app_label: &'static str,
    pub(crate) model_name: &'static str,
    pub(crate) verbose_name: &'static str,
    pub(crate) verbose_name_plural: &'static str,
    #[serde(skip)]
    pub(crate) changelist_path: String,
    pub(crate) changelist_url: Value,
    pub(crate) add_url: Option<Value>,
    pub(crate) can_change: bool,
    pub(crate) can_delete: bool,
}

impl ModelInfo {
    /// The model's names and URLs; the add link and the change/delete flags only where
    /// the model admin offers them and `perms` allow them.
    pub(crate) fn new(
        model: &dyn ModelAdmin,
        reverser: &Reverser,
        perms: &UserPermissions,
    ) -> Result<Self, Error> {
        let may = |action: &str| perms.has(&model_permission(model, action));
        let (app, name) = (model.app_label(), model.model_name());
        let params: [(&str, &dyn std::fmt::Display); 2] = [("app", &app), ("model", &name)];
        let changelist_path = reverser.reverse("admin:changelist", &params)?;
        Ok(ModelInfo {
            app_label: model.app_label(),
            model_name: model.model_name(),
            verbose_name: model.verbose_name(),
            verbose_name_plural: model.verbose_name_plural(),
            changelist_url: href(changelist_path.clone()),
            changelist_path,
            add_url: if model.can_add() && may("add") {
                Some(href(reverser.reverse("admin:add", &params)?))
            } else {
                None
            },
            can_change: model.can_change() && may("change"),
            can_delete: model.can_delete() && may("delete"),
        })
    }
}

/// The URL of one object's page (`admin:change`, `admin:delete`, `admin:history`).
pub(crate) fn object_url(
    reverser: &Reverser,
    name: &str,
    model: &dyn ModelAdmin,
    id: i64,
) -> Result<String, Error> {
    Ok(reverser.reverse(
        name,
        &[
            ("app", &model.app_label()),
            ("model", &model.model_name()),
            ("id", &id),
        ],
    )?)
}

pub(crate) fn action_url(
    reverser: &Reverser,
    model: &dyn ModelAdmin,
    id: i64,
    action: &str,
) -> Result<String, Error> {
    Ok(reverser.reverse(
        "admin:action",
        &[
            ("app", &model.app_label()),
            ("model", &model.model_name()),
            ("id", &id),
            ("action", &action),
        ],
    )?)
}

pub(crate) async fn log(
    state: &AppState,
    user_id: i64,
    model: &dyn ModelAdmin,
    object: &Object,
    action: &str,
    message: &str,
) -> Result<(), Error> {
    models::record(
        state.db(),
        Entry {
            user_id,
            app_label: model.app_label(),
            model_name: model.model_name(),
            object_id: object.id,
            object_repr: &object.repr,
            action,
            message,
        },
    )
    .await?;
    Ok(())
}
