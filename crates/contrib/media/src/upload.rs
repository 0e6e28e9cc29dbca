//! Receiving a multipart upload: the file streams to a temporary file (never whole in
//! memory), counted against `media.max_upload_bytes`; the other fields are short texts.

use std::io::{Read, Seek, SeekFrom};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use crate::documents::DocumentError;
use crate::images::ImageError;
use crate::storage::StorageError;

/// The most text fields a form may carry besides its files, and their length (an admin
/// form with a row of fields per image has a few dozen; 1 MiB of text at most).
const MAX_FIELDS: usize = 256;
const MAX_FIELD_BYTES: usize = 4096;

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("The request is not a valid multipart form: {0}")]
    Malformed(String),
    #[error("The file is larger than {max} bytes.")]
    TooLarge { max: usize },
    #[error("Choose a file to upload.")]
    MissingFile,
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the body did not arrive in time")]
    BodyTimeout(web::request_time::BodyReadTimeout),
    #[error("could not keep the upload: {0}")]
    Io(#[from] std::io::Error),
}

impl From<UploadError> for web::Error {
    fn from(e: UploadError) -> web::Error {
        match e {
            UploadError::Malformed(_) => web::Error::bad_request(e.to_string()),
            UploadError::TooLarge { .. } => web::error::payload_too_large(),
            UploadError::MissingFile | UploadError::Image(_) | UploadError::Document(_) => {
                web::Error::field("file", e.to_string())
            }
            UploadError::Storage(e) => e.into(),
            UploadError::BodyTimeout(timeout) => timeout.into(),
            UploadError::Io(e) => web::Error::internal(e),
        }
    }
}

fn multipart_error(e: MultipartError, max: usize) -> UploadError {
    if let Some(timeout) = web::request_time::body_timeout(&e) {
        UploadError::BodyTimeout(timeout)
    } else if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE || web::body_limit::over_limit(&e) {
        UploadError::TooLarge { max }
    } else {
        UploadError::Malformed(e.body_text())
    }
}

/// A received file, kept in a temporary file deleted when this is dropped.
#[derive(Debug)]
pub struct ReceivedFile {
    file: std::fs::File,
    pub size: u64,
    /// The name the client gave (shown, never trusted).
    pub client_name: Option<String>,
}

impl ReceivedFile {
    /// The file's bytes (at most `media.max_upload_bytes`); blocking, so call it from
    /// a blocking task.
    pub fn read_all(&mut self) -> std::io::Result<Bytes> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        self.file.seek(SeekFrom::Start(0))?;
        (&self.file).read_to_end(&mut bytes)?;
        Ok(Bytes::from(bytes))
    }
}

/// A received form: its files (the parts named as file fields) and its other fields.
#[derive(Debug)]
pub struct Upload {
    files: Vec<(String, ReceivedFile)>,
    fields: Vec<(String, String)>,
}

impl Upload {
    /// A text field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every text field, in the order sent (a name may repeat).
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The file of the first file field, or `422 file`.
    pub fn take_file(&mut self) -> Result<ReceivedFile, UploadError> {
        if self.files.is_empty() {
            return Err(UploadError::MissingFile);
        }
        Ok(self.files.remove(0).1)
    }

    /// The file sent as `name`, if one was chosen.
    pub fn take(&mut self, name: &str) -> Option<ReceivedFile> {
        let at = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.remove(at).1)
    }
}

/// Reads `multipart`, streaming the parts named in `file_fields` to disk. A file input
/// left empty (no name, no bytes, as browsers send it) is no file.
pub async fn receive(
    mut multipart: Multipart,
    file_fields: &[&str],
    max_bytes: usize,
) -> Result<Upload, UploadError> {
    let mut upload = Upload {
        files: Vec::new(),
        fields: Vec::new(),
    };
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, max_bytes))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if file_fields.contains(&name.as_str()) {
            if upload.files.iter().any(|(n, _)| *n == name) {
                return Err(UploadError::Malformed(format!("more than one `{name}`")));
            }
            let client_name = field.file_name().map(str::to_owned);
            let std_file = tempfile::tempfile()?;
            let mut file = tokio::fs::File::from_std(std_file.try_clone()?);
            // Written as it arrives: tokio would otherwise gather up to 2 MiB per upload.
            file.set_max_buf_size(64 * 1024);
            let mut size: u64 = 0;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_error(e, max_bytes))?
            {
                size += chunk.len() as u64;
                if size > max_bytes as u64 {
                    return Err(UploadError::TooLarge { max: max_bytes });
                }
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            if size == 0 && client_name.as_deref().unwrap_or_default().is_empty() {
                continue;
            }
            upload.files.push((
                name,
                ReceivedFile {
                    file: std_file,
                    size,
                    client_name,
                },
            ));
        } else {
            if upload.fields.len() == MAX_FIELDS {
                return Err(UploadError::Malformed(format!(
                    "more than {MAX_FIELDS} fields"
                )));
            }
            let mut value = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_error(e, max_bytes))?
            {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_FIELD_BYTES {
                    return Err(UploadError::Malformed(format!(
                        "the field `{name}` is longer than {MAX_FIELD_BYTES} bytes"
                    )));
                }
            }
            let value = String::from_utf8(value)
                .map_err(|_| UploadError::Malformed(format!("the field `{name}` is not UTF-8")))?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
}
