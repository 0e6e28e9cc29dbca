//! The add and change forms: fields drawn from the model admin, errors beside them.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use web::admin::{Field, FieldKind, FormData, ModelAdmin, Object};
use web::{AppState, Error, FieldErrors, Form, Messages, Page, Reverser, context};

use super::{ModelInfo, StaffModel, action_url, form_status, href, log, object_or_404, object_url};
use crate::forms::form_data;

/// A form field as the template draws it.
#[derive(Serialize)]
pub(crate) struct FormField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    read_only: bool,
    help: &'static str,
    value: String,
    errors: Vec<String>,
}

pub(crate) fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::TextArea => "textarea",
        FieldKind::Email => "email",
        FieldKind::Password => "password",
        FieldKind::Integer => "number",
        FieldKind::Checkbox => "checkbox",
    }
}

/// The fields of a form with their values (submitted, or the object's) and errors.
pub(crate) fn form_fields(
    fields: Vec<Field>,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Vec<FormField> {
    fields
        .into_iter()
        .map(|f| FormField {
            value: match f.kind {
                // A password is never sent back to the browser.
                FieldKind::Password => String::new(),
                _ => values.get(f.name).cloned().unwrap_or_default(),
            },
            errors: errors.get(f.name).cloned().unwrap_or_default(),
            name: f.name,
            label: f.label,
            kind: kind_name(&f.kind),
            read_only: f.read_only,
            help: f.help,
        })
        .collect()
}

/// Errors that belong to no field of the form (shown above it).
pub(crate) fn other_errors(fields: &[FormField], errors: &FieldErrors) -> Vec<String> {
    errors
        .iter()
        .filter(|(name, _)| {
            !fields
                .iter()
                .any(|f| f.name == name.as_str() && !f.read_only)
        })
        .flat_map(|(_, messages)| messages.clone())
        .collect()
}

/// A submitted form echoed back: a checkbox left unticked is "false".
pub(crate) fn submitted_values(fields: &[Field], form: &FormData) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|f| {
            let value = match f.kind {
                FieldKind::Checkbox => web::admin::checkbox(form, f.name).to_string(),
                _ => form.get(f.name).cloned().unwrap_or_default(),
            };
            (f.name.to_string(), value)
        })
        .collect()
}

pub(crate) fn add_fields(model: &dyn ModelAdmin) -> Vec<Field> {
    model
        .fields()
        .into_iter()
        .filter(|f| !f.read_only)
        .collect()
}

pub(crate) fn change_fields(model: &dyn ModelAdmin) -> Vec<Field> {
    let editable = model.can_change();
    model
        .fields()
        .into_iter()
        .filter(|f| !f.add_only)
        .map(|f| if editable { f } else { f.read_only() })
        .collect()
}

async fn render_add(
    page: Page,
    model: &dyn ModelAdmin,
    reverser: &Reverser,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let info = ModelInfo::new(model, reverser)?;
    let fields = form_fields(add_fields(model), values, errors);
    page.render_with_status(
        form_status(errors),
        "admin/change_form.html",
        context! {
            title => format!("Add {}", model.verbose_name().to_lowercase()),
            action_url => info.add_url.clone(),
            non_field_errors => other_errors(&fields, errors),
            model => info,
            fields,
            adding => true,
        },
    )
    .await
}

/// `GET /admin/{app}/{model}/add/`
pub async fn add_form(
    target: StaffModel,
    page: Page,
    reverser: Reverser,
) -> Result<Response, Error> {
    let model = &target.model;
    if !model.can_add() {
        return Err(Error::forbidden());
    }
    render_add(
        page,
        model.as_ref(),
        &reverser,
        &BTreeMap::new(),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /admin/{app}/{model}/add/`: saved → the change list; refused → the form again.
pub async fn add(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
    messages: Messages,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, Error> {
    let model = &target.model;
    if !model.can_add() {
        return Err(Error::forbidden());
    }
    let form = form_data(fields);
    let refused = model
        .authorize(&state, target.actor(), None, Some(&form))
        .await?;
    let saved = if refused.is_empty() {
        model.create(&state, &form).await?
    } else {
        Err(refused)
    };
    match saved {
        Ok(id) => {
            let object = object_or_404(model.as_ref(), &state, id).await?;
            log(
                &state,
                target.staff.id,
                model.as_ref(),
                &object,
                "added",
                "Added.",
            )
            .await?;
            messages
                .success(format!(
                    "The {} “{}” was added.",
                    model.verbose_name().to_lowercase(),
                    object.repr
                ))
                .await?;
            Ok(
                Redirect::to(&object_url(&reverser, "admin:change", model.as_ref(), id)?)
                    .into_response(),
            )
        }
        Err(errors) => {
            let values = submitted_values(&add_fields(model.as_ref()), &form);
            render_add(page, model.as_ref(), &reverser, &values, &errors).await
        }
    }
}

async fn render_change(
    page: Page,
    model: &dyn ModelAdmin,
    reverser: &Reverser,
    object: &Object,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let info = ModelInfo::new(model, reverser)?;
    let fields = form_fields(change_fields(model), values, errors);
    let actions: Vec<_> = model
        .actions()
        .into_iter()
        .map(|a| {
            let url = href(action_url(reverser, model, object.id, a.name).unwrap_or_default());
            context! { label => a.label, url, needs_input => !a.fields.is_empty() }
        })
        .collect();
    page.render_with_status(
        form_status(errors),
        "admin/change_form.html",
        context! {
            title => format!("Change {}", model.verbose_name().to_lowercase()),
            action_url => href(object_url(reverser, "admin:change", model, object.id)?),
            delete_url => href(object_url(reverser, "admin:delete", model, object.id)?),
            history_url => href(object_url(reverser, "admin:history", model, object.id)?),
            non_field_errors => other_errors(&fields, errors),
            object => context! { id => object.id, repr => object.repr, inlines => object.inlines.iter().map(|i| context! { title => i.title, columns => i.columns, rows => i.rows }).collect::<Vec<_>>() },
            model => info,
            fields,
            actions,
            adding => false,
        },
    )
    .await
}

/// `GET /admin/{app}/{model}/{id}/change/`
pub async fn change_form(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    let model = &target.model;
    let object = target.authorized_object(&state).await?;
    let values = object.values.clone();
    render_change(
        page,
        model.as_ref(),
        &reverser,
        &object,
        &values,
        &FieldErrors::new(),
    )
    .await
}

/// `POST /admin/{app}/{model}/{id}/change/`: saved → the change list, with the changed
/// fields in the audit log; refused → the form again with its errors.
pub async fn change(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
    messages: Messages,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, Error> {
    let model = &target.model;
    if !model.can_change() {
        return Err(Error::forbidden());
    }
    let before = target.authorized_object(&state).await?;
    let form = form_data(fields);
    let refused = model
        .authorize(&state, target.actor(), Some(before.id), Some(&form))
        .await?;
    let saved = if refused.is_empty() {
        model.update(&state, before.id, &form).await?
    } else {
        Err(refused)
    };
    match saved {
        Ok(id) => {
            let after = object_or_404(model.as_ref(), &state, id).await?;
            let changed: Vec<&str> = change_fields(model.as_ref())
                .iter()
                .filter(|f| !f.read_only && before.values.get(f.name) != after.values.get(f.name))
                .map(|f| f.label)
                .collect();
            let message = if changed.is_empty() {
                "No fields changed.".to_string()
            } else {
                format!("Changed {}.", changed.join(", "))
            };
            log(
                &state,
                target.staff.id,
                model.as_ref(),
                &after,
                "changed",
                &message,
            )
            .await?;
            messages
                .success(format!(
                    "The {} “{}” was changed.",
                    model.verbose_name().to_lowercase(),
                    after.repr
                ))
                .await?;
            Ok(
                Redirect::to(&ModelInfo::new(model.as_ref(), &reverser)?.changelist_path)
                    .into_response(),
            )
        }
        Err(errors) => {
            let values = submitted_values(&change_fields(model.as_ref()), &form);
            render_change(page, model.as_ref(), &reverser, &before, &values, &errors).await
        }
    }
}
