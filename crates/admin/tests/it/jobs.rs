//! Background jobs on the admin site: failed ones listed with their error, and retried.

use crate::site;

/// A task no installed app declares: its job fails for good on its first run.
struct Ghost;
impl web_jobs::Task for Ghost {
    const NAME: &'static str = "ghost.haunt";
    type Payload = u32;
    async fn run(_: &web::state::AppState, _: u32) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_job_is_listed_and_retried_from_the_admin() {
    let site = site().await;
    let id = web_jobs::enqueue::<Ghost, _>(site.app.db(), &7)
        .await
        .unwrap();
    let worker = web_jobs::Worker::new(&site.app.state).unwrap();
    assert_eq!(worker.run_due().await.unwrap(), 1);

    let list = site
        .staff
        .get("/admin/jobs/job/?status=failed")
        .send()
        .await;
    list.assert_status(200);
    let html = list.text();
    assert!(html.contains("ghost.haunt"), "{html}");
    assert!(html.contains("no installed app declares the task"));
    let page = format!("/admin/jobs/job/{id}/change/");
    let retry = format!("/admin/jobs/job/{id}/actions/retry/");
    assert!(site.staff.get(&page).send().await.text().contains("Retry"));
    site.staff
        .submit_form(&page, &retry, &[])
        .await
        .assert_status(303);
    let queued = web_jobs::list(site.app.db(), &[web_jobs::JobStatus::Queued], 10)
        .await
        .unwrap();
    assert_eq!(
        queued
            .iter()
            .map(|j| (j.id, j.attempts))
            .collect::<Vec<_>>(),
        [(id, 0)]
    );
    // Only a failed job is retried; the page says so.
    site.staff
        .submit_form(&page, &retry, &[])
        .await
        .assert_status(303);
    let shown = site.staff.get(&page).send().await.text();
    assert!(
        shown.contains("Only a failed job can be retried."),
        "{shown}"
    );
    // A staff member without the jobs permissions does not see them.
    accounts::testing::staff_with(&site.app, "clerk@example.com", &["catalog.view_product"]).await;
    let clerk = crate::signed_in(&site.app, "clerk@example.com").await;
    clerk
        .get("/admin/jobs/job/")
        .send()
        .await
        .assert_status(403);
}
