//! The shop's demo tax rates (`project seed`, never `serve`): VAT of a few European
//! destinations; the United States has none here (its sales tax is by state).

use sea_orm::DatabaseConnection;

use crate::models::tax_rate;

/// (country, basis points).
const DEMO: &[(&str, i32)] = &[("DE", 1900), ("FR", 2000), ("GB", 2000), ("NL", 2100)];

/// Adds the demo rates of the countries that have none (seeding twice changes nothing,
/// and a rate staff changed stays); how many were added.
pub async fn seed(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let mut added = 0;
    for (country, rate_bp) in DEMO {
        if tax_rate::of_country(db, country).await?.is_none() {
            tax_rate::set(db, country, *rate_bp).await?;
            added += 1;
        }
    }
    Ok(added)
}
