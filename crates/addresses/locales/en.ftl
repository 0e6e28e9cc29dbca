## The address book's pages.

addresses-title = Your addresses
addresses-back-to-account = ← Your account
addresses-add = Add an address
addresses-edit = Edit
addresses-delete = Delete
addresses-none = No addresses yet.
addresses-edit-title = Edit address
addresses-back = ← Your addresses
addresses-name = Full name
addresses-line1 = Address
addresses-line2 = Address, line 2 (optional)
addresses-city = City
addresses-region = State, province or county (optional)
addresses-postal-code = Postal code
addresses-country = Country
addresses-choose = Choose…
addresses-phone = Phone (optional)
addresses-save = Save
addresses-added = The address was added.
addresses-changed = The address was changed.
addresses-deleted = The address was deleted.
