//! Zones and methods on the admin site.

use crate::{add_method, add_zone, app, staff};

#[tokio::test]
async fn zones_and_methods_are_checked_on_the_admin_site() {
    let app = app().await;
    let staff = staff(&app).await;
    let page = "/admin/shipping/zone/add/";
    let res = staff
        .submit_form(page, page, &[("name", "Nowhere"), ("countries", "DE, XX")])
        .await;
    res.assert_status(422);
    assert!(
        res.text().contains("Not ISO 3166-1 alpha-2 codes: XX."),
        "{}",
        res.text()
    );
    let eu = add_zone(&staff, "Europe", "de, at fr").await;
    let shown = staff
        .get(&format!("/admin/shipping/zone/{eu}/change/"))
        .send()
        .await;
    assert_eq!(
        shown.hidden_input("countries").as_deref(),
        Some("DE, AT, FR")
    );

    let page = "/admin/shipping/method/add/";
    let res = staff
        .submit_form(
            page,
            page,
            &[
                ("zone_id", "999"),
                ("name", "Ghost"),
                ("currency", "USD"),
                ("price_cents", "100"),
                ("weight_bands", "2000:500,1000:300"),
                ("min_days", "5"),
                ("max_days", "2"),
            ],
        )
        .await;
    res.assert_status(422);
    let html = res.text();
    for message in ["Weights must rise", "At least the minimum."] {
        assert!(html.contains(message), "{message}: {html}");
    }
    let res = staff
        .submit_form(
            page,
            page,
            &[
                ("zone_id", "999"),
                ("name", "Ghost"),
                ("currency", "USD"),
                ("price_cents", "100"),
                ("weight_bands", ""),
                ("min_days", "1"),
                ("max_days", "2"),
            ],
        )
        .await;
    res.assert_status(422);
    assert!(res.text().contains("No zone has this id."));
    let method = add_method(&staff, eu, "Standard", "USD", 0, "1000:990, 5000:1990").await;
    let list = staff.get("/admin/shipping/method/").send().await.text();
    assert!(
        list.contains("Europe") && list.contains("1000:990, 5000:1990"),
        "{list}"
    );

    // Deleting the zone takes its methods, after saying so.
    let confirm = staff
        .get(&format!("/admin/shipping/zone/{eu}/delete/"))
        .send()
        .await
        .text();
    assert!(
        confirm.contains("Its method “Standard” is deleted too."),
        "{confirm}"
    );
    let delete = format!("/admin/shipping/zone/{eu}/delete/");
    staff
        .submit_form(&delete, &delete, &[])
        .await
        .assert_status(303);
    staff
        .get(&format!("/admin/shipping/method/{method}/change/"))
        .send()
        .await
        .assert_status(404);
}
