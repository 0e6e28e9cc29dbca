//! The demo shipping of `project seed`.

use catalog::seed::Seed;
use web::{App, Command};

use crate::{app, methods, offered};

async fn seed(app: &web_test::TestApp) {
    let matches = Seed
        .definition()
        .try_get_matches_from(["seed", "--no-images"])
        .unwrap();
    Seed.run(&app.state, &matches).await.unwrap();
}

#[tokio::test]
async fn project_seed_adds_demo_zones_and_methods_once() {
    let app = app().await;
    assert!(offered(&methods(&app, "country=DE&order_weight_grams=500", None).await).is_empty());
    seed(&app).await;
    let report = shipping::Shipping.seed_demo(&app.state).await.unwrap();
    assert_eq!(
        report,
        [
            ("shipping zones".to_string(), 0),
            ("shipping methods".to_string(), 0)
        ],
        "already there: nothing added again"
    );
    for country in ["US", "GB", "DE"] {
        let offered = offered(
            &methods(
                &app,
                &format!("country={country}&order_weight_grams=500"),
                None,
            )
            .await,
        );
        assert!(!offered.is_empty(), "{country} is served");
    }
    assert_eq!(
        offered(&methods(&app, "country=DE&order_weight_grams=500", None).await),
        [
            ("International standard".to_string(), 1290),
            ("International express".to_string(), 2990)
        ]
    );
}
