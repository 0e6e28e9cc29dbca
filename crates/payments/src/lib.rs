//! The `payments` app.

use web::{App, Urls};

pub mod urls;

pub use urls::urls;

pub struct Payments;

#[async_trait::async_trait]
impl App for Payments {
    fn label(&self) -> &'static str {
        "payments"
    }
    fn urls(&self) -> Urls {
        urls()
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
}
