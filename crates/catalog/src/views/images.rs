//! The product images API: uploading (multipart), changing the text or the order, and
//! removing; each needs `catalog.change_product`.

use accounts::extract::RequirePerm;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use web::{Dep, Error, Id, Json, Path};
use web_media::MediaStore;
use web_openapi::Forbidden;

use crate::forms::{ImageInput, upload_alt};
use crate::models::image::{self, ProductImage};
use crate::permissions::ChangeProduct;

/// The path of one image: its product and its own id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ImagePath {
    /// The product's id.
    pub id: i64,
    /// The image's id.
    pub image_id: i64,
}

/// The form of an upload, for the documentation.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// JPEG, PNG, WebP or GIF (recognised by content), at most `media.max_upload_bytes`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    alt: Option<String>,
}

/// Adds an image to a product (`catalog.change_product`) → 201.
#[utoipa::path(
    post,
    path = "/products/{id}/images",
    tag = "catalog",
    summary = "Upload a product image (needs catalog.change_product)",
    params(Id),
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    security(("bearer" = ["catalog.change_product"])),
    responses(
        (status = 201, description = "Stored, without its metadata; thumbnails follow.", body = ProductImage),
        Forbidden,
        (status = 413, description = "Larger than `media.max_upload_bytes` (`payload_too_large`).", body = web::error::ErrorBody),
        (status = 422, description = "Not a JPEG, PNG, WebP or GIF image, or over `media.max_pixels` (`file`), or `alt` too long.", body = web::error::ErrorBody),
        (status = 503, description = "The media storage is unavailable; nothing was stored.", body = web::error::ErrorBody),
    )
)]
pub async fn upload(
    Dep(media): Dep<MediaStore>,
    db: web::Db,
    _: RequirePerm<ChangeProduct>,
    Id(id): Id,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ProductImage>), Error> {
    let multipart = multipart.map_err(|_| web::error::unsupported_media_type())?;
    // A missing product is refused before the body is read.
    crate::models::product::find(&db, id)
        .await?
        .ok_or_else(|| Error::not_found("No product with that id."))?;
    let mut upload = media.receive(multipart, "file").await?;
    let alt = upload_alt(upload.field("alt")).map_err(Error::validation)?;
    let image = media.clean_image(upload.take_file()?).await?;
    let created = image::add(&db, &media, id, &image, &alt).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes an image's `alt` text or `position` (`catalog.change_product`).
#[utoipa::path(
    patch,
    path = "/products/{id}/images/{image_id}",
    tag = "catalog",
    summary = "Change a product image (needs catalog.change_product)",
    params(ImagePath),
    request_body = ImageInput,
    security(("bearer" = ["catalog.change_product"])),
    responses(
        (status = 200, description = "The changed image.", body = ProductImage),
        Forbidden,
        (status = 404, description = "No such image on this product.", body = web::error::ErrorBody),
    )
)]
pub async fn update(
    Dep(media): Dep<MediaStore>,
    db: web::Db,
    _: RequirePerm<ChangeProduct>,
    Path(ImagePath { id, image_id }): Path<ImagePath>,
    Json(input): Json<ImageInput>,
) -> Result<Json<ProductImage>, Error> {
    let changes = input.into_changes().map_err(Error::validation)?;
    Ok(Json(
        image::update(&db, &media, id, image_id, changes).await?,
    ))
}

/// Removes an image (`catalog.change_product`) → 204; its file goes once nothing uses it.
#[utoipa::path(
    delete,
    path = "/products/{id}/images/{image_id}",
    tag = "catalog",
    summary = "Remove a product image (needs catalog.change_product)",
    params(ImagePath),
    security(("bearer" = ["catalog.change_product"])),
    responses(
        (status = 204, description = "Removed."),
        Forbidden,
        (status = 404, description = "No such image on this product.", body = web::error::ErrorBody),
    )
)]
pub async fn delete(
    db: web::Db,
    _: RequirePerm<ChangeProduct>,
    Path(ImagePath { id, image_id }): Path<ImagePath>,
) -> Result<StatusCode, Error> {
    image::delete(&db, id, image_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
