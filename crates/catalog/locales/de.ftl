## Die Seiten des Katalogs.

catalog-nav = Katalog
catalog-title = Katalog
catalog-search-title = „{ $q }“ — Katalog
catalog-search-placeholder = Nach Name oder Artikelnummer suchen
catalog-search-label = Artikel suchen
catalog-search-submit = Suchen
catalog-results = { $total ->
    [one] Ein Treffer für „{ $q }“.
   *[other] { $total } Treffer für „{ $q }“.
}
catalog-show-everything = Alles anzeigen
catalog-photo = Foto
catalog-product = Artikel
catalog-sku = Artikelnr.
catalog-price = Preis
catalog-availability = Verfügbarkeit
catalog-in-stock = { $count } auf Lager
catalog-sold-out = ausverkauft
catalog-sold-out-title = Ausverkauft
catalog-no-match = Keine Artikel passen zu „{ $q }“.
catalog-empty-page = Keine Artikel auf dieser Seite.
catalog-pages = Seiten
catalog-previous = ← Zurück
catalog-next = Weiter →
catalog-page-of = Seite { $number } von { $last }
catalog-back = ← Katalog
catalog-sku-of = Artikelnr. { $sku }
catalog-spec-sheet = Datenblatt
catalog-edit-in-admin = In der Verwaltung bearbeiten
catalog-quantity = Menge
catalog-buy-now = Jetzt kaufen
catalog-log-in-to-buy = , um jetzt zu kaufen.
catalog-add-to-cart = In den Warenkorb
