//! The catalog's HTML pages: the paginated, searchable list and the product page.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use web::minijinja::Value;
use web::{Db, Dep, Error, Page, PageOf, Pagination, Path, Reverser, context};
use web_cache::{Cache, CachedPage};
use web_media::MediaStore;

use crate::models::image;
use crate::models::product::{self, ListFilter};
use crate::search_slots::SearchSlots;
use crate::settings::CatalogSettings;

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
}

/// `/` sends visitors to the catalog.
pub async fn home(reverser: Reverser) -> Result<Redirect, Error> {
    Ok(Redirect::to(
        &reverser.reverse("catalog:product_list", &[])?,
    ))
}

/// `/catalog/?q=…&page=…`
pub async fn product_list(
    page: Page,
    cache: Cache,
    db: Db,
    Dep(settings): Dep<Arc<CatalogSettings>>,
    Dep(media): Dep<MediaStore>,
    Dep(searches): Dep<SearchSlots>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let query: ListQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let q = query
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    let pagination = Pagination::lenient(raw.as_deref(), settings.page_size);
    page.render_cached(&cache, "catalog/product_list.html", || async {
        let filter = ListFilter {
            search: q.clone(),
            include_inactive: false,
        };
        let found = searches.list(&db, &filter, &pagination, None).await?;
        let (items, total) = (image::attach(&db, &media, found.items).await?, found.total);
        let listing = PageOf::new(items, &pagination, total);
        let nav = Value::from_serialize(listing.nav());
        Ok(context! { products => listing.items, q, total, ..nav })
    })
    .await
}

/// `/catalog/{slug}/`
pub async fn product_detail(
    page: Page,
    cache: Cache,
    db: Db,
    Dep(media): Dep<MediaStore>,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let reverser = page.reverser().clone();
    let answer = page
        .render_cached(&cache, "catalog/product_detail.html", || async {
            let product = product::find_active_by_slug(&db, &slug)
                .await?
                .ok_or_else(|| Error::not_found("No such product."))?;
            let datasheet_url = match &product.datasheet {
                Some(name) => Some(media.storage().url(name).await?),
                None => None,
            };
            let product = image::attach_one(&db, &media, product).await?;
            Ok(context! { product, datasheet_url })
        })
        .await;
    match answer {
        // A link from before a rename: permanently to the product's page now.
        Err(e) if e.status() == http::StatusCode::NOT_FOUND => {
            match product::renamed_slug(&db, &slug).await? {
                Some(current) => {
                    let to = reverser.reverse("catalog:product_detail", &[("slug", &current)])?;
                    Ok((
                        http::StatusCode::MOVED_PERMANENTLY,
                        [(http::header::LOCATION, to)],
                    )
                        .into_response())
                }
                None => Err(e),
            }
        }
        other => other,
    }
}
