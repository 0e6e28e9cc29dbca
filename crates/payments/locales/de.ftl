## Die E-Mails der Zahlungs-App.

payments-mail-paid-subject = Bestellung Nr. { $id } ist bezahlt
payments-mail-paid-thanks = Vielen Dank für Ihre Bestellung!
payments-mail-paid-body = Bestellung Nr. { $id } ist bezahlt. Das haben Sie gekauft:
payments-mail-line = { $quantity } × { $name } zu { $unit_price }: { $total }
payments-mail-product = Artikel
payments-mail-unit-price = Stückpreis
payments-mail-quantity = Menge
payments-mail-total = Gesamt
payments-mail-subtotal = Zwischensumme
payments-mail-shipping = Versand ({ $method })
payments-mail-tax = Steuer
payments-mail-shipping-to = Lieferung an:
payments-mail-see-order-any-time = Ihre Bestellung können Sie jederzeit hier ansehen:
payments-mail-see-order = Bestellung ansehen

payments-mail-shipped-subject = Bestellung Nr. { $id } ist unterwegs
payments-mail-shipped-heading = Ihre Bestellung ist unterwegs!
payments-mail-shipped-body = Bestellung Nr. { $id } wurde an { $carrier } übergeben.
payments-mail-tracking-number = Sendungsnummer:

## Die Bestellseiten.

payments-nav-orders = Bestellungen
payments-orders-title = Ihre Bestellungen
payments-order = Bestellung
payments-placed = Aufgegeben
payments-items = Artikel
payments-status = Status
payments-delivery = Lieferung
payments-pages = Seiten
payments-previous = ← Zurück
payments-next = Weiter →
payments-page-of = Seite { $number } von { $last }
payments-no-orders = Sie haben noch keine Bestellungen.
payments-browse = Zum Katalog
payments-order-title = Bestellung Nr. { $id }
payments-back = ← Ihre Bestellungen
payments-placed-at = Aufgegeben am { $at } UTC
payments-shipping-heading = Versand
payments-not-shipped = Noch nicht versandt.
payments-shipped = Am { $date } mit { $carrier } versandt, Sendungsnummer
payments-delivered = Am { $date } zugestellt ({ $carrier }, Sendungsnummer
payments-where = Wohin soll die Bestellung gehen?
payments-ship-to = Liefern an
payments-choose-address = Adresse wählen
payments-shipping-method = Versandart
payments-choose-method = Versandart wählen
payments-ship-it-there = Dorthin liefern
payments-add-address = Adresse hinzufügen
payments-payments = Zahlungen
payments-pay-heading = Bezahlen
payments-time-left = { $minutes ->
    [one] Bitte innerhalb einer Minute bezahlen (bis { $by } UTC): Bis dahin ist der Bestand für Sie reserviert, danach verfällt die Bestellung.
   *[other] Bitte innerhalb von { $minutes } Minuten bezahlen (bis { $by } UTC): Bis dahin ist der Bestand für Sie reserviert, danach verfällt die Bestellung.
}
payments-card-number = Kartennummer
payments-test-cards = Testkarten: 4242 4242 4242 4242 wird belastet, 4000 0000 0000 0002 wird abgelehnt.
payments-pay = { $amount } bezahlen
payments-cancel = Diese Bestellung stornieren

payments-status-pending = offen
payments-status-paid = bezahlt
payments-status-cancelled = storniert
payments-status-refunded = erstattet
payments-status-expired = verfallen
payments-payment-succeeded = erfolgreich
payments-payment-failed = fehlgeschlagen
payments-payment-refunded = erstattet
payments-fulfillment-unfulfilled = nicht versandt
payments-fulfillment-shipped = versandt
payments-fulfillment-delivered = zugestellt
