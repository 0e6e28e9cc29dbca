//! Permissions an installed project knows (Django's `auth.Permission` rows, before they are
//! rows): every model an app registers with the admin gets `view`, `add`, `change` and
//! `delete`, coded `APP.ACTION_MODEL` (`catalog.change_product`), and an app may declare
//! more through [`crate::App::permissions`] (`payments.refund_order`). The `accounts` app
//! stores them after every `migrate` ([`crate::App::post_migrate`]).

use std::sync::Arc;

use crate::admin::ModelAdmin;

/// A permission: its code and what it allows, in words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    /// `APP.ACTION_MODEL`, e.g. `catalog.add_product`.
    pub code: String,
    /// E.g. "Can add product".
    pub name: String,
}

impl Permission {
    /// A permission of `app`: `Permission::new("payments", "refund_order", "Can refund an order")`.
    pub fn new(app: &str, codename: &str, name: &str) -> Permission {
        Permission {
            code: format!("{app}.{codename}"),
            name: name.to_string(),
        }
    }

    /// The app label before the dot.
    pub fn app(&self) -> &str {
        self.code.split_once('.').map_or("", |(app, _)| app)
    }
}

/// The four permissions of an admin-registered model.
pub fn for_model(admin: &dyn ModelAdmin) -> Vec<Permission> {
    ["view", "add", "change", "delete"]
        .iter()
        .map(|action| {
            Permission::new(
                admin.app_label(),
                &format!("{action}_{}", admin.model_name()),
                &format!("Can {action} {}", admin.verbose_name().to_lowercase()),
            )
        })
        .collect()
}

/// Every permission of the given apps, sorted by code.
pub fn of_apps(apps: &[Arc<dyn crate::App>]) -> Vec<Permission> {
    let mut all: Vec<Permission> = apps
        .iter()
        .flat_map(|app| {
            let mut own: Vec<Permission> = app
                .model_admins()
                .iter()
                .flat_map(|admin| for_model(admin.as_ref()))
                .collect();
            own.extend(app.permissions());
            own
        })
        .collect();
    all.sort();
    all.dedup_by(|a, b| a.code == b.code);
    all
}
