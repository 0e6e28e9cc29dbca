//! The `[media]` settings section.

use std::time::Duration;

use serde::Deserialize;
use web::settings::{Settings, SettingsError};

/// Where files are kept and what an upload may be (`[media]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaSettings {
    /// `file://./media` (a folder, relative to the working directory) or
    /// `s3://BUCKET?endpoint=URL&region=R&allow_http=true` (credentials from
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`).
    #[serde(default = "default_storage_url")]
    pub storage_url: String,
    /// Where the local backend's files are served (`/media/`).
    #[serde(default = "default_url_prefix")]
    pub url_prefix: String,
    /// With S3: the bucket's public address (a CDN); empty: presigned URLs.
    #[serde(default)]
    pub public_url: String,
    /// The largest file an upload may carry (`413 payload_too_large` above it).
    #[serde(default = "default_max_upload_bytes")]
    pub max_upload_bytes: usize,
    /// The most pixels an image may have (decompression bombs: `422` above it).
    #[serde(default = "default_max_pixels")]
    pub max_pixels: u64,
    /// The widths of the thumbnails made of each image, in pixels.
    #[serde(default = "default_thumbnail_sizes")]
    pub thumbnail_sizes: Vec<u32>,
    /// Seconds any one storage operation may take before it fails (`503`).
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// How long a presigned URL stays valid (S3 allows at most 7 days).
    #[serde(default = "default_presign_seconds")]
    pub presign_seconds: u64,
    /// With the local folder: bytes of recently served small files (thumbnails) kept in
    /// memory per process; 0 turns it off.
    #[serde(default = "default_memory_cache_bytes")]
    pub memory_cache_bytes: u64,
}

fn default_storage_url() -> String {
    "file://./media".into()
}
fn default_url_prefix() -> String {
    "/media/".into()
}
fn default_max_upload_bytes() -> usize {
    10 * 1024 * 1024
}
fn default_max_pixels() -> u64 {
    40_000_000
}
fn default_thumbnail_sizes() -> Vec<u32> {
    vec![320, 960]
}
fn default_timeout_seconds() -> u64 {
    10
}
fn default_memory_cache_bytes() -> u64 {
    32 * 1024 * 1024
}
fn default_presign_seconds() -> u64 {
    24 * 3600
}

/// The most a thumbnail's width may be asked to be.
const MAX_THUMBNAIL_WIDTH: u32 = 4096;
/// S3's limit on a presigned URL's life.
const MAX_PRESIGN_SECONDS: u64 = 7 * 24 * 3600;

impl MediaSettings {
    /// The `[media]` section (the first invalid value is the error).
    pub fn from_settings(settings: &Settings) -> Result<MediaSettings, SettingsError> {
        let mut media: MediaSettings = settings.app_section("media")?;
        if let Some(problem) = media.problems().into_iter().next() {
            return Err(problem);
        }
        media.thumbnail_sizes.sort_unstable();
        media.thumbnail_sizes.dedup();
        Ok(media)
    }

    /// Every invalid value.
    pub fn problems(&self) -> Vec<SettingsError> {
        let mut problems = Vec::new();
        if let Err(e) = crate::storage::Location::parse(&self.storage_url) {
            problems.push(SettingsError::new("media.storage_url", e));
        }
        if !self.url_prefix.starts_with('/')
            || !self.url_prefix.ends_with('/')
            || self.url_prefix == "/"
        {
            problems.push(SettingsError::new(
                "media.url_prefix",
                "must start and end with `/` and not be `/` alone (`/media/`)",
            ));
        }
        if !self.public_url.is_empty()
            && !self.public_url.starts_with("https://")
            && !self.public_url.starts_with("http://")
        {
            problems.push(SettingsError::new(
                "media.public_url",
                "must be an http(s) URL, or empty for presigned URLs",
            ));
        }
        if self.max_upload_bytes == 0 {
            problems.push(SettingsError::new(
                "media.max_upload_bytes",
                "must be above 0",
            ));
        }
        if self.max_pixels == 0 {
            problems.push(SettingsError::new("media.max_pixels", "must be above 0"));
        }
        if self
            .thumbnail_sizes
            .iter()
            .any(|&w| w == 0 || w > MAX_THUMBNAIL_WIDTH)
        {
            problems.push(SettingsError::new(
                "media.thumbnail_sizes",
                format!("each width must be between 1 and {MAX_THUMBNAIL_WIDTH} pixels"),
            ));
        }
        if self.timeout_seconds == 0 {
            problems.push(SettingsError::new(
                "media.timeout_seconds",
                "must be above 0",
            ));
        }
        if self.presign_seconds == 0 || self.presign_seconds > MAX_PRESIGN_SECONDS {
            problems.push(SettingsError::new(
                "media.presign_seconds",
                format!("must be between 1 and {MAX_PRESIGN_SECONDS} (7 days, S3's limit)"),
            ));
        }
        problems
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}
