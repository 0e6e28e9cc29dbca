//! File fields on the admin site (Django's `FileField`): a product's spec sheet uploaded
//! on its change form, linked from its page, served with its checked type, replaced,
//! refused when it is not a document, and cleared; replaced files go after the commit.

use crate::images::{change_page, media_rows, product_page, save};
use crate::{Site, product, site};

/// A small but well-formed-looking PDF (only its signature is checked).
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const CSV: &[u8] = b"size,width_mm\nsmall,80\nlarge,120\n";

/// The product's stored spec sheet name.
async fn datasheet(site: &Site, id: i64) -> Option<String> {
    catalog::models::product::find(site.app.db(), id)
        .await
        .unwrap()
        .unwrap()
        .datasheet
}

/// The spec sheet's address on the product's page (`/media/ab/….pdf`).
async fn linked_sheet(site: &Site, slug: &str) -> Option<String> {
    let page = product_page(site, slug).await;
    let at = page.find("<p class=\"datasheet\"><a href=\"")? + 30;
    let end = page[at..].find('"')?;
    Some(page[at..at + end].replace("&#x2f;", "/"))
}

#[tokio::test]
async fn staff_attach_replace_and_clear_a_spec_sheet_and_visitors_download_it() {
    let site = site().await;
    let p = product(&site, "LAMP-1", "Lamp", 4500, 3).await;
    let (id, slug) = (p["id"].as_i64().unwrap(), p["slug"].as_str().unwrap());
    let html = site.staff.get(&change_page(id)).send().await.text();
    assert!(html.contains("type=\"file\" name=\"datasheet\""), "{html}");
    assert_eq!(linked_sheet(&site, slug).await, None);

    // A PDF: stored by content, linked from the page, served as a PDF, never sniffed.
    save(&site, id, &[], &[("datasheet", "lamp.pdf", PDF)])
        .await
        .assert_status(303);
    let pdf = datasheet(&site, id).await.expect("stored");
    assert!(pdf.ends_with(".pdf"), "{pdf}");
    let html = site.staff.get(&change_page(id)).send().await.text();
    assert!(
        html.contains(&format!("application&#x2f;pdf, {} bytes", PDF.len())),
        "{html}"
    );
    let url = linked_sheet(&site, slug).await.expect("linked");
    let served = site.app.client.get(&url).send().await;
    served.assert_status(200);
    assert_eq!(served.header("content-type"), Some("application/pdf"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(&served.body[..], PDF);

    // Replaced by a CSV: the page links the new one; the PDF goes after the job runs.
    save(&site, id, &[], &[("datasheet", "sizes.csv", CSV)])
        .await
        .assert_status(303);
    let csv = datasheet(&site, id).await.expect("stored");
    assert!(csv.ends_with(".txt"), "{csv}");
    let url = linked_sheet(&site, slug).await.expect("linked");
    let served = site.app.client.get(&url).send().await;
    assert_eq!(
        served.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(&served.body[..], CSV);
    site.app.run_jobs().await;
    assert!(
        web_media::files::find(site.app.db(), &pdf)
            .await
            .unwrap()
            .is_none(),
        "the replaced file is gone"
    );
    let rows = media_rows(&site).await;

    // A web page is not a document: refused, said why, the CSV stays, nothing stored.
    let res = save(
        &site,
        id,
        &[],
        &[(
            "datasheet",
            "sheet.pdf",
            b"<html><script>alert(1)</script></html>",
        )],
    )
    .await;
    res.assert_status(422);
    assert!(
        res.text()
            .contains("Upload a PDF, a plain-text or CSV file")
    );
    assert_eq!(datasheet(&site, id).await.as_deref(), Some(csv.as_str()));
    assert_eq!(media_rows(&site).await, rows);

    // Cleared: no link; the file goes with the next job run.
    save(&site, id, &[("datasheet-clear", "true")], &[])
        .await
        .assert_status(303);
    assert_eq!(datasheet(&site, id).await, None);
    assert_eq!(linked_sheet(&site, slug).await, None);
    site.app.run_jobs().await;
    assert_eq!(media_rows(&site).await, rows - 1);
}

#[tokio::test]
async fn a_new_product_takes_its_spec_sheet_on_the_add_form() {
    let site = site().await;
    let add = "/admin/catalog/product/add/";
    let fields = [
        ("sku", "DESK-1"),
        ("name", "Desk"),
        ("description", "A desk"),
        ("price_cents", "25000"),
        ("currency", "USD"),
        ("stock", "2"),
        ("is_active", "true"),
        ("requires_shipping", "true"),
        ("weight_grams", "9000"),
    ];
    site.staff
        .submit_multipart(add, add, &fields, &[("datasheet", "desk.pdf", PDF)])
        .await
        .assert_status(303);
    use catalog::models::product::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let desk = Entity::find()
        .filter(Column::Sku.eq("DESK-1"))
        .one(site.app.db())
        .await
        .unwrap()
        .expect("created");
    assert!(desk.datasheet.is_some_and(|name| name.ends_with(".pdf")));
}
