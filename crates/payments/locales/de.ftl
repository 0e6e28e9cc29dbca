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
