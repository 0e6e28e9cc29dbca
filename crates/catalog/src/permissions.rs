//! The permissions the catalog's views check (stored by `migrate` from the product admin).

accounts::permission!(
    /// May create products (`POST /api/catalog/products`).
    pub AddProduct = "catalog.add_product"
);
accounts::permission!(
    /// May change products (`PATCH /api/catalog/products/{id}`).
    pub ChangeProduct = "catalog.change_product"
);
accounts::permission!(
    /// May delete products (`DELETE /api/catalog/products/{id}`).
    pub DeleteProduct = "catalog.delete_product"
);

/// May see inactive products (`?include_inactive=true`, an inactive product's page).
pub const VIEW_PRODUCT: &str = "catalog.view_product";

/// Every code above, for [`web::Installer::requires_permission`].
pub fn required() -> Vec<&'static str> {
    use accounts::extract::PermissionCode;
    vec![
        AddProduct::CODE,
        ChangeProduct::CODE,
        DeleteProduct::CODE,
        VIEW_PRODUCT,
    ]
}
