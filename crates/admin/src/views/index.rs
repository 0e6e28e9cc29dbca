//! `/admin/`: the registered models grouped by app, and the latest changes.

use accounts::RequireStaff;
use axum::extract::State;
use axum::response::Response;
use web::admin::AdminRegistry;
use web::{AppState, Dep, Error, Page, Reverser, context};

use super::{ModelInfo, href, object_url};
use crate::models;

/// `/admin/`: the registered models grouped by app, and the latest changes.
pub async fn index(
    RequireStaff(_): RequireStaff,
    page: Page,
    State(state): State<AppState>,
    Dep(registry): Dep<AdminRegistry>,
    reverser: Reverser,
) -> Result<Response, Error> {
    let mut apps: Vec<(&str, Vec<ModelInfo>)> = Vec::new();
    for model in registry.0.iter() {
        let info = ModelInfo::new(model.as_ref(), &reverser)?;
        match apps
            .iter_mut()
            .find(|(label, _)| *label == model.app_label())
        {
            Some((_, models)) => models.push(info),
            None => apps.push((model.app_label(), vec![info])),
        }
    }
    let recent = models::recent(state.db(), 10).await?;
    let recent: Vec<_> = recent
        .into_iter()
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
