//! Image fields on the admin site: a product's photos uploaded, described, reordered and
//! removed from its change form (multipart, CSRF-checked), what is refused, and the
//! files a refused form leaves behind going away.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use crate::{Site, log_entries, product, product_json, site};

/// A `width`×`height` picture in `format`, with a pattern (so each size is new bytes).
fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// The product's page as a visitor gets it.
pub(crate) async fn product_page(site: &Site, slug: &str) -> String {
    site.app
        .client
        .get(&format!("/catalog/{slug}/"))
        .send()
        .await
        .text()
}

pub(crate) fn change_page(id: i64) -> String {
    format!("/admin/catalog/product/{id}/change/")
}

/// The product's own fields as its change form holds them.
fn product_fields(p: &Value) -> Vec<(String, String)> {
    ["sku", "name", "description", "currency"]
        .iter()
        .map(|k| (k.to_string(), p[k].as_str().unwrap_or_default().to_string()))
        .chain([
            ("price_cents".into(), p["price_cents"].to_string()),
            ("stock".into(), p["stock"].to_string()),
            ("is_active".into(), "true".into()),
            ("requires_shipping".into(), "true".into()),
            ("weight_grams".into(), p["weight_grams"].to_string()),
        ])
        .collect()
}

/// Submits the change form of product `id` with `extra` fields and `files`.
pub(crate) async fn save(
    site: &Site,
    id: i64,
    extra: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> web_test::TestResponse {
    let current = product_json(site, id).await;
    let owned = product_fields(&current);
    let mut fields: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend_from_slice(extra);
    let page = change_page(id);
    site.staff
        .submit_multipart(&page, &page, &fields, files)
        .await
}

fn image_ids(p: &Value) -> Vec<i64> {
    p["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

pub(crate) async fn media_rows(site: &Site) -> u64 {
    web_media::files::Entity::find()
        .count(site.app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_add_describe_reorder_and_remove_product_images_in_the_admin() {
    let site = site().await;
    let id = product(&site, "MUG-1", "Mug", 1200, 5).await["id"]
        .as_i64()
        .unwrap();
    // The change form sends files.
    let html = site.staff.get(&change_page(id)).send().await.text();
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("type=\"file\" name=\"new_image\""), "{html}");

    for (n, alt) in ["Front", "Side", "Top"].iter().enumerate() {
        let photo = picture(40 + n as u32, 30, ImageFormat::Png);
        let res = save(
            &site,
            id,
            &[("new_image_alt", alt)],
            &[("new_image", "photo.png", &photo)],
        )
        .await;
        res.assert_status(303);
    }
    let shown = product_json(&site, id).await;
    let ids = image_ids(&shown);
    assert_eq!(ids.len(), 3);
    let alts: Vec<&str> = shown["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["alt"].as_str().unwrap())
        .collect();
    assert_eq!(alts, ["Front", "Side", "Top"]);
    assert_eq!(shown["images"][1]["width"], 41);
    // The change page lists them with their pictures and inputs.
    let html = site.staff.get(&change_page(id)).send().await.text();
    // (minijinja writes `/` in attributes as `&#x2f;`, which browsers read as `/`)
    let url = shown["images"][0]["thumbnail_url"].as_str().unwrap();
    let url = url.replace('/', "&#x2f;");
    assert!(html.contains(&format!("<img src=\"{url}\"")), "{html}");
    assert!(html.contains(&format!("name=\"images-{}-alt\" value=\"Front\"", ids[0])));
    // The visitor's product page shows them.
    let slug = shown["slug"].as_str().unwrap();
    let page = product_page(&site, slug).await;
    assert!(page.contains("alt=\"Front\""), "{page}");

    // One form: the last one first, a new text for the first, the middle one removed.
    let (first, middle, last) = (ids[0], ids[1], ids[2]);
    let names = [
        format!("images-{first}-alt"),
        format!("images-{first}-position"),
        format!("images-{middle}-alt"),
        format!("images-{middle}-position"),
        format!("images-{middle}-delete"),
        format!("images-{last}-alt"),
        format!("images-{last}-position"),
    ];
    let res = save(
        &site,
        id,
        &[
            (&names[0], "The front, lit"),
            (&names[1], "0"),
            (&names[2], "Side"),
            (&names[3], "1"),
            (&names[4], "true"),
            (&names[5], "Top"),
            (&names[6], "0"),
        ],
        &[],
    )
    .await;
    res.assert_status(303);
    let shown = product_json(&site, id).await;
    assert_eq!(image_ids(&shown), [last, first], "moved first, one removed");
    assert_eq!(shown["images"][1]["alt"], "The front, lit");
    assert_eq!(shown["images"][0]["position"], 0);
    assert_eq!(shown["images"][1]["position"], 1);
    let log = log_entries(&site, "catalog", "product", id).await;
    assert!(
        log.iter()
            .any(|(action, message)| action == "changed" && message.contains("Images")),
        "{log:?}"
    );
    // The removed image's file goes once the job has run (no row names it).
    let before = media_rows(&site).await;
    site.app.run_jobs().await;
    assert_eq!(media_rows(&site).await, before - 1);
}

#[tokio::test]
async fn refused_admin_uploads_keep_nothing_and_say_why() {
    let site = site().await;
    let id = product(&site, "CUP-1", "Cup", 900, 5).await["id"]
        .as_i64()
        .unwrap();
    // Not an image: the field says so, nothing is stored.
    let res = save(
        &site,
        id,
        &[],
        &[("new_image", "notes.png", b"just some text, not a picture")],
    )
    .await;
    res.assert_status(422);
    assert!(
        res.text().contains("JPEG, PNG, WebP or GIF"),
        "{}",
        res.text()
    );
    assert_eq!(media_rows(&site).await, 0);
    assert!(image_ids(&product_json(&site, id).await).is_empty());

    // A good image with a refused alt text: the form comes back, the stored file is
    // released and goes with the next job run.
    let long_alt = "x".repeat(201);
    let photo = picture(20, 20, ImageFormat::Jpeg);
    let res = save(
        &site,
        id,
        &[("new_image_alt", &long_alt)],
        &[("new_image", "p.jpg", &photo)],
    )
    .await;
    res.assert_status(422);
    assert!(res.text().contains("At most 200 characters."));
    assert!(image_ids(&product_json(&site, id).await).is_empty());
    site.app.run_jobs().await;
    assert_eq!(
        media_rows(&site).await,
        0,
        "the refused form's file is gone"
    );

    // A name typed in by hand is not a file the admin stored: ignored.
    let res = site
        .staff
        .submit_form(
            &change_page(id),
            &change_page(id),
            &product_fields(&product_json(&site, id).await)
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain([("new_image", "ab/abcdef.png")])
                .collect::<Vec<_>>(),
        )
        .await;
    res.assert_status(303);
    assert!(image_ids(&product_json(&site, id).await).is_empty());

    // A bad position is the row's error.
    let photo = picture(21, 20, ImageFormat::Png);
    save(&site, id, &[], &[("new_image", "p.png", &photo)])
        .await
        .assert_status(303);
    let image = image_ids(&product_json(&site, id).await)[0];
    let name = format!("images-{image}-position");
    let res = save(&site, id, &[(&name, "first")], &[]).await;
    res.assert_status(422);
    let html = res.text();
    assert!(html.contains("Enter a whole number."), "{html}");
    assert!(
        html.contains(&format!("name=\"{name}\" value=\"first\"")),
        "echoed"
    );
}

#[tokio::test]
async fn multipart_admin_forms_need_their_csrf_token_first() {
    let site = site().await;
    let id = product(&site, "PEN-1", "Pen", 300, 5).await["id"]
        .as_i64()
        .unwrap();
    let page = change_page(id);
    let token = site.staff.csrf_token(&page).await;
    let photo = picture(30, 30, ImageFormat::Png);
    let fields = product_fields(&product_json(&site, id).await);
    let mut without: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // No token at all.
    site.staff
        .post(&page)
        .multipart(&without, &[("new_image", "p.png", &photo)])
        .send()
        .await
        .assert_status(403);
    // A wrong one.
    let mut wrong = vec![("csrf_token", "not-the-token")];
    wrong.extend_from_slice(&without);
    site.staff
        .post(&page)
        .multipart(&wrong, &[("new_image", "p.png", &photo)])
        .send()
        .await
        .assert_status(403);
    // The right token after 20 KiB of file: not looked for that far.
    let padding = "p".repeat(20 * 1024);
    let mut late = vec![("padding", padding.as_str())];
    late.extend_from_slice(&without);
    late.push(("csrf_token", &token));
    site.staff
        .post(&page)
        .multipart(&late, &[])
        .send()
        .await
        .assert_status(403);
    assert!(image_ids(&product_json(&site, id).await).is_empty());
    // First, it passes.
    without.insert(0, ("csrf_token", &token));
    site.staff
        .post(&page)
        .multipart(&without, &[("new_image", "p.png", &photo)])
        .send()
        .await
        .assert_status(303);
    assert_eq!(image_ids(&product_json(&site, id).await).len(), 1);
}
