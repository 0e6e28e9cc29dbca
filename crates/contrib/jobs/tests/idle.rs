//! An idle worker's cost, in a process of its own: a worker is woken by any job queued in
//! its process (a production process serves one project), so the other tests' jobs would
//! wake this one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use web::state::AppState;
use web::{Embedded, Project, UrlRegistry};
use web_jobs::Worker;
use web_test::TestApp;

/// Counts the statements run through the connection it is set on.
fn counting(db: &sea_orm::DatabaseConnection) -> (sea_orm::DatabaseConnection, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let mut db = db.clone();
    let seen = count.clone();
    db.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    (db, count)
}

/// An idle worker asks the database one thing per poll interval (not a claim transaction
/// every half second): with a 1 s interval, at most a look a second over five seconds.
#[tokio::test]
async fn an_idle_worker_runs_one_statement_per_poll_interval() {
    let project = Project {
        apps: vec![Arc::new(web_sessions::Sessions), Arc::new(web_jobs::Jobs)],
        urls: UrlRegistry::new,
        migrations: migration::group,
        embedded: Embedded::none(),
    };
    let app = TestApp::builder(&project).file_database().build().await;
    let (db, statements) = counting(app.db());
    let state = AppState::new(
        app.state.settings().clone(),
        db,
        app.state.templates().clone(),
        app.state.reverser().clone(),
        app.state.services().clone(),
    );
    let worker = Worker::new(&state)
        .unwrap()
        .poll_interval(Duration::from_secs(1));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    // Its first round schedules the periodic task and runs it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = statements.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let statements = statements.load(Ordering::SeqCst) - before;
    stop.send(true).unwrap();
    running.await.unwrap();
    assert!(
        (3..=6).contains(&statements),
        "{statements} statements in 5 idle seconds at one look a second"
    );
}
