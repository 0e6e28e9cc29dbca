## The payments app's mails.

payments-mail-paid-subject = Order #{ $id } is paid
payments-mail-paid-thanks = Thank you for your order!
payments-mail-paid-body = Order #{ $id } is paid. What you bought:
payments-mail-line = { $quantity } × { $name } at { $unit_price }: { $total }
payments-mail-product = Product
payments-mail-unit-price = Unit price
payments-mail-quantity = Quantity
payments-mail-total = Total
payments-mail-subtotal = Subtotal
payments-mail-shipping = Shipping ({ $method })
payments-mail-tax = Tax
payments-mail-shipping-to = Shipping to:
payments-mail-see-order-any-time = See your order at any time:
payments-mail-see-order = See your order

payments-mail-shipped-subject = Order #{ $id } is on its way
payments-mail-shipped-heading = Your order is on its way!
payments-mail-shipped-body = Order #{ $id } was handed to { $carrier }.
payments-mail-tracking-number = Tracking number:
