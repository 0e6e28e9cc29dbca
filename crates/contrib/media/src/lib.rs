//! Media files (Django's `FileField`/`ImageField` with django-storages), an extra the
//! project installs like an app: [`Media`], labelled `media` like its settings section.
//!
//! - **Storage** ([`Storage`], on the `object_store` crate): a local folder by default
//!   (`media.storage_url = "file://./media"`), an S3-compatible bucket in production
//!   (`s3://BUCKET?endpoint=…&region=…`), the same code for both. Every operation is
//!   bounded by `media.timeout_seconds`; a storage that is down or slow answers `503`.
//! - **Names are content**: a file is stored as the SHA-256 of its bytes
//!   (`ab/ab12….jpg`), so the same photo uploaded twice is one file, and a name never
//!   changes what it serves (cached for a year, `immutable`). Writes are atomic: the
//!   local backend writes a temporary file and renames it; S3 puts are whole objects.
//! - **Uploads** ([`MediaStore::receive`], [`MediaStore::clean_image`]): the file streams
//!   to a temporary file against `media.max_upload_bytes` (`413`); images are recognised
//!   by their bytes (JPEG, PNG, WebP, GIF; anything else `422`), refused over
//!   `media.max_pixels` (`422`), and stored without EXIF, GPS, XMP or comments.
//! - **Fields**: a model stores the file's name in a column it declares with
//!   [`InstallMedia::media_field`]; [`MediaStore::save_image`] records the file in the same
//!   transaction as the row, [`release`] (in the transaction that drops a
//!   reference) queues its removal, which happens after the commit once no declared
//!   field names it. `project cleanup` removes what an interrupted upload left.
//! - **Thumbnails** (`media.thumbnail_sizes`, JPEG) are made by a background job; until
//!   they exist [`MediaStore::urls`] gives the original as the thumbnail.
//!
//! ```ignore
//! // in the handler: receive, check, then record with the row that references it
//! let mut upload = media.receive(multipart, "file").await?;
//! let image = media.clean_image(upload.take_file()?).await?;
//! write_transaction(&db, |txn| Box::pin(async move {
//!     let file = media.save_image(txn, &image).await?;
//!     photo::insert(txn, &file.name).await
//! })).await?;
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::Multipart;
use sea_orm::ConnectionTrait;
use tokio::sync::Semaphore;
use web::settings::{Settings, SettingsError};
use web::state::AppState;
use web::{App, Installer, Services};
use web_jobs::InstallJobs;
use web_schema::InstallSchema;

pub mod documents;
pub mod files;
pub mod images;
/// The app's migrations (its own group, which the project's `migration` crate lists).
pub mod migrations;
mod removal;
mod serve;
pub mod settings;
pub mod storage;
mod tasks;
mod upload;

pub use documents::{CleanDocument, CleanFile, DocumentError, DocumentKind, StoredKind};
pub use files::{MediaField, MediaFile};
pub use images::{CleanImage, ImageError, ImageKind};
pub use removal::RemovalError;
pub use settings::MediaSettings;
pub use storage::{Storage, StorageError};
pub use tasks::{FileJob, MakeThumbnails, RemoveUnreferenced};
pub use upload::{ReceivedFile, Upload, UploadError};

/// A multipart form's own bytes (boundaries, headers, the text fields) on top of its file.
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

/// The `media` app: reads `[media]`, provides [`MediaStore`], serves local files.
pub struct Media;

#[async_trait]
impl App for Media {
    fn label(&self) -> &'static str {
        "media"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["jobs"]
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        app.entities(vec![web_schema::EntitySchema::of::<files::Entity>()])
            .migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"));
        app.task::<MakeThumbnails>().task::<RemoveUnreferenced>();
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let media = MediaSettings::from_settings(settings)?;
        let storage = Storage::from_settings(&media)
            .map_err(|e| SettingsError::new("media.storage_url", e))?;
        let hot = serve::HotFiles::new(if storage.folder().is_some() {
            media.memory_cache_bytes
        } else {
            0
        });
        if let Some(folder) = storage.folder() {
            services.get_or_insert_default::<web::ServedFiles>().add(
                &media.url_prefix,
                serve::router(&media.url_prefix, folder, hot.clone()),
            );
        }
        if let Some(origin) = storage.image_origin() {
            services
                .get_or_insert_default::<web::csp::CspImageSources>()
                .0
                .push(origin);
        }
        services.insert(web::UploadLimit(
            media.max_upload_bytes.saturating_add(FORM_OVERHEAD_BYTES),
        ));
        services.insert(MediaStore {
            hot,
            storage,
            settings: Arc::new(media),
            // Decoding is memory-hungry: one image at a time per process.
            processing: Arc::new(Semaphore::new(1)),
        });
        Ok(())
    }

    fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        let media = match MediaSettings::from_settings(settings) {
            Ok(media) => media,
            Err(e) => return vec![e.to_string()],
        };
        let mut problems = Vec::new();
        if deploy && media.storage_url.starts_with("file://") {
            problems.push(format!(
                "{}media.storage_url keeps files in a local folder: every server of the site needs that same folder (or use an s3:// bucket)",
                web::cli::WARNING
            ));
        }
        problems
    }

    async fn cleanup(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let media: MediaStore = state.service()?;
        let removed = removal::cleanup(state, &media).await?;
        Ok(vec![("unreferenced media files".into(), removed)])
    }
}

/// Declaring file fields, in an app's `install`.
pub trait InstallMedia {
    /// `table.column` stores media file names: a file stays while any row names it.
    fn media_field(&mut self, table: &'static str, column: &'static str) -> &mut Self;
}

impl InstallMedia for Installer<'_> {
    fn media_field(&mut self, table: &'static str, column: &'static str) -> &mut Self {
        self.add(MediaField { table, column })
    }
}

/// Queues the removal of the file `name` after `txn` commits, unless a row still names
/// it then: call it in the transaction that drops a reference.
pub async fn release<C: ConnectionTrait>(txn: &C, name: &str) -> Result<(), sea_orm::DbErr> {
    web_jobs::enqueue::<RemoveUnreferenced, _>(
        txn,
        &FileJob {
            name: name.to_owned(),
        },
    )
    .await
    .map(drop)
}

/// Why recording a file failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl web::db::TransactionError for MediaError {
    fn is_retryable(&self) -> bool {
        matches!(self, MediaError::Db(e) if web::db::is_retryable(e))
    }
}

impl From<MediaError> for web::Error {
    fn from(e: MediaError) -> web::Error {
        match e {
            MediaError::Db(e) => e.into(),
            MediaError::Storage(e) => e.into(),
        }
    }
}

/// A stored image's addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrls {
    pub url: String,
    /// The smallest thumbnail, or the original until one exists.
    pub thumbnail_url: String,
}

/// The media service handlers and tasks take (`Dep(media): Dep<MediaStore>`).
#[derive(Clone)]
pub struct MediaStore {
    storage: Storage,
    hot: serve::HotFiles,
    settings: Arc<MediaSettings>,
    processing: Arc<Semaphore>,
}

impl MediaStore {
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn settings(&self) -> &MediaSettings {
        &self.settings
    }

    pub(crate) fn processing(&self) -> Arc<Semaphore> {
        self.processing.clone()
    }

    /// Removes `name` (its row, file and thumbnails) unless a declared field still names
    /// it; whether it went. This process stops serving it from memory at once.
    pub(crate) async fn remove_if_unreferenced(
        &self,
        db: &sea_orm::DatabaseConnection,
        fields: &[MediaField],
        name: &str,
    ) -> Result<bool, RemovalError> {
        let removed = removal::remove_if_unreferenced(db, &self.storage, fields, name).await?;
        for object in &removed {
            self.hot.forget(object);
        }
        Ok(!removed.is_empty())
    }

    /// Reads a multipart form whose file is the part `file_field`.
    pub async fn receive(
        &self,
        multipart: Multipart,
        file_field: &str,
    ) -> Result<Upload, UploadError> {
        self.receive_form(multipart, &[file_field]).await
    }

    /// Reads a multipart form whose files are the parts named in `file_fields` (an admin
    /// form with several image fields); each file at most `media.max_upload_bytes`.
    pub async fn receive_form(
        &self,
        multipart: Multipart,
        file_fields: &[&str],
    ) -> Result<Upload, UploadError> {
        upload::receive(multipart, file_fields, self.settings.max_upload_bytes).await
    }

    /// Checks an uploaded image and drops its metadata. One image at a time per process
    /// is in memory: the returned image holds the process's turn until it is dropped
    /// (stored), so concurrent uploads wait on disk, not in memory.
    pub async fn clean_image(&self, file: ReceivedFile) -> Result<CleanImage, UploadError> {
        match self.clean(file, false).await? {
            CleanFile::Image(image) => Ok(image),
            CleanFile::Document(_) => Err(ImageError::NotAnImage.into()),
        }
    }

    /// Checks an upload for a file field: an image (cleaned as [`clean_image`] does), a
    /// PDF or plain text; anything else `422`. It holds the process's turn like an image.
    ///
    /// [`clean_image`]: MediaStore::clean_image
    pub async fn clean_file(&self, file: ReceivedFile) -> Result<CleanFile, UploadError> {
        self.clean(file, true).await
    }

    async fn clean(
        &self,
        mut file: ReceivedFile,
        documents_too: bool,
    ) -> Result<CleanFile, UploadError> {
        let max_pixels = self.settings.max_pixels;
        let turn = self
            .processing
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| UploadError::Io(std::io::Error::other(e)))?;
        let clean = tokio::task::spawn_blocking(move || {
            let bytes = file.read_all()?;
            if documents_too && ImageKind::sniff(&bytes).is_none() {
                return Ok(CleanFile::Document(documents::clean(bytes)?));
            }
            Ok::<_, UploadError>(CleanFile::Image(images::clean(bytes, max_pixels)?))
        })
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e)))??;
        let turn = Some(Arc::new(turn));
        Ok(match clean {
            CleanFile::Image(mut image) => {
                image.turn = turn;
                CleanFile::Image(image)
            }
            CleanFile::Document(mut document) => {
                document.turn = turn;
                CleanFile::Document(document)
            }
        })
    }

    /// Stores `image` and records it in `txn` (queueing its thumbnails when it is new).
    /// Call it in the transaction that writes the row referencing it: if that rolls
    /// back, the stored file has no row, and `project cleanup` removes it.
    pub async fn save_image(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        image: &CleanImage,
    ) -> Result<MediaFile, MediaError> {
        let recorded = files::Recorded {
            kind: StoredKind::Image(image.kind),
            size: image.len(),
            width: image.width,
            height: image.height,
        };
        self.save(txn, image.chunks.clone(), &recorded).await
    }

    /// Stores a file field's upload and records it in `txn`, as [`save_image`] does.
    ///
    /// [`save_image`]: MediaStore::save_image
    pub async fn save_file(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        file: &CleanFile,
    ) -> Result<MediaFile, MediaError> {
        match file {
            CleanFile::Image(image) => self.save_image(txn, image).await,
            CleanFile::Document(document) => {
                let recorded = files::Recorded {
                    kind: StoredKind::Document(document.kind),
                    size: document.bytes.len(),
                    width: 0,
                    height: 0,
                };
                self.save(txn, vec![document.bytes.clone()], &recorded)
                    .await
            }
        }
    }

    async fn save(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        chunks: Vec<bytes::Bytes>,
        recorded: &files::Recorded,
    ) -> Result<MediaFile, MediaError> {
        let name = files::name_for(&chunks, recorded.kind);
        let new = files::record(txn, &name, recorded).await?;
        // Under the row's lock: a removal of the same bytes has finished or waits.
        self.storage.put(&name, chunks).await?;
        if new && matches!(recorded.kind, StoredKind::Image(_)) {
            web_jobs::enqueue::<MakeThumbnails, _>(txn, &FileJob { name: name.clone() }).await?;
        }
        files::find(txn, &name)
            .await?
            .ok_or_else(|| MediaError::Db(sea_orm::DbErr::RecordNotFound(name)))
    }

    /// Stores `image` in a transaction of its own and returns its record: for a form that
    /// hands the stored name to code that writes the referencing row afterwards (the
    /// admin site). Until a row names it, `project cleanup` may remove it after a day;
    /// [`release`] it when the row is not written.
    pub async fn store_image(
        &self,
        db: &sea_orm::DatabaseConnection,
        image: &CleanImage,
    ) -> Result<MediaFile, MediaError> {
        self.store_file(db, &CleanFile::Image(image.clone())).await
    }

    /// Stores a file field's upload in a transaction of its own, as [`store_image`] does.
    ///
    /// [`store_image`]: MediaStore::store_image
    pub async fn store_file(
        &self,
        db: &sea_orm::DatabaseConnection,
        file: &CleanFile,
    ) -> Result<MediaFile, MediaError> {
        web::db::write_transaction_as::<_, MediaError, _>(db, |txn| {
            let (media, file) = (self.clone(), file.clone());
            Box::pin(async move { media.save_file(txn, &file).await })
        })
        .await
    }

    /// The addresses of the stored image `name` (its thumbnails read from its record);
    /// `None` when no such file is recorded.
    pub async fn urls_of<C: ConnectionTrait>(
        &self,
        db: &C,
        name: &str,
    ) -> Result<Option<ImageUrls>, web::Error> {
        let Some(file) = files::find(db, name).await? else {
            return Ok(None);
        };
        Ok(Some(self.urls(&file.name, &file.thumbnails).await?))
    }

    /// The addresses of the image `name` whose thumbnails are `thumbnails` (`320,960`).
    pub async fn urls(&self, name: &str, thumbnails: &str) -> Result<ImageUrls, StorageError> {
        let url = self.storage.url(name).await?;
        let thumbnail_url = match files::widths(thumbnails).into_iter().min() {
            Some(width) => {
                self.storage
                    .url(&files::thumbnail_name(name, width))
                    .await?
            }
            None => url.clone(),
        };
        Ok(ImageUrls { url, thumbnail_url })
    }
}
