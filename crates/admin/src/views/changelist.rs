//! `/admin/{app}/{model}/`: the change list.

use axum::extract::{RawQuery, State};
use axum::response::Response;

use web::{AppState, Error, Page, PageNav, Reverser, context};

use super::{StaffModel, href, object_url};
use crate::forms::{PER_PAGE, list_query};

/// A link of the change list: its base URL with `params` (empty values left out).
fn list_link(base: &str, params: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!(
            "{base}?{}",
            serde_urlencoded::to_string(kept).unwrap_or_default()
        )
    }
}

/// `/admin/{app}/{model}/`: the change list with search, filters, sorting and pages.
pub async fn changelist(
    target: StaffModel,
    page: Page,
    State(state): State<AppState>,
    reverser: Reverser,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    target.require("view")?;
    let model = &target.model;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let query = list_query(model.as_ref(), &pairs);
    let listing = model.list(&state, &query).await?;
    let info = target.info(&reverser)?;
    let base = info.changelist_path.clone();

    // The current state of the list, as query parameters that links keep or change.
    let search = query.search.clone().unwrap_or_default();
    let (default_key, default_desc) = model.default_ordering();
    let (order_key, order_desc) = query
        .order
        .clone()
        .unwrap_or((default_key.to_string(), default_desc));
    let order_param = |key: &str, desc: bool| {
        if desc {
            format!("-{key}")
        } else {
            key.to_string()
        }
    };
    let current_order = query
        .order
        .as_ref()
        .map(|(k, d)| order_param(k, *d))
        .unwrap_or_default();
    let state_params = |overrides: &[(&str, String)]| -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = vec![
            ("q".into(), search.clone()),
            ("o".into(), current_order.clone()),
        ];
        params.extend(query.filters.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (key, value) in overrides {
            params.retain(|(k, _)| k != key);
            params.push((key.to_string(), value.clone()));
        }
        params
    };
    let link = |overrides: &[(&str, String)]| {
        let params = state_params(overrides);
        let refs: Vec<(&str, String)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        list_link(&base, &refs)
    };

    let columns: Vec<_> = model
        .columns()
        .into_iter()
        .map(|c| {
            let sorted = c.key == order_key;
            let next_desc = sorted && !order_desc;
            let url = c.sortable.then(|| {
                href(link(&[
                    ("o", order_param(c.key, next_desc)),
                    ("page", String::new()),
                ]))
            });
            context! { label => c.label, url, sorted, descending => sorted && order_desc }
        })
        .collect();
    let filters: Vec<_> = model
        .filters()
        .into_iter()
        .map(|f| {
            let chosen = query.filters.get(f.key).cloned();
            let all_url = href(link(&[(f.key, String::new()), ("page", String::new())]));
            let choices: Vec<_> = f
                .choices
                .iter()
                .map(|(value, label)| {
                    context! {
                        label,
                        url => href(link(&[(f.key, value.clone()), ("page", String::new())])),
                        selected => chosen.as_deref() == Some(value.as_str()),
                    }
                })
                .collect();
            context! { label => f.label, all_url, all_selected => chosen.is_none(), choices }
        })
        .collect();
    let rows: Vec<_> = listing
        .rows
        .iter()
        .map(|row| {
            let url = href(
                object_url(&reverser, "admin:change", model.as_ref(), row.id).unwrap_or_default(),
            );
            context! { id => row.id, cells => row.cells, url }
        })
        .collect();
    let PageNav {
        number,
        last,
        previous,
        next,
    } = PageNav::new(query.page, PER_PAGE, listing.total);
    page.render(
        "admin/change_list.html",
        context! {
            model => info,
            columns,
            filters,
            rows,
            total => listing.total,
            search_help => model.search_help(),
            q => search,
            hidden => state_params(&[("q", String::new()), ("page", String::new())])
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>(),
            number,
            last,
            previous_url => previous.map(|n| href(link(&[("page", n.to_string())]))),
            next_url => next.map(|n| href(link(&[("page", n.to_string())]))),
        },
    )
    .await
}
