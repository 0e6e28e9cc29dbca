//! The orders' extension point for delivery: an app that ships parcels (the `shipping`
//! app) registers a [`ShippingProvider`] through the install registry, and orders ask it
//! to check and price the buyer's choice of address and method. Orders know nothing
//! about zones, methods or address books; without a provider installed they take no
//! shipping choice and the store sells without shipping. An app registers its provider
//! in its `App::install` with `app.shipping_provider(MyRates)` ([`InstallShipping`]).

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use web::Error;
use web::install::{Contribution, Contributions, Installer};

/// What is being shipped: whose order, in which currency, how heavy (the lines that
/// require shipping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    pub user_id: i64,
    pub currency: String,
    pub weight_grams: i64,
}

/// One line of what is bought, as a parcel sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParcelLine {
    pub weight_grams: i32,
    /// `false` for digital goods: they add no weight.
    pub requires_shipping: bool,
    pub quantity: i32,
}

/// The weight of the lines that require shipping (grams): the one rule for carts, new
/// orders and orders given an address later.
pub fn shipped_weight_grams(lines: impl IntoIterator<Item = ParcelLine>) -> i64 {
    lines
        .into_iter()
        .filter(|l| l.requires_shipping)
        .map(|l| i64::from(l.weight_grams) * i64::from(l.quantity))
        .sum()
}

/// The buyer's choice: one of their addresses and a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippingChoice {
    pub address_id: i64,
    pub method_id: i64,
}

/// The copy of an address an order keeps (editing the address book later does not
/// change it). `line2`, `region` and `phone` are `""` when none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShippingAddress {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: String,
}

/// A choice checked and priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub address: ShippingAddress,
    pub method_name: String,
    /// What the method costs for the parcel, as its price tag says (minor units).
    pub price_cents: i64,
}

/// What the cart page offers to choose from: the buyer's addresses and the methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShippingOptions {
    /// `(id, label)` of each of the buyer's addresses.
    pub addresses: Vec<(i64, String)>,
    /// `(id, label)` of each active method in the cart's currency that can carry the
    /// parcel somewhere.
    pub methods: Vec<(i64, String)>,
}

/// An app that ships parcels.
#[async_trait]
pub trait ShippingProvider: Send + Sync + 'static {
    /// Whether the shop has an active method in `currency`: then an order whose lines
    /// need shipping must choose (at checkout).
    async fn ships(&self, txn: &DatabaseTransaction, currency: &str) -> Result<bool, Error>;

    /// The choice checked for `parcel` and priced: an address that is not the buyer's is
    /// `422 shipping_address_id`; an unknown or inactive method, or one that does not
    /// serve the address's country, the currency or the weight, `422 shipping_method_id`.
    async fn quote(
        &self,
        txn: &DatabaseTransaction,
        parcel: &Parcel,
        choice: ShippingChoice,
    ) -> Result<Shipment, Error>;

    /// What the buyer may choose from, for the cart page.
    async fn options(
        &self,
        db: &DatabaseConnection,
        parcel: &Parcel,
    ) -> Result<ShippingOptions, Error>;
}

/// The installed provider, if any (a service of the payments app: `Dep<Shipper>`).
#[derive(Clone, Default)]
pub struct Shipper(pub Option<Arc<dyn ShippingProvider>>);

impl Shipper {
    /// The provider an app registered (the first, if several did).
    pub fn of(contributions: &Contributions) -> Shipper {
        Shipper(
            contributions
                .of::<Registered>()
                .next()
                .map(|(_, r)| r.0.clone()),
        )
    }
}

/// A provider as registered; read by the payments app.
struct Registered(Arc<dyn ShippingProvider>);

impl Contribution for Registered {
    const READER: Option<&'static str> = Some("payments");
    const WHAT: &'static str = "a shipping provider for orders";
}

/// [`Installer::shipping_provider`].
pub trait InstallShipping {
    /// Registers the app's [`ShippingProvider`]: orders ask it to check and price the
    /// buyer's address and method.
    fn shipping_provider(&mut self, provider: impl ShippingProvider) -> &mut Self;
}

impl InstallShipping for Installer<'_> {
    fn shipping_provider(&mut self, provider: impl ShippingProvider) -> &mut Self {
        self.add(Registered(Arc::new(provider)))
    }
}
