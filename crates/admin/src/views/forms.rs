//! The add and change forms: fields drawn from the model admin, errors beside them.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use web::{AppState, Error, FieldErrors, Page, Reverser, context};
use web_modeladmin::{Choice, Field, FieldKind, FormData, ModelAdmin, Object, chosen};
use web_sessions::Messages;

use super::inlines::{InlineView, inline_views};
use super::{StaffModel, action_url, form_status, href, log, object_or_404, object_url};
use crate::uploads::{self, ReadForm, Submitted};

/// A form field as the template draws it.
#[derive(Serialize)]
pub(crate) struct FormField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    read_only: bool,
    help: &'static str,
    value: String,
    /// A multiple-choice field's checkboxes, under their headings.
    groups: Vec<ChoiceGroup>,
    /// An image field's current file: its thumbnail and its original.
    picture: Option<Picture>,
    errors: Vec<String>,
}

#[derive(Serialize, Clone)]
pub(crate) struct Picture {
    thumbnail_url: String,
    url: String,
    /// What the file is (`application/pdf, 12,345 bytes`), for a file field's link.
    description: String,
}

/// The stored files (a picture's thumbnail, a file's link) of the media fields among
/// `fields` whose value names one.
pub(crate) async fn pictures_of(
    state: &AppState,
    fields: &[Field],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<&'static str, Picture>, Error> {
    let mut found = BTreeMap::new();
    for field in fields.iter().filter(|f| f.kind.is_media()) {
        let Some(name) = values.get(field.name).filter(|v| !v.is_empty()) else {
            continue;
        };
        let media: web_media::MediaStore = state.service()?;
        let Some(file) = web_media::files::find(state.db(), name).await? else {
            continue;
        };
        let urls = media.urls(&file.name, &file.thumbnails).await?;
        found.insert(
            field.name,
            Picture {
                thumbnail_url: urls.thumbnail_url,
                url: urls.url,
                description: format!("{}, {} bytes", file.content_type, file.size_bytes),
            },
        );
    }
    Ok(found)
}

/// Whether a form has a file to send (`enctype="multipart/form-data"`).
fn takes_files(fields: &[Field]) -> bool {
    fields.iter().any(|f| f.kind.is_media() && !f.read_only)
}

#[derive(Serialize)]
struct ChoiceGroup {
    label: String,
    choices: Vec<ChoiceBox>,
}

#[derive(Serialize)]
struct ChoiceBox {
    value: String,
    label: String,
    checked: bool,
}

pub(crate) fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::TextArea => "textarea",
        FieldKind::Email => "email",
        FieldKind::Password => "password",
        FieldKind::Integer => "number",
        FieldKind::Checkbox => "checkbox",
        FieldKind::MultipleChoice => "multiple",
        FieldKind::Image => "image",
        FieldKind::File => "file",
    }
}

/// The choices of every multiple-choice field of `fields`, by field name.
pub(crate) async fn choices_of(
    model: &dyn ModelAdmin,
    state: &AppState,
    fields: &[Field],
) -> Result<BTreeMap<&'static str, Vec<Choice>>, Error> {
    let mut all = BTreeMap::new();
    for field in fields
        .iter()
        .filter(|f| f.kind == FieldKind::MultipleChoice)
    {
        all.insert(field.name, model.choices(state, field.name).await?);
    }
    Ok(all)
}

/// A multiple-choice field's checkboxes, grouped under their headings in the order the
/// model admin gives them; a read-only one shows the chosen labels instead.
fn choice_groups(choices: &[Choice], values: &[String]) -> Vec<ChoiceGroup> {
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for choice in choices {
        let checkbox = ChoiceBox {
            value: choice.value.clone(),
            label: choice.label.clone(),
            checked: values.contains(&choice.value),
        };
        match groups.last_mut() {
            Some(group) if group.label == choice.group => group.choices.push(checkbox),
            _ => groups.push(ChoiceGroup {
                label: choice.group.clone(),
                choices: vec![checkbox],
            }),
        }
    }
    groups
}

/// The labels of `values` among `choices`, for read-only display and the audit log.
pub(crate) fn labels_of(choices: &[Choice], values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            choices
                .iter()
                .find(|c| &c.value == v)
                .map_or_else(|| v.clone(), |c| c.label.clone())
        })
        .collect()
}

/// The fields of a form with their values (submitted, or the object's) and errors.
pub(crate) fn form_fields(
    fields: Vec<Field>,
    values: &BTreeMap<String, String>,
    choices: &BTreeMap<&'static str, Vec<Choice>>,
    pictures: &BTreeMap<&'static str, Picture>,
    errors: &FieldErrors,
) -> Vec<FormField> {
    fields
        .into_iter()
        .map(|f| {
            let offered = choices.get(f.name).map(Vec::as_slice).unwrap_or_default();
            let (value, groups) = match f.kind {
                // A password is never sent back to the browser.
                FieldKind::Password => (String::new(), Vec::new()),
                FieldKind::MultipleChoice => {
                    let picked = chosen(values, f.name);
                    (
                        labels_of(offered, &picked).join(", "),
                        choice_groups(offered, &picked),
                    )
                }
                _ => (values.get(f.name).cloned().unwrap_or_default(), Vec::new()),
            };
            FormField {
                value,
                groups,
                picture: pictures.get(f.name).cloned(),
                errors: errors.get(f.name).cloned().unwrap_or_default(),
                name: f.name,
                label: f.label,
                kind: kind_name(&f.kind),
                read_only: f.read_only,
                help: f.help,
            }
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
                FieldKind::Checkbox => web_modeladmin::checkbox(form, f.name).to_string(),
                _ => form.get(f.name).cloned().unwrap_or_default(),
            };
            (f.name.to_string(), value)
        })
        .chain(
            // The editable inlines' inputs (`images-12-alt`), echoed as sent.
            form.iter()
                .filter(|(name, _)| !fields.iter().any(|f| f.name == name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone())),
        )
        .collect()
}

pub(crate) fn add_fields(model: &dyn ModelAdmin) -> Vec<Field> {
    model
        .fields()
        .into_iter()
        .filter(|f| !f.read_only && !f.change_only)
        .collect()
}

/// The change form's fields; all read-only when the staff member may only view.
pub(crate) fn change_fields(model: &dyn ModelAdmin, editable: bool) -> Vec<Field> {
    model
        .fields()
        .into_iter()
        .filter(|f| !f.add_only)
        .map(|f| if editable { f } else { f.read_only() })
        .collect()
}

/// What an audit-log entry says about a saved change: the changed fields, and for a
/// multiple-choice field what was added and removed ("Changed Groups (added: Catalog
/// editors).").
fn change_message(
    fields: &[Field],
    choices: &BTreeMap<&'static str, Vec<Choice>>,
    before: &Object,
    after: &Object,
) -> String {
    let mut changed = Vec::new();
    for f in fields.iter().filter(|f| !f.read_only) {
        if before.values.get(f.name) == after.values.get(f.name) {
            continue;
        }
        if f.kind != FieldKind::MultipleChoice {
            changed.push(f.label.to_string());
            continue;
        }
        let (old, new) = (
            chosen(&before.values, f.name),
            chosen(&after.values, f.name),
        );
        let offered = choices.get(f.name).map(Vec::as_slice).unwrap_or_default();
        let added: Vec<String> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
        let removed: Vec<String> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("added: {}", labels_of(offered, &added).join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!(
                "removed: {}",
                labels_of(offered, &removed).join(", ")
            ));
        }
        changed.push(format!("{} ({})", f.label, parts.join("; ")));
    }
    // An editable inline whose rows changed (the images) is named by its title.
    let rows_of = |i: &web_modeladmin::Inline| i.edit.as_ref().map(|e| e.rows.clone());
    for new in after.inlines.iter().filter(|i| i.edit.is_some()) {
        let old = before.inlines.iter().find(|i| i.title == new.title);
        if old.is_none_or(|old| rows_of(old) != rows_of(new)) {
            changed.push(new.title.clone());
        }
    }
    if changed.is_empty() {
        "No fields changed.".to_string()
    } else {
        format!("Changed {}.", changed.join(", "))
    }
}

/// The errors not shown beside an inline's input.
fn outside_inlines(errors: &FieldErrors, inlines: &[InlineView]) -> FieldErrors {
    errors
        .iter()
        .filter(|(name, _)| !inlines.iter().any(|i| i.inputs_with_errors.contains(name)))
        .map(|(name, messages)| (name.clone(), messages.clone()))
        .collect()
}

/// Runs `save` unless reading the form found errors; the files stored for the form are
/// released when nothing was saved.
async fn saved_or_released(
    state: &AppState,
    stored: &[String],
    errors: FieldErrors,
    save: impl std::future::Future<Output = Result<web_modeladmin::Saved, Error>>,
) -> Result<web_modeladmin::Saved, Error> {
    let saved = if errors.is_empty() {
        save.await
    } else {
        Ok(Err(errors))
    };
    if !matches!(saved, Ok(Ok(_))) {
        uploads::release(state, stored).await?;
    }
    saved
}

async fn render_add(
    page: Page,
    target: &StaffModel,
    state: &AppState,
    reverser: &Reverser,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let model = target.model.as_ref();
    let info = target.info(reverser)?;
    let shown = add_fields(model);
    let choices = choices_of(model, state, &shown).await?;
    let multipart = takes_files(&shown);
    let pictures = pictures_of(state, &shown, values).await?;
    let fields = form_fields(shown, values, &choices, &pictures, errors);
    page.render_with_status(
        form_status(errors),
        "admin/change_form.html",
        context! {
            title => format!("Add {}", model.verbose_name().to_lowercase()),
            multipart,
            action_url => info.add_url.clone(),
            non_field_errors => other_errors(&fields, errors),
            model => info,
            fields,
            adding => true,
        },
    )
    .await
}

/// Refuses (403) adding when the model admin offers no add or the staff member may not.
fn may_add(target: &StaffModel) -> Result<(), Error> {
    if !target.model.can_add() {
        return Err(Error::forbidden());
    }
    target.require("add")
}

/// `GET /admin/{app}/{model}/add/`
pub async fn add_form(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    may_add(&target)?;
    render_add(
        page,
        &target,
        &state,
        &reverser,
        &BTreeMap::new(),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /admin/{app}/{model}/add/`: saved → the object's page; refused → the form again.
pub async fn add(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
    messages: Messages,
    submitted: Submitted,
) -> Result<Response, Error> {
    may_add(&target)?;
    let model = &target.model;
    let ReadForm {
        form,
        stored,
        errors,
    } = uploads::read(&state, &add_fields(model.as_ref()), submitted).await?;
    let saved = saved_or_released(&state, &stored, errors, async {
        let refused = model
            .authorize(&state, target.actor(), None, Some(&form))
            .await?;
        if refused.is_empty() {
            model.create(&state, &form).await
        } else {
            Ok(Err(refused))
        }
    })
    .await?;
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
            render_add(page, &target, &state, &reverser, &values, &errors).await
        }
    }
}

/// Whether the change form is editable: the model admin offers changes and the staff
/// member may make them (else it is shown read-only, with `view`).
fn may_change(target: &StaffModel) -> bool {
    target.model.can_change() && target.may("change")
}

async fn render_change(
    page: Page,
    target: &StaffModel,
    state: &AppState,
    reverser: &Reverser,
    object: &Object,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let model = target.model.as_ref();
    let info = target.info(reverser)?;
    let editable = may_change(target);
    let shown = change_fields(model, editable);
    let choices = choices_of(model, state, &shown).await?;
    let multipart = takes_files(&shown);
    let pictures = pictures_of(state, &shown, values).await?;
    let fields = form_fields(shown, values, &choices, &pictures, errors);
    let inlines: Vec<InlineView> = inline_views(&object.inlines, editable, values, errors);
    let actions: Vec<_> = model
        .actions()
        .into_iter()
        .filter(|a| target.may_run(a))
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
            non_field_errors => other_errors(&fields, &outside_inlines(errors, &inlines)),
            object => context! { id => object.id, repr => object.repr },
            inlines,
            multipart,
            model => info,
            fields,
            actions,
            adding => false,
        },
    )
    .await
}

/// `GET /admin/{app}/{model}/{id}/change/`: editable with `change`, read-only with `view`.
pub async fn change_form(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
) -> Result<Response, Error> {
    target.require("view")?;
    let object = target.authorized_object(&state).await?;
    let values = object.values.clone();
    render_change(
        page,
        &target,
        &state,
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
    submitted: Submitted,
) -> Result<Response, Error> {
    let model = &target.model;
    if !model.can_change() {
        return Err(Error::forbidden());
    }
    target.require("change")?;
    let before = target.authorized_object(&state).await?;
    let ReadForm {
        form,
        stored,
        errors,
    } = uploads::read(&state, &change_fields(model.as_ref(), true), submitted).await?;
    let saved = saved_or_released(&state, &stored, errors, async {
        let refused = model
            .authorize(&state, target.actor(), Some(before.id), Some(&form))
            .await?;
        if refused.is_empty() {
            model.update(&state, before.id, &form).await
        } else {
            Ok(Err(refused))
        }
    })
    .await?;
    match saved {
        Ok(id) => {
            let after = object_or_404(model.as_ref(), &state, id).await?;
            let fields = change_fields(model.as_ref(), true);
            let choices = choices_of(model.as_ref(), &state, &fields).await?;
            let message = change_message(&fields, &choices, &before, &after);
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
            Ok(Redirect::to(&target.info(&reverser)?.changelist_path).into_response())
        }
        Err(errors) => {
            let values = submitted_values(&change_fields(model.as_ref(), true), &form);
            render_change(page, &target, &state, &reverser, &before, &values, &errors).await
        }
    }
}
