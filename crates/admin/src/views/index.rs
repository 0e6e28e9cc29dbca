//! `/admin/`: the models the staff member may view, grouped by app, and the latest
//! changes to them.

use accounts::RequireStaff;
use accounts::extract::Perms;
use axum::extract::State;
use axum::response::Response;
use web::{AppState, Dep, Error, Page, Reverser, context};
use web_modeladmin::AdminRegistry;

use super::{ModelInfo, href, model_permission, object_url};
use crate::models;

/// How many recent changes the index lists.
const RECENT: usize = 10;

/// `/admin/`: the models the staff member may view (`APP.view_MODEL`) grouped by app,
/// and the latest changes to those models.
pub async fn index(
    RequireStaff(_): RequireStaff,
    perms: Perms,
    page: Page,
    State(state): State<AppState>,
    Dep(registry): Dep<AdminRegistry>,
    reverser: Reverser,
) -> Result<Response, Error> {
    let perms = perms.all().await?;
    let may_view = |app: &str, model: &str| {
        registry
            .find(app, model)
            .is_some_and(|m| perms.has(&model_permission(m.as_ref(), "view")))
    };
    let mut apps: Vec<(&str, Vec<ModelInfo>)> = Vec::new();
    for model in registry
        .0
        .iter()
        .filter(|m| may_view(m.app_label(), m.model_name()))
    {
        let info = ModelInfo::new(model.as_ref(), &reverser, &perms)?;
        match apps
            .iter_mut()
            .find(|(label, _)| *label == model.app_label())
        {
            Some((_, models)) => models.push(info),
            None => apps.push((model.app_label(), vec![info])),
        }
    }
    // Changes to models the staff member may not view are not theirs to see.
    let recent = models::recent(state.db(), 10 * RECENT as u64).await?;
    let recent: Vec<_> = recent
        .into_iter()
        .filter(|e| may_view(&e.app_label, &e.model_name))
        .take(RECENT)
        .map(|e| {
            let url = registry
                .find(&e.app_label, &e.model_name)
                .filter(|_| e.action != "deleted")
                .and_then(|m| object_url(&reverser, "admin:change", m.as_ref(), e.object_id).ok())
                .map(href);
            context! { entry => e, url }
        })
        .collect();
    page.render(
        "admin/index.html",
        context! { apps => apps.into_iter().map(|(label, models)| context! { label, models }).collect::<Vec<_>>(), recent },
    )
    .await
}
