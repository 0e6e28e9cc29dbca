//! The shop's demo tax rates (`project seed`, never `serve`): VAT of a few European
//! destinations; the United States has none here (its sales tax is by state).

use sea_orm::DatabaseConnection;

use crate::models::tax_rate;

/// (country, basis points).
const DEMO: &[(&str, i32)] = &[("DE", 1900), ("FR", 2000), ("GB", 2000), ("NL", 2100)];

/// Sets the demo rates (again: seeding twice changes nothing); how many.
pub async fn seed(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    for (country, rate_bp) in DEMO {
        tax_rate::set(db, country, *rate_bp).await?;
    }
    Ok(DEMO.len() as u64)
}
