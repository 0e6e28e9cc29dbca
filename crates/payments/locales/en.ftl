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

## The orders pages.

payments-nav-orders = Orders
payments-orders-title = Your orders
payments-order = Order
payments-placed = Placed
payments-items = Items
payments-status = Status
payments-delivery = Delivery
payments-pages = Pages
payments-previous = ← Previous
payments-next = Next →
payments-page-of = Page { $number } of { $last }
payments-no-orders = You have no orders yet.
payments-browse = Browse the catalog
payments-order-title = Order #{ $id }
payments-back = ← Your orders
payments-placed-at = Placed { $at } UTC
payments-shipping-heading = Shipping
payments-not-shipped = Not shipped yet.
payments-shipped = Shipped { $date } with { $carrier }, tracking number
payments-delivered = Delivered { $date } ({ $carrier }, tracking number
payments-where = Where should it go?
payments-ship-to = Ship to
payments-choose-address = Choose an address
payments-shipping-method = Shipping method
payments-choose-method = Choose a method
payments-ship-it-there = Ship it there
payments-add-address = Add an address
payments-payments = Payments
payments-pay-heading = Pay
payments-time-left = { $minutes ->
    [one] Pay within one minute (by { $by } UTC): the stock is held for you until then, and the order expires after.
   *[other] Pay within { $minutes } minutes (by { $by } UTC): the stock is held for you until then, and the order expires after.
}
payments-card-number = Card number
payments-test-cards = Test cards: 4242 4242 4242 4242 is charged, 4000 0000 0000 0002 is declined.
payments-pay = Pay { $amount }
payments-cancel = Cancel this order

payments-status-pending = pending
payments-status-paid = paid
payments-status-cancelled = cancelled
payments-status-refunded = refunded
payments-status-expired = expired
payments-payment-succeeded = succeeded
payments-payment-failed = failed
payments-payment-refunded = refunded
payments-fulfillment-unfulfilled = unfulfilled
payments-fulfillment-shipped = shipped
payments-fulfillment-delivered = delivered
