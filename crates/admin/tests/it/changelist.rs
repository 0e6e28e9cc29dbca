//! The change list: count, search, filters, sorting, pages.

use crate::{product, site};

/// The names in the list's first column, in order.
fn names(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\"><a href=\"")
        .skip(1)
        .map(|row| {
            let start = row.find('>').unwrap() + 1;
            let end = row.find("</a>").unwrap();
            row[start..end].to_string()
        })
        .collect()
}

#[tokio::test]
async fn search_filters_sorting_and_count() {
    let site = site().await;
    product(&site, "MUG-1", "Blue mug", 1500, 5).await;
    product(&site, "MUG-2", "Red mug", 900, 0).await;
    let teapot = product(&site, "TEA-1", "Teapot", 3000, 2).await;
    // Deactivate the teapot through the staff API.
    site.app
        .client
        .patch(&format!("/api/catalog/products/{}", teapot["id"]))
        .bearer(&site.staff_token)
        .json(&serde_json::json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);

    let html = site
        .staff
        .get("/admin/catalog/product/")
        .send()
        .await
        .text();
    assert!(html.contains("3 products"), "{html}");
    // Newest first by default; inactive products are listed too.
    assert_eq!(names(&html), ["Teapot", "Red mug", "Blue mug"]);

    let html = site
        .staff
        .get("/admin/catalog/product/")
        .query(&[("q", "MUG")])
        .send()
        .await
        .text();
    assert!(html.contains("2 products"));
    assert_eq!(names(&html), ["Red mug", "Blue mug"]);

    let html = site
        .staff
        .get("/admin/catalog/product/?is_active=0")
        .send()
        .await
        .text();
    assert_eq!(names(&html), ["Teapot"]);
    assert!(html.contains("1 product<"), "{html}");

    let html = site
        .staff
        .get("/admin/catalog/product/?o=price_cents")
        .send()
        .await
        .text();
    assert_eq!(names(&html), ["Red mug", "Blue mug", "Teapot"]);
    // The header of the sorted column links to the reverse order, keeping the filters.
    assert!(
        html.contains("href=\"/admin/catalog/product/?o=-price_cents\""),
        "{html}"
    );
    let html = site
        .staff
        .get("/admin/catalog/product/?o=-price_cents&q=mug")
        .send()
        .await
        .text();
    assert_eq!(names(&html), ["Blue mug", "Red mug"]);

    // Unknown sort keys, filter values and pages are ignored, not errors.
    let res = site
        .staff
        .get("/admin/catalog/product/?o=password&is_active=maybe&page=zero")
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(names(&res.text()).len(), 3);
}

#[tokio::test]
async fn long_lists_have_pages() {
    let site = site().await;
    for i in 0..55 {
        product(
            &site,
            &format!("P-{i:03}"),
            &format!("Product {i:03}"),
            100,
            1,
        )
        .await;
    }
    let html = site
        .staff
        .get("/admin/catalog/product/?o=sku")
        .send()
        .await
        .text();
    assert!(html.contains("55 products"));
    assert!(html.contains("Page 1 of 2"));
    let first = names(&html);
    assert_eq!(first.len(), 50);
    assert_eq!(first[0], "Product 000");
    assert!(
        html.contains("href=\"/admin/catalog/product/?o=sku&amp;page=2\""),
        "{html}"
    );
    let html = site
        .staff
        .get("/admin/catalog/product/?o=sku&page=2")
        .send()
        .await
        .text();
    assert_eq!(
        names(&html),
        [
            "Product 050",
            "Product 051",
            "Product 052",
            "Product 053",
            "Product 054"
        ]
    );
    assert!(html.contains("Page 2 of 2"));
    // Past the end, however far: an empty page, not an error.
    for page in ["9", "18446744073709551615", "99999999999999999999999"] {
        let res = site
            .staff
            .get(&format!("/admin/catalog/product/?page={page}"))
            .send()
            .await;
        res.assert_status(200);
        if page == "9" {
            assert!(names(&res.text()).is_empty());
        }
    }
}

#[tokio::test]
async fn users_and_orders_lists_search_and_filter() {
    let site = site().await;
    let html = site
        .staff
        .get("/admin/accounts/user/?is_staff=1")
        .send()
        .await
        .text();
    assert_eq!(names(&html), ["staff@example.com"]);
    let html = site
        .staff
        .get("/admin/accounts/user/?q=user%40")
        .send()
        .await
        .text();
    assert_eq!(names(&html), ["user@example.com"]);
    // No password hash anywhere.
    assert!(!html.contains("argon2"));
    let user = site
        .staff
        .get(&format!("/admin/accounts/user/{}/change/", site.staff_id))
        .send()
        .await
        .text();
    assert!(!user.contains("argon2"));
}
