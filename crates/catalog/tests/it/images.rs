//! Product images through HTTP: uploads (what is refused, what is kept of a file), the
//! files served, thumbnails, order, and removal once nothing references a file.

use bytes::Bytes;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use img_parts::ImageEXIF;
use serde_json::{Value, json};
use web_test::{TestApp, TestClient, TestResponse};

use crate::{create, product, project, staff, token_for};

/// A `width`×`height` picture in `format`, with a pattern (so thumbnails differ).
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A TIFF-headed EXIF block with a GPS marker and an orientation (`orientation` 1..=8).
fn exif_block(orientation: u16) -> Bytes {
    let mut exif = b"II*\0\x08\0\0\0".to_vec(); // little-endian TIFF, first IFD at 8
    exif.extend_from_slice(&1u16.to_le_bytes()); // one entry
    exif.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    exif.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    exif.extend_from_slice(&1u32.to_le_bytes());
    exif.extend_from_slice(&orientation.to_le_bytes());
    exif.extend_from_slice(&[0, 0]);
    exif.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    exif.extend_from_slice(b"GPSLatitude 52.3676 N secret-place");
    Bytes::from(exif)
}

/// A JPEG carrying EXIF (GPS text and an orientation) and a comment.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = Bytes::from(picture(width, height, ImageFormat::Jpeg));
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(plain).unwrap();
    jpeg.set_exif(Some(exif_block(orientation)));
    let comment = img_parts::jpeg::JpegSegment::new_with_contents(
        0xFE,
        Bytes::from_static(b"shot at secret-place"),
    );
    jpeg.segments_mut().insert(2, comment);
    jpeg.encoder().bytes().to_vec()
}

pub async fn upload(
    client: &TestClient,
    token: &str,
    product: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> TestResponse {
    let files: Vec<(&str, &str, &[u8])> = file
        .into_iter()
        .map(|(name, bytes)| ("file", name, bytes))
        .collect();
    client
        .post(&format!("/api/catalog/products/{product}/images"))
        .bearer(token)
        .multipart(fields, &files)
        .send()
        .await
}

async fn new_product(app: &TestApp, staff: &str, sku: &str) -> i64 {
    create(&app.client, staff, product(sku, sku)).await["id"]
        .as_i64()
        .unwrap()
}

async fn images_of(app: &TestApp, id: i64) -> Vec<Value> {
    let res = app
        .client
        .get(&format!("/api/catalog/products/{id}"))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["images"].as_array().unwrap().clone()
}

/// What is in the media folder and table: nothing, after a refused upload.
async fn stored_files(app: &TestApp) -> (usize, u64) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let media: web_media::MediaStore = app.state.service().unwrap();
    let folder = media.storage().folder().unwrap().to_path_buf();
    let files = walk_files(&folder).len();
    let rows = web_media::files::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    (files, rows)
}

#[tokio::test]
async fn staff_upload_an_image_served_forever_and_thumbnailed_by_a_job() {
    let app = crate::app().await;
    let staff = staff(&app).await;
    let id = new_product(&app, &staff, "CAM-1").await;
    assert_eq!(images_of(&app, id).await, Vec::<Value>::new());

    let png = picture(800, 600, ImageFormat::Png);
    // The declared type and name are wrong on purpose: the content decides.
    let res = upload(
        &app.client,
        &staff,
        id,
        &[("alt", "The camera, from the front")],
        Some(("camera.jpg", &png)),
    )
    .await;
    res.assert_status(201);
    let image = res.json_value();
    let keys: Vec<&str> = image
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "alt",
            "height",
            "id",
            "position",
            "thumbnail_url",
            "url",
            "width"
        ]
    );
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64()),
        (Some(800), Some(600))
    );
    assert_eq!(image["alt"], "The camera, from the front");
    assert_eq!(image["position"], 0);
    let url = image["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/media/") && url.ends_with(".png"), "{url}");
    // Until the job ran, the thumbnail is the original.
    assert_eq!(image["thumbnail_url"], url.as_str());
    assert_eq!(images_of(&app, id).await, vec![image.clone()]);

    // The file, with the caching a content-addressed name allows.
    let file = app.client.get(&url).send().await;
    file.assert_status(200);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(
        file.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        file.body.as_ref(),
        png.as_slice(),
        "a PNG without metadata is kept as sent"
    );
    let etag = file.header("etag").unwrap().to_string();
    let again = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await;
    again.assert_status(304);
    let part = app
        .client
        .get(&url)
        .header("range", "bytes=0-7")
        .send()
        .await;
    part.assert_status(206);
    assert_eq!(part.body.as_ref(), &png[..8]);
    // No way out of the folder, and no listing of it.
    for path in [
        "/media/../Cargo.toml",
        "/media/%2e%2e/Cargo.toml",
        "/media/",
        &url[..10],
    ] {
        let res = app.client.get(path).send().await;
        assert!(
            matches!(res.status.as_u16(), 400 | 404),
            "{path}: {}",
            res.status
        );
    }

    // The job makes the 320-wide thumbnail (960 is wider than the image).
    assert!(app.run_jobs().await >= 1);
    let image = images_of(&app, id).await.remove(0);
    let thumbnail = image["thumbnail_url"].as_str().unwrap();
    assert!(thumbnail.ends_with("/320.jpg"), "{thumbnail}");
    let thumb = app.client.get(thumbnail).send().await;
    thumb.assert_status(200);
    assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
    let small = image::load_from_memory(&thumb.body).unwrap();
    assert_eq!((small.width(), small.height()), (320, 240));
    // The list shows the same images.
    let list = app
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    assert_eq!(list["items"][0]["images"], json!([image]));
    // The catalog shows the thumbnail; the product page the gallery, with the alt text.
    let page = app.client.get("/catalog/").send().await;
    page.assert_status(200);
    // (Autoescaping writes `/` in attributes as `&#x2f;`, which browsers read as `/`.)
    let unescape = |html: String| html.replace("&#x2f;", "/");
    assert!(
        unescape(page.text()).contains(&format!(
            r#"<img src="{thumbnail}" alt="The camera, from the front" width="64" height="48""#
        )),
        "{}",
        page.text()
    );
    let detail = app.client.get("/catalog/cam-1/").send().await;
    detail.assert_status(200);
    let html = unescape(detail.text());
    assert!(html.contains(&format!(r#"<a href="{url}"><img src="{thumbnail}" alt="The camera, from the front" width="320" height="240""#)), "{html}");
}

#[tokio::test]
async fn stored_images_carry_no_metadata_and_stand_upright() {
    let app = crate::app().await;
    let staff = staff(&app).await;
    let id = new_product(&app, &staff, "EXIF-1").await;
    // Upright already (orientation 1): the JPEG is kept, its EXIF and comment are not.
    let sent = jpeg_with_exif(64, 32, 1);
    assert!(sent.windows(12).any(|w| w == b"secret-place"));
    let res = upload(&app.client, &staff, id, &[], Some(("p.jpg", &sent))).await;
    res.assert_status(201);
    let stored = app
        .client
        .get(res.json_value()["url"].as_str().unwrap())
        .send()
        .await;
    assert!(
        !stored.body.windows(12).any(|w| w == b"secret-place"),
        "metadata left in the file"
    );
    assert!(!stored.body.windows(6).any(|w| w == b"Exif\0\0"));
    let decoded = image::load_from_memory(&stored.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 32));
    // Orientation 6 (turned 90°): stored upright, so its width and height swap.
    let turned = jpeg_with_exif(64, 32, 6);
    let res = upload(&app.client, &staff, id, &[], Some(("t.jpg", &turned))).await;
    res.assert_status(201);
    let image = res.json_value();
    assert_eq!(
        (image["width"].as_i64(), image["height"].as_i64()),
        (Some(32), Some(64))
    );
    let stored = app.client.get(image["url"].as_str().unwrap()).send().await;
    assert!(!stored.body.windows(12).any(|w| w == b"secret-place"));
    // WebP and GIF are taken too.
    for (format, ext, content_type) in [
        (ImageFormat::WebP, "webp", "image/webp"),
        (ImageFormat::Gif, "gif", "image/gif"),
    ] {
        let res = upload(
            &app.client,
            &staff,
            id,
            &[],
            Some(("x.bin", &picture(40, 30, format))),
        )
        .await;
        res.assert_status(201);
        let url = res.json_value()["url"].as_str().unwrap().to_string();
        assert!(url.ends_with(ext), "{url}");
        let stored = app.client.get(&url).send().await;
        assert_eq!(stored.header("content-type"), Some(content_type));
        assert_eq!(image::load_from_memory(&stored.body).unwrap().width(), 40);
    }
}

#[tokio::test]
async fn refused_uploads_change_nothing() {
    let app = TestApp::builder(&project())
        .setting("media.max_pixels", 10_000)
        .build()
        .await;
    let staff = staff(&app).await;
    let customer = token_for(&app, "c@example.com", false).await;
    let id = new_product(&app, &staff, "REF-1").await;
    let png = picture(50, 50, ImageFormat::Png);

    let res = upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("notes.png", b"just some text, not an image")),
    )
    .await;
    res.assert_status(422);
    assert!(
        res.json_value()["error"]["fields"]["file"].is_array(),
        "{}",
        res.text()
    );
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    upload(&app.client, &staff, id, &[], Some(("a.png", svg)))
        .await
        .assert_status(422);
    // A header that promises more pixels than allowed is refused before decoding.
    let bomb = upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("big.png", &picture(101, 100, ImageFormat::Png))),
    )
    .await;
    bomb.assert_status(422);
    assert!(bomb.text().contains("pixels"), "{}", bomb.text());
    upload(&app.client, &staff, id, &[], None)
        .await
        .assert_status(422);
    let long = "a".repeat(201);
    let res = upload(
        &app.client,
        &staff,
        id,
        &[("alt", &long)],
        Some(("p.png", &png)),
    )
    .await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["alt"].is_array());
    upload(&app.client, &customer, id, &[], Some(("p.png", &png)))
        .await
        .assert_status(403);
    upload(&app.client, &staff, 999_999, &[], Some(("p.png", &png)))
        .await
        .assert_status(404);
    let not_multipart = app
        .client
        .post(&format!("/api/catalog/products/{id}/images"))
        .bearer(&staff)
        .json(&json!({"file": "x"}))
        .send()
        .await;
    not_multipart.assert_status(415);
    assert_eq!(stored_files(&app).await, (0, 0));
    assert_eq!(images_of(&app, id).await, Vec::<Value>::new());
}

#[tokio::test]
async fn uploads_may_exceed_the_json_limit_but_not_their_own() {
    let app = TestApp::builder(&project())
        .setting("media.max_upload_bytes", 4_000_000)
        .build()
        .await;
    let staff = staff(&app).await;
    let id = new_product(&app, &staff, "BIG-1").await;
    // About 2.9 MB of noise: more than the 1 MiB every other route takes, and than the
    // 2 MB axum's extractors would take by default.
    let noise = RgbImage::from_fn(990, 990, |x, y| {
        let n =
            (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(2_246_822_519);
        Rgb([(n >> 8) as u8, (n >> 16) as u8, (n >> 24) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(noise)
        .write_to(&mut png, ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    assert!(
        png.len() > 2_200_000 && png.len() < 4_000_000,
        "{}",
        png.len()
    );
    upload(&app.client, &staff, id, &[], Some(("n.png", &png)))
        .await
        .assert_status(201);
    // The same body to a JSON route is over its 1 MiB.
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{id}"))
        .bearer(&staff)
        .body(png.clone(), "application/json")
        .send()
        .await;
    res.assert_status(413);
    // A file over media.max_upload_bytes.
    let mut huge = png.clone();
    huge.extend(std::iter::repeat_n(0u8, 1_500_000));
    let res = upload(&app.client, &staff, id, &[], Some(("h.png", &huge))).await;
    res.assert_status(413);
    assert_eq!(res.error_code(), "payload_too_large");
    assert_eq!(images_of(&app, id).await.len(), 1);
}

#[tokio::test]
async fn images_are_reordered_described_and_removed_with_their_files() {
    let app = crate::app().await;
    let staff = staff(&app).await;
    let mug = new_product(&app, &staff, "MUG-9").await;
    let cup = new_product(&app, &staff, "CUP-9").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let res = upload(
            &app.client,
            &staff,
            mug,
            &[],
            Some(("p.png", &picture(30 + n, 20, ImageFormat::Png))),
        )
        .await;
        res.assert_status(201);
        assert_eq!(res.json_value()["position"], n);
        ids.push(res.json_value()["id"].as_i64().unwrap());
    }
    // The last to the front; the others move down.
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{mug}/images/{}", ids[2]))
        .bearer(&staff)
        .json(&json!({"position": 0, "alt": "  Top view  "}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json_value()["alt"], "Top view");
    let order: Vec<i64> = images_of(&app, mug)
        .await
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [ids[2], ids[0], ids[1]]);
    let positions: Vec<i64> = images_of(&app, mug)
        .await
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);
    // Another product's image is not this one's.
    let path = format!("/api/catalog/products/{cup}/images/{}", ids[0]);
    app.client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"alt": "x"}))
        .send()
        .await
        .assert_status(404);
    app.client
        .delete(&path)
        .bearer(&staff)
        .send()
        .await
        .assert_status(404);
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{mug}/images/{}", ids[0]))
        .bearer(&staff)
        .json(&json!({"position": -1}))
        .send()
        .await;
    res.assert_status(422);

    // The cup shares the first picture's bytes: one file for both.
    let shared = picture(30, 20, ImageFormat::Png);
    let res = upload(&app.client, &staff, cup, &[], Some(("same.png", &shared))).await;
    res.assert_status(201);
    let shared_url = res.json_value()["url"].as_str().unwrap().to_string();
    let first = images_of(&app, mug)
        .await
        .into_iter()
        .find(|i| i["id"] == ids[0])
        .unwrap();
    assert_eq!(first["url"], shared_url.as_str());
    app.run_jobs().await;

    // Removing the mug's copy keeps the file the cup still uses.
    app.client
        .delete(&format!("/api/catalog/products/{mug}/images/{}", ids[0]))
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    app.run_jobs().await;
    app.client.get(&shared_url).send().await.assert_status(200);
    let positions: Vec<i64> = images_of(&app, mug)
        .await
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1]);
    // Deleting the cup (no orders: removed) lets the file go, thumbnails too.
    app.client
        .delete(&format!("/api/catalog/products/{cup}"))
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    app.run_jobs().await;
    app.client.get(&shared_url).send().await.assert_status(404);
    let (files, rows) = stored_files(&app).await;
    assert_eq!((files, rows), (2, 2), "the mug's two other pictures remain");
}

#[tokio::test]
async fn a_broken_storage_answers_503_and_keeps_nothing() {
    let app = crate::app().await;
    let staff = staff(&app).await;
    let id = new_product(&app, &staff, "OUT-1").await;
    let media: web_media::MediaStore = app.state.service().unwrap();
    let folder = media.storage().folder().unwrap().to_path_buf();
    // The folder becomes a file: every write fails (even as root).
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, b"not a folder").unwrap();
    let res = upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("p.png", &picture(20, 20, ImageFormat::Png))),
    )
    .await;
    res.assert_status(503);
    assert_eq!(res.error_code(), "service_unavailable");
    assert_eq!(images_of(&app, id).await, Vec::<Value>::new());
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        web_media::files::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        0
    );
    // Back: uploads work again.
    std::fs::remove_file(&folder).unwrap();
    std::fs::create_dir(&folder).unwrap();
    upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("p.png", &picture(20, 20, ImageFormat::Png))),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn cleanup_removes_day_old_files_nothing_references() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
    let app = crate::app().await;
    let staff = staff(&app).await;
    let id = new_product(&app, &staff, "CLN-1").await;
    let kept = upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("k.png", &picture(30, 30, ImageFormat::Png))),
    )
    .await;
    kept.assert_status(201);
    let orphan = upload(
        &app.client,
        &staff,
        id,
        &[],
        Some(("o.png", &picture(31, 30, ImageFormat::Png))),
    )
    .await;
    orphan.assert_status(201);
    // The orphan loses its reference behind the app's back (no removal job), and both
    // rows and files are two days old.
    app.db()
        .execute_unprepared(&format!(
            "DELETE FROM product_images WHERE id = {}",
            orphan.json_value()["id"]
        ))
        .await
        .unwrap();
    let two_days_ago = web::db::now() - time::Duration::days(2);
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    web_media::files::Entity::update_many()
        .col_expr(
            web_media::files::Column::CreatedAt,
            Expr::value(two_days_ago),
        )
        .filter(web_media::files::Column::Name.ne(""))
        .exec(app.db())
        .await
        .unwrap();
    let media: web_media::MediaStore = app.state.service().unwrap();
    let folder = media.storage().folder().unwrap().to_path_buf();
    // Files without a row: one old (an upload whose transaction failed), one just written.
    let old_stray =
        folder.join("ff/ff00000000000000000000000000000000000000000000000000000000000000.png");
    let new_stray =
        folder.join("ee/ee00000000000000000000000000000000000000000000000000000000000000.png");
    for stray in [&old_stray, &new_stray] {
        std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
        std::fs::write(stray, b"stray").unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    for file in walk_files(&folder) {
        if file != new_stray {
            std::fs::File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
    }

    let report = web::cli::run_cleanup(&project().apps, &app.state)
        .await
        .unwrap();
    let removed = report
        .iter()
        .find(|(app, _, _)| *app == "media")
        .map(|(_, _, n)| *n);
    assert_eq!(removed, Some(2), "{report:?}");
    assert!(!old_stray.exists() && new_stray.exists());
    app.client
        .get(orphan.json_value()["url"].as_str().unwrap())
        .send()
        .await
        .assert_status(404);
    app.client
        .get(kept.json_value()["url"].as_str().unwrap())
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        web_media::files::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        1
    );
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .flat_map(|e| {
                    if e.path().is_dir() {
                        walk_files(&e.path())
                    } else {
                        vec![e.path()]
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}
