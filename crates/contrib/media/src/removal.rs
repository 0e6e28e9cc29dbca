//! Removing files nobody references: after the commit that dropped the last reference
//! (a job), and by `project cleanup` for what an interrupted upload left behind.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait, QuerySelect};
use time::Duration;
use web::state::AppState;

use crate::files::{self, Entity as MediaFiles, MediaField};
use crate::storage::{Storage, StorageError};

/// Why a removal failed (the job is retried).
#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl web::db::TransactionError for RemovalError {
    fn is_retryable(&self) -> bool {
        matches!(self, RemovalError::Db(e) if web::db::is_retryable(e))
    }
}

/// Files older than this may be orphans of an upload still under way only if something
/// is badly wrong: `project cleanup` leaves younger ones alone.
const ORPHAN_AGE: Duration = Duration::days(1);

/// The file fields the installed apps declared.
pub fn fields(state: &AppState) -> Vec<MediaField> {
    state.services().contributions().all::<MediaField>()
}

/// Removes `name` (its row, the file and its thumbnails) unless a field references it.
/// The row stays locked meanwhile, so an upload of the same bytes waits and then stores
/// the file again. The stored objects removed (none when it is still referenced).
pub(crate) async fn remove_if_unreferenced(
    db: &DatabaseConnection,
    storage: &Storage,
    fields: &[MediaField],
    name: &str,
) -> Result<Vec<String>, RemovalError> {
    web::db::write_transaction_as(db, |txn| {
        let (name, storage, fields) = (name.to_owned(), storage.clone(), fields.to_vec());
        Box::pin(async move {
            let row = MediaFiles::find_by_id(name.clone())
                .lock_exclusive()
                .one(txn)
                .await?;
            if files::referenced(txn, &fields, &name).await? {
                return Ok(Vec::new());
            }
            let thumbnails = row
                .as_ref()
                .map(files::Model::thumbnail_widths)
                .unwrap_or_default();
            let mut objects: Vec<String> = thumbnails
                .into_iter()
                .map(|width| files::thumbnail_name(&name, width))
                .collect();
            objects.push(name.clone());
            for object in &objects {
                storage.delete(object).await?;
            }
            if let Some(row) = row {
                row.delete(txn).await?;
            }
            Ok(objects)
        })
    })
    .await
}

/// `project cleanup`'s part: rows a day old that nothing references, and stored files a
/// day old that no row describes. How many files went.
pub(crate) async fn cleanup(
    state: &AppState,
    media: &crate::MediaStore,
) -> Result<u64, RemovalError> {
    let fields = fields(state);
    let db = state.db();
    let cutoff = web::db::now() - ORPHAN_AGE;
    let mut removed = 0;
    for row in files::created_before(db, cutoff).await? {
        if media.remove_if_unreferenced(db, &fields, &row.name).await? {
            removed += 1;
        }
    }
    removed += remove_undescribed(db, media.storage(), cutoff).await?;
    Ok(removed)
}

/// Stored files without a row: left by an upload whose transaction failed after the
/// file was written.
async fn remove_undescribed(
    db: &impl ConnectionTrait,
    storage: &Storage,
    cutoff: time::OffsetDateTime,
) -> Result<u64, RemovalError> {
    const BATCH: usize = 500;
    let mut removed = 0;
    let mut objects = storage.objects();
    loop {
        let page = objects.next_batch(BATCH).await?;
        if page.is_empty() {
            return Ok(removed);
        }
        let old: Vec<_> = page.iter().filter(|o| o.modified < cutoff).collect();
        let candidates: Vec<String> = old
            .iter()
            .filter_map(|o| files::stem_of_object(&o.name))
            .flat_map(|stem| ["jpg", "png", "webp", "gif"].map(|ext| format!("{stem}.{ext}")))
            .collect();
        let described = if candidates.is_empty() {
            Vec::new()
        } else {
            files::existing(db, candidates).await?
        };
        for object in old {
            let Some(stem) = files::stem_of_object(&object.name) else {
                continue;
            };
            let has_row = described
                .iter()
                .any(|n| n.rsplit_once('.').is_some_and(|(s, _)| s == stem));
            if !has_row {
                storage.delete(&object.name).await?;
                removed += 1;
            }
        }
    }
}
