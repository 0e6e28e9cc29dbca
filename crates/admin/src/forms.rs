//! Reading the admin's requests: the change list's query string, and submitted forms.

use std::collections::BTreeMap;

use web_modeladmin::{FormData, ListQuery, ModelAdmin};

/// Rows per change-list page (Django's `list_per_page` is 100; pages here stay short).
pub const PER_PAGE: u64 = 50;

/// The last page a change list goes to.
const MAX_PAGE: u64 = 1_000_000;

/// `?q=…&o=-price_cents&page=2&is_active=1`: only filter keys the model declares count,
/// only sortable columns sort; anything else is ignored, as Django's admin does.
pub fn list_query(model: &dyn ModelAdmin, pairs: &[(String, String)]) -> ListQuery {
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let sortable: Vec<&str> = model
        .columns()
        .iter()
        .filter(|c| c.sortable)
        .map(|c| c.key)
        .collect();
    let order = get("o").and_then(|o| {
        let (key, descending) = match o.strip_prefix('-') {
            Some(key) => (key.to_string(), true),
            None => (o.clone(), false),
        };
        sortable
            .contains(&key.as_str())
            .then_some((key, descending))
    });
    let mut filters = BTreeMap::new();
    for filter in model.filters() {
        if let Some(value) = get(filter.key).filter(|v| filter.choices.iter().any(|(c, _)| c == v))
        {
            filters.insert(filter.key.to_string(), value);
        }
    }
    ListQuery {
        search: get("q").filter(|q| !q.trim().is_empty()),
        filters,
        order,
        // Capped so the offset stays a number every database takes (a page that far
        // is empty anyway).
        page: get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .map_or(1, |p| p.min(MAX_PAGE)),
        per_page: PER_PAGE,
    }
}

/// A submitted form without the CSRF token. A name sent several times (the checkboxes of
/// a multiple-choice field) keeps every value, one per line, as
/// [`web_modeladmin::chosen`] reads them.
pub fn form_data(pairs: Vec<(String, String)>) -> FormData {
    let mut form = FormData::new();
    for (name, value) in pairs {
        if name == web_sessions::csrf::CSRF_FIELD {
            continue;
        }
        form.entry(name)
            .and_modify(|values: &mut String| {
                values.push('\n');
                values.push_str(&value);
            })
            .or_insert(value);
    }
    form
}
