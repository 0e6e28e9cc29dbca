## Die Seiten des Adressbuchs.

addresses-title = Ihre Adressen
addresses-back-to-account = ← Ihr Konto
addresses-add = Adresse hinzufügen
addresses-edit = Bearbeiten
addresses-delete = Löschen
addresses-none = Noch keine Adressen.
addresses-edit-title = Adresse bearbeiten
addresses-back = ← Ihre Adressen
addresses-name = Vollständiger Name
addresses-line1 = Straße und Hausnummer
addresses-line2 = Adresszusatz (optional)
addresses-city = Ort
addresses-region = Bundesland, Provinz oder Region (optional)
addresses-postal-code = Postleitzahl
addresses-country = Land
addresses-choose = Bitte wählen…
addresses-phone = Telefon (optional)
addresses-save = Speichern
addresses-added = Die Adresse wurde hinzugefügt.
addresses-changed = Die Adresse wurde geändert.
addresses-deleted = Die Adresse wurde gelöscht.
