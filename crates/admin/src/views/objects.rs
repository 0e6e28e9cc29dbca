//! One object's delete (with its confirmation), history and actions.

use std::collections::{BTreeMap, HashMap};

use accounts::models::user;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use web::{AppState, Error, FieldErrors, Form, Page, Reverser, SiteUrl, context};
use web_modeladmin::{ActionRequest, Object};
use web_sessions::Messages;

use super::forms::{form_fields, other_errors};
use super::{StaffModel, action_url, form_status, href, log, object_url};
use crate::forms::form_data;
use crate::models;

/// The object to delete, if the model admin offers deleting and the staff member may
/// delete it (else 403).
async fn may_delete(target: &StaffModel, state: &AppState) -> Result<Object, Error> {
    if !target.model.can_delete() {
        return Err(Error::forbidden());
    }
    target.require("delete")?;
    let object = target.authorized_object(state).await?;
    target
        .model
        .authorize_delete(state, target.actor(), object.id)
        .await?;
    Ok(object)
}

/// `GET /admin/{app}/{model}/{id}/delete/`: what the delete would affect, and a button.
pub async fn delete_confirmation(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    let model = &target.model;
    let object = may_delete(&target, &state).await?;
    let effects = model.delete_effects(&state, object.id).await?;
    page.render(
        "admin/delete_confirmation.html",
        context! {
            model => target.info(&reverser)?,
            object => context! { id => object.id, repr => object.repr },
            effects,
            change_url => href(object_url(&reverser, "admin:change", model.as_ref(), object.id)?),
            delete_url => href(object_url(&reverser, "admin:delete", model.as_ref(), object.id)?),
        },
    )
    .await
}

/// `POST /admin/{app}/{model}/{id}/delete/`
pub async fn delete(
    target: StaffModel,
    State(state): State<AppState>,
    reverser: Reverser,
    messages: Messages,
) -> Result<Response, Error> {
    let model = &target.model;
    let object = may_delete(&target, &state).await?;
    let outcome = model.delete(&state, object.id).await?;
    log(
        &state,
        target.staff.id,
        model.as_ref(),
        &object,
        "deleted",
        &outcome,
    )
    .await?;
    messages
        .success(format!(
            "The {} “{}”: {outcome}",
            model.verbose_name().to_lowercase(),
            object.repr
        ))
        .await?;
    Ok(Redirect::to(&target.info(&reverser)?.changelist_path).into_response())
}

/// `GET /admin/{app}/{model}/{id}/history/`: the object's audit log.
pub async fn history(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    target.require("view")?;
    let model = &target.model;
    let id = target.id()?;
    let entries =
        models::history(state.db(), model.app_label(), model.model_name(), id, 500).await?;
    let user_ids: Vec<i64> = entries.iter().map(|e| e.user_id).collect();
    let emails: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(state.db())
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    // The object may be gone (deleted); its history stays readable.
    let repr = match model.object(&state, id).await? {
        Some(object) => object.repr,
        None => entries
            .last()
            .map(|e| e.object_repr.clone())
            .unwrap_or_default(),
    };
    if entries.is_empty() && repr.is_empty() {
        return Err(Error::not_found("No such object."));
    }
    let entries: Vec<_> = entries
        .into_iter()
        .map(|e| {
            let who = emails.get(&e.user_id).cloned().unwrap_or_default();
            context! { entry => e, who }
        })
        .collect();
    page.render(
        "admin/history.html",
        context! {
            model => target.info(&reverser)?,
            object => context! { id, repr },
            entries,
            change_url => href(object_url(&reverser, "admin:change", model.as_ref(), id)?),
        },
    )
    .await
}

async fn render_action(
    page: Page,
    target: &StaffModel,
    reverser: &Reverser,
    object: &Object,
    action: &web_modeladmin::Action,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let model = target.model.as_ref();
    let fields = form_fields(
        action.fields.clone(),
        &BTreeMap::new(),
        &BTreeMap::new(),
        &BTreeMap::new(),
        errors,
    );
    page.render_with_status(
        form_status(errors),
        "admin/action_form.html",
        context! {
            model => target.info(reverser)?,
            object => context! { id => object.id, repr => object.repr },
            title => action.label,
            non_field_errors => other_errors(&fields, errors),
            fields,
            action_url => href(action_url(reverser, model, object.id, action.name)?),
            change_url => href(object_url(reverser, "admin:change", model, object.id)?),
        },
    )
    .await
}

/// The action the URL names (else 404), if the staff member may run it (else 403).
fn find_action(target: &StaffModel) -> Result<web_modeladmin::Action, Error> {
    let name = target.action.as_deref().unwrap_or_default();
    let action = target
        .model
        .actions()
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::not_found("No such action."))?;
    if !target.may_run(&action) {
        return Err(Error::forbidden());
    }
    Ok(action)
}

/// `GET /admin/{app}/{model}/{id}/actions/{action}/`: the input an action asks for.
pub async fn action_form(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    let action = find_action(&target)?;
    let object = target.authorized_object(&state).await?;
    render_action(
        page,
        &target,
        &reverser,
        &object,
        &action,
        &FieldErrors::new(),
    )
    .await
}

/// `POST /admin/{app}/{model}/{id}/actions/{action}/`: runs it through the owning app.
/// A refusal of the app's rules (`409`, e.g. refunding an unpaid order) is shown as a
/// message on the object's page.
pub async fn action(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
    messages: Messages,
    site: SiteUrl,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let model = &target.model;
    let action = find_action(&target)?;
    let request = ActionRequest {
        actor_id: target.staff.id,
        site,
    };
    let object = target.authorized_object(&state).await?;
    let form = form_data(fields);
    let change_url = object_url(&reverser, "admin:change", model.as_ref(), object.id)?;
    match model
        .run_action(&state, &request, object.id, action.name, &form)
        .await
    {
        Ok(Ok(message)) => {
            log(
                &state,
                target.staff.id,
                model.as_ref(),
                &object,
                action.name,
                &message,
            )
            .await?;
            messages.success(message).await?;
        }
        Ok(Err(errors)) => {
            return render_action(page, &target, &reverser, &object, &action, &errors).await;
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            messages.warning(e.message().to_string()).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&change_url).into_response())
}
