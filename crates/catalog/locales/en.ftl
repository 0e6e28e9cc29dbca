## The catalog's pages.

catalog-nav = Catalog
catalog-title = Catalog
catalog-search-title = “{ $q }” — Catalog
catalog-search-placeholder = Search by name or SKU
catalog-search-label = Search products
catalog-search-submit = Search
catalog-results = { $total ->
    [one] One result for “{ $q }”.
   *[other] { $total } results for “{ $q }”.
}
catalog-show-everything = Show everything
catalog-photo = Photo
catalog-product = Product
catalog-sku = SKU
catalog-price = Price
catalog-availability = Availability
catalog-in-stock = { $count } in stock
catalog-sold-out = sold out
catalog-sold-out-title = Sold out
catalog-no-match = No products match “{ $q }”.
catalog-empty-page = No products on this page.
catalog-pages = Pages
catalog-previous = ← Previous
catalog-next = Next →
catalog-page-of = Page { $number } of { $last }
catalog-back = ← Catalog
catalog-sku-of = SKU { $sku }
catalog-spec-sheet = Spec sheet
catalog-edit-in-admin = Edit in the admin
catalog-quantity = Quantity
catalog-buy-now = Buy now
catalog-log-in-to-buy = {" "}to buy now.
catalog-add-to-cart = Add to cart
