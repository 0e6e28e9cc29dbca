//! The tables under an object's change form: read-only, or with fields staff edit in
//! place ([`web_modeladmin::InlineEdit`]), which are then part of the change form.

use std::collections::BTreeMap;

use serde::Serialize;
use web::FieldErrors;
use web_modeladmin::{Inline, InlineEdit};

use super::forms::kind_name;

/// An inline as the template draws it.
#[derive(Serialize)]
pub(crate) struct InlineView {
    title: String,
    columns: Vec<String>,
    rows: Vec<InlineRowView>,
    picture_column: Option<usize>,
    /// Drawn inside the change form, its inputs saved with it.
    editable: bool,
    /// The inputs whose errors are shown beside them.
    #[serde(skip)]
    pub(crate) inputs_with_errors: Vec<String>,
}

impl InlineView {
    /// `inline` drawn with `columns` and `rows`; editable when given the inputs showing
    /// errors.
    fn of(
        inline: &Inline,
        columns: Vec<String>,
        rows: Vec<InlineRowView>,
        inputs_with_errors: Option<Vec<String>>,
    ) -> Self {
        InlineView {
            title: inline.title.clone(),
            columns,
            rows,
            picture_column: inline.picture_column,
            editable: inputs_with_errors.is_some(),
            inputs_with_errors: inputs_with_errors.unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
struct InlineRowView {
    cells: Vec<String>,
    inputs: Vec<InlineInput>,
    /// The delete box's name, when rows may be deleted.
    delete: Option<String>,
    delete_checked: bool,
}

#[derive(Serialize)]
struct InlineInput {
    name: String,
    label: &'static str,
    kind: &'static str,
    value: String,
    errors: Vec<String>,
}

/// The inlines of an object; editable ones only when the staff member may change it.
/// Submitted `values` (a refused form) win over the rows' own.
pub(crate) fn inline_views(
    inlines: &[Inline],
    editable: bool,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Vec<InlineView> {
    inlines
        .iter()
        .map(|inline| match inline.edit.as_ref().filter(|_| editable) {
            Some(edit) => editable_view(inline, edit, values, errors),
            None => read_only_view(inline),
        })
        .collect()
}

/// An inline shown as text; an editable one's fields become columns.
fn read_only_view(inline: &Inline) -> InlineView {
    let mut columns = inline.columns.clone();
    let fields = inline
        .edit
        .as_ref()
        .map(|e| e.fields.as_slice())
        .unwrap_or_default();
    columns.extend(fields.iter().map(|f| f.label.to_string()));
    let rows = inline
        .rows
        .iter()
        .enumerate()
        .map(|(at, cells)| {
            let mut cells = cells.clone();
            if let Some((_, values)) = inline.edit.as_ref().and_then(|e| e.rows.get(at)) {
                cells.extend(
                    fields
                        .iter()
                        .map(|f| values.get(f.name).cloned().unwrap_or_default()),
                );
            }
            InlineRowView {
                cells,
                inputs: Vec::new(),
                delete: None,
                delete_checked: false,
            }
        })
        .collect();
    InlineView::of(inline, columns, rows, None)
}

fn editable_view(
    inline: &Inline,
    edit: &InlineEdit,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> InlineView {
    let mut columns = inline.columns.clone();
    columns.extend(edit.fields.iter().map(|f| f.label.to_string()));
    if edit.can_delete {
        columns.push("Delete".into());
    }
    let mut inputs_with_errors = Vec::new();
    let rows = inline
        .rows
        .iter()
        .zip(&edit.rows)
        .map(|(cells, (id, current))| {
            let inputs = edit
                .fields
                .iter()
                .map(|f| {
                    let name = InlineEdit::input_name(edit.prefix, *id, f.name);
                    let value = values
                        .get(&name)
                        .or_else(|| current.get(f.name))
                        .cloned()
                        .unwrap_or_default();
                    let errors = errors.get(&name).cloned().unwrap_or_default();
                    if !errors.is_empty() {
                        inputs_with_errors.push(name.clone());
                    }
                    InlineInput {
                        label: f.label,
                        kind: kind_name(&f.kind),
                        value,
                        errors,
                        name,
                    }
                })
                .collect();
            let delete_name = InlineEdit::input_name(edit.prefix, *id, "delete");
            InlineRowView {
                cells: cells.clone(),
                inputs,
                delete_checked: values.contains_key(&delete_name),
                delete: edit.can_delete.then_some(delete_name),
            }
        })
        .collect();
    InlineView::of(inline, columns, rows, Some(inputs_with_errors))
}
