//! Forms with media fields ([`FieldKind::Image`], [`FieldKind::File`]): they arrive as
//! multipart; each chosen file is checked and stored through the media extra before the
//! model admin sees the form, which then holds the stored file's name as the field's value.

use axum::extract::{FromRequest, Multipart, Request};
use web::{AppState, Error, FieldErrors, Form};
use web_media::{CleanFile, MediaStore, UploadError};
use web_modeladmin::{Field, FieldKind, FormData};

use crate::forms::form_data;

/// A submitted admin form: urlencoded, or multipart when it carries files.
pub enum Submitted {
    Fields(Vec<(String, String)>),
    Multipart(Multipart),
}

impl FromRequest<AppState> for Submitted {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Error> {
        let multipart = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            let multipart = Multipart::from_request(req, state)
                .await
                .map_err(|_| web::error::unsupported_media_type())?;
            Ok(Submitted::Multipart(multipart))
        } else {
            let Form(fields) = Form::<Vec<(String, String)>>::from_request(req, state).await?;
            Ok(Submitted::Fields(fields))
        }
    }
}

/// A read form: its values for the model admin, the files stored for it, and the
/// refusals of files a field does not take.
pub struct ReadForm {
    pub form: FormData,
    pub stored: Vec<String>,
    pub errors: FieldErrors,
}

/// The form name of a media field's "clear" box.
pub fn clear_name(field: &str) -> String {
    format!("{field}-clear")
}

/// Reads `submitted` against the form's `fields`: each editable media field gets the
/// name of the file stored for it, `""` when its clear box is ticked, or nothing (keep
/// the current file). Names sent as text for a media field are dropped.
pub async fn read(
    state: &AppState,
    fields: &[Field],
    submitted: Submitted,
) -> Result<ReadForm, Error> {
    let media_fields: Vec<(&'static str, &FieldKind)> = fields
        .iter()
        .filter(|f| f.kind.is_media() && !f.read_only)
        .map(|f| (f.name, &f.kind))
        .collect();
    let names: Vec<&'static str> = media_fields.iter().map(|(name, _)| *name).collect();
    let (pairs, mut upload) = match submitted {
        Submitted::Fields(pairs) => (pairs, None),
        Submitted::Multipart(multipart) => {
            let media: MediaStore = state.service()?;
            let upload = media.receive_form(multipart, &names).await?;
            (upload.fields().to_vec(), Some((media, upload)))
        }
    };
    let mut read = ReadForm {
        form: form_data(pairs),
        stored: Vec::new(),
        errors: FieldErrors::new(),
    };
    if let Some(name) = read
        .form
        .iter()
        .find_map(|(k, v)| (k.contains('\0') || v.contains('\0')).then(|| k.replace('\0', "")))
    {
        read.errors
            .entry(name)
            .or_default()
            .push("Null characters are not allowed.".into());
        return Ok(read);
    }
    for (name, kind) in media_fields {
        read.form.remove(name);
        if read.form.remove(&clear_name(name)).is_some() {
            read.form.insert(name.to_owned(), String::new());
        }
        let Some((media, upload)) = upload.as_mut() else {
            continue;
        };
        let Some(file) = upload.take(name) else {
            continue;
        };
        let clean = if *kind == FieldKind::Image {
            media.clean_image(file).await.map(CleanFile::Image)
        } else {
            media.clean_file(file).await
        };
        match clean {
            Ok(clean) => {
                let file = media.store_file(state.db(), &clean).await?;
                read.form.insert(name.to_owned(), file.name.clone());
                read.stored.push(file.name);
            }
            Err(e @ (UploadError::Image(_) | UploadError::Document(_))) => {
                read.errors
                    .entry(name.to_owned())
                    .or_default()
                    .push(e.to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(read)
}

/// Gives up the files stored for a form that was not saved: each goes (after the
/// commit) unless a row names it.
pub async fn release(state: &AppState, stored: &[String]) -> Result<(), Error> {
    if stored.is_empty() {
        return Ok(());
    }
    web::db::write_transaction(state.db(), |txn| {
        let stored = stored.to_vec();
        Box::pin(async move {
            for name in &stored {
                web_media::release(txn, name).await?;
            }
            Ok(())
        })
    })
    .await
}
