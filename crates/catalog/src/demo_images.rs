//! Pictures for the demo catalog, drawn at seed time (no files to ship or download): a
//! soft gradient in the colours of the product's kind (coffee, tea, gear, cups, sweets)
//! with a round "product" in the middle, each product's shade its own.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use web_media::MediaStore;

use crate::models::{image as product_image, product};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

/// The colours of a kind of product (`COF-…`, `TEA-…`): background and object.
fn palette(sku: &str) -> ([u8; 3], [u8; 3]) {
    match sku.split('-').next().unwrap_or_default() {
        "COF" => ([236, 222, 204], [111, 78, 55]),
        "TEA" => ([226, 238, 218], [96, 128, 72]),
        "GEAR" => ([222, 226, 232], [70, 84, 102]),
        "CUP" => ([240, 232, 226], [176, 92, 74]),
        "SWT" => ([244, 228, 222], [120, 60, 48]),
        _ => ([235, 235, 235], [110, 110, 110]),
    }
}

/// A JPEG picture for `sku`.
pub fn picture(sku: &str) -> Vec<u8> {
    let (background, object) = palette(sku);
    // Each product's own shade and size, from its SKU.
    let seed = sku
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let shade = (seed % 40) as i32 - 20;
    let radius = 110.0 + f64::from(seed % 50);
    let tint = |c: u8, d: i32| (i32::from(c) + d).clamp(0, 255) as u8;
    let (cx, cy) = (f64::from(WIDTH) / 2.0, f64::from(HEIGHT) / 2.0 + 20.0);
    let image = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let distance = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
        let light = (fy / f64::from(HEIGHT) * 30.0) as i32;
        if distance < radius {
            // Lit from the top left.
            let shine = (((cx - fx) + (cy - fy)) / radius * 25.0) as i32;
            Rgb(object.map(|c| tint(c, shade + shine)))
        } else if distance < radius + 14.0 && fy > cy {
            Rgb(background.map(|c| tint(c, -40))) // the shadow
        } else {
            Rgb(background.map(|c| tint(c, shade / 2 - light)))
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encoding to memory");
    out.into_inner()
}

/// Gives each of `skus` that has no image yet its picture; how many got one. Thumbnails
/// follow by the usual job.
pub async fn add_missing(
    db: &DatabaseConnection,
    media: &MediaStore,
    skus: &[String],
) -> anyhow::Result<usize> {
    let products: Vec<(i64, String)> = product::Entity::find()
        .select_only()
        .columns([product::Column::Id, product::Column::Sku])
        .filter(product::Column::Sku.is_in(skus.iter().map(String::as_str)))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i64> = products.iter().map(|(id, _)| *id).collect();
    let with_images = product_image::of_products(db, media, &ids).await?;
    let mut added = 0;
    for (id, sku) in products {
        if with_images.contains_key(&id) {
            continue;
        }
        let image = web_media::images::clean(picture(&sku).into(), media.settings().max_pixels)?;
        let name = sku.split('-').next().unwrap_or_default().to_lowercase();
        product_image::add(db, media, id, &image, &format!("Product photo ({name})"))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        added += 1;
    }
    Ok(added)
}
