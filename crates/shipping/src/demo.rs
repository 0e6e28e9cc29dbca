//! The shop's demo shipping (`project seed`, never `serve`): zones for the United
//! States, the United Kingdom and the European Union, with standard and express methods
//! in the demo catalog's currency.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::models::method::{self, Band, MethodFields};
use crate::models::zone;

/// (zone, countries, methods: (name, flat price, bands, min days, max days)).
type DemoZone = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, i64, &'static [(i64, i64)], i32, i32)],
);

const DEMO: &[DemoZone] = &[
    (
        "United States",
        &["US"],
        &[
            ("Standard", 590, &[], 3, 5),
            (
                "Express",
                0,
                &[(1000, 1290), (5000, 1990), (20000, 3490)],
                1,
                2,
            ),
        ],
    ),
    (
        "United Kingdom",
        &["GB"],
        &[(
            "International standard",
            0,
            &[(1000, 1490), (5000, 2490)],
            4,
            7,
        )],
    ),
    (
        "European Union",
        &[
            "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
            "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        ],
        &[
            (
                "International standard",
                0,
                &[(1000, 1290), (5000, 2290)],
                4,
                8,
            ),
            ("International express", 2990, &[], 2, 3),
        ],
    ),
];

/// Writes the demo zones and methods when there are no zones yet; (zones, methods).
pub async fn seed(db: &DatabaseConnection) -> Result<(u64, u64), sea_orm::DbErr> {
    if zone::Entity::find().count(db).await? > 0 {
        return Ok((0, 0));
    }
    let (mut zones, mut methods) = (0, 0);
    for (name, countries, offered) in DEMO {
        let countries: Vec<String> = countries.iter().map(|c| c.to_string()).collect();
        let created = zone::create(db, name, &countries).await?;
        zones += 1;
        for (method_name, price_cents, bands, min_days, max_days) in offered.iter() {
            method::create(
                db,
                MethodFields {
                    zone_id: created.id,
                    is_active: true,
                    name: method_name.to_string(),
                    currency: "USD".into(),
                    price_cents: *price_cents,
                    weight_bands: bands
                        .iter()
                        .map(|(max_grams, price_cents)| Band {
                            max_grams: *max_grams,
                            price_cents: *price_cents,
                        })
                        .collect(),
                    min_days: *min_days,
                    max_days: *max_days,
                },
            )
            .await?;
            methods += 1;
        }
    }
    Ok((zones, methods))
}
