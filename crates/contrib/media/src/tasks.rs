//! The media app's background work: thumbnails after an upload, removal after the last
//! reference went.

use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use web::state::AppState;
use web_jobs::Task;

use crate::MediaStore;
use crate::files;
use crate::images::{self, ImageKind};
use crate::removal;
use crate::storage::StorageError;

/// Which file a job is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileJob {
    pub name: String,
}

/// Makes the thumbnails (`media.thumbnail_sizes`) of an uploaded image; until they exist
/// the original is shown.
pub struct MakeThumbnails;

impl Task for MakeThumbnails {
    const NAME: &'static str = "media.make_thumbnails";
    type Payload = FileJob;

    async fn run(state: &AppState, job: FileJob) -> anyhow::Result<()> {
        let media: MediaStore = state.service()?;
        let db = state.db();
        let Some(file) = files::find(db, &job.name).await? else {
            return Ok(()); // removed meanwhile
        };
        if file.thumbnails_ready {
            return Ok(());
        }
        let kind = job
            .name
            .rsplit_once('.')
            .and_then(|(_, ext)| ImageKind::from_extension(ext));
        let original = match media.storage().get(&job.name).await {
            Ok(bytes) => Some(bytes),
            Err(StorageError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let made = match (kind, original) {
            (Some(kind), Some(original)) => {
                let widths = media.settings().thumbnail_sizes.clone();
                let max_pixels = media.settings().max_pixels;
                let permit = media.processing().acquire_owned().await?;
                let made = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    images::thumbnails(&original, kind, &widths, max_pixels)
                })
                .await?;
                // A file the decoder refuses gets no thumbnails (its original is shown),
                // rather than a job retried forever.
                made.unwrap_or_else(|e| {
                    tracing::warn!(file = %job.name, "no thumbnails: {e}");
                    Vec::new()
                })
            }
            _ => Vec::new(),
        };
        let mut widths = Vec::new();
        for (width, bytes) in made {
            media
                .storage()
                .put(
                    &files::thumbnail_name(&job.name, width),
                    [bytes::Bytes::from(bytes)],
                )
                .await?;
            widths.push(width.to_string());
        }
        let mut row = file.into_active_model();
        row.thumbnails = Set(widths.join(","));
        row.thumbnails_ready = Set(true);
        row.update(db).await?;
        Ok(())
    }
}

/// Removes a file (and its thumbnails) once no row references it.
pub struct RemoveUnreferenced;

impl Task for RemoveUnreferenced {
    const NAME: &'static str = "media.remove_unreferenced";
    type Payload = FileJob;

    async fn run(state: &AppState, job: FileJob) -> anyhow::Result<()> {
        let media: MediaStore = state.service()?;
        let fields = removal::fields(state);
        media
            .remove_if_unreferenced(state.db(), &fields, &job.name)
            .await?;
        Ok(())
    }
}
