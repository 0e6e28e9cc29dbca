//! The accounts models on the admin site: users (with their groups and direct
//! permissions) and groups (with their permissions). Only superusers change who may do
//! what: staff/superuser status, group membership, permissions.

mod groups;
mod users;

pub use groups::GroupAdmin;
pub use users::UserAdmin;

use web::FieldErrors;
use web_modeladmin::{Choice, FormData, chosen};

use crate::models::permission;

/// Every stored permission as a choice, under its app's label.
fn permission_choices(all: Vec<permission::Permission>) -> Vec<Choice> {
    all.into_iter()
        .map(|p| Choice {
            group: p
                .code
                .split_once('.')
                .map_or("", |(app, _)| app)
                .to_string(),
            label: p.name,
            value: p.code,
        })
        .collect()
}

/// Refuses, as a field error, a change of the multiple-choice field `field` from
/// `current` (a non-superuser may submit it unchanged only).
fn refuse_change(
    refused: &mut FieldErrors,
    form: &FormData,
    field: &str,
    mut current: Vec<String>,
    message: &str,
) {
    let mut submitted = chosen(form, field);
    submitted.sort();
    current.sort();
    if submitted != current {
        refused.insert(field.to_string(), vec![message.to_string()]);
    }
}
