//! Permissions an installed project knows (Django's `auth.Permission` rows, before they are
//! rows): every model an app registers with the admin gets `view`, `add`, `change` and
//! `delete` (the admin contract declares them), coded `APP.ACTION_MODEL`
//! (`catalog.change_product`), and an app may declare
//! more through [`crate::Installer::permission`] (`payments.refund_order`). The `accounts` app
//! stores them after every `migrate` (its `post_migrate` receiver, see [`crate::Installer::on_post_migrate`]).

use crate::install::{Contributions, Installer, core_kind};

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

/// Every permission the installed apps declare (their admin models' four each, and
/// their own), sorted by code.
pub fn of(contributions: &Contributions) -> Vec<Permission> {
    let mut all = contributions.all::<Permission>();
    all.sort();
    all.dedup_by(|a, b| a.code == b.code);
    all
}

core_kind!(Permission, "permissions");

/// A permission code an app's views check.
#[derive(Clone, Copy)]
pub struct RequiredPermission(pub &'static str);
core_kind!(RequiredPermission, "required permissions");

impl Installer<'_> {
    /// A permission beyond the four every admin-registered model gets:
    /// `app.permission("refund_order", "Can refund an order")` declares `payments.refund_order`.
    pub fn permission(&mut self, codename: &str, name: &str) -> &mut Self {
        let permission = Permission::new(self.label(), codename, name);
        self.add(permission)
    }

    /// A permission code the app's views check (`RequirePerm<P>`'s code): the project
    /// refuses to start when no installed app declares it, so a typo is found at start-up.
    pub fn requires_permission(&mut self, code: &'static str) -> &mut Self {
        self.add(RequiredPermission(code))
    }
}
