## Die Konten-App: Registrierung, Anmeldung, Profil, Passwörter.

accounts-email = E-Mail
accounts-name = Name
accounts-password = Passwort
accounts-log-in = Anmelden
accounts-log-out = Abmelden
accounts-register-nav = Registrieren
accounts-create-account = Konto erstellen

accounts-register-title = Konto erstellen
accounts-register-password-help = Mindestens 8 Zeichen, nicht nur Ziffern, nicht ähnlich zu Ihrer E-Mail-Adresse, kein gängiges Passwort.
accounts-register-submit = Konto erstellen
accounts-register-have-account = Sie haben schon ein Konto?
accounts-welcome = Willkommen, { $name }! Ihr Konto ist bereit.

accounts-login-title = Anmelden
accounts-login-forgot = Passwort vergessen?
accounts-signed-out = Sie wurden abgemeldet.

accounts-profile-title = Ihr Konto
accounts-profile-member-since = Mitglied seit
accounts-profile-role = Rolle
accounts-profile-staff = Mitarbeiter
accounts-profile-change-password = Passwort ändern
accounts-profile-addresses = Ihre Adressen
accounts-profile-language = Sprache Ihrer E-Mails
accounts-profile-save = Speichern
accounts-profile-saved = Ihre Einstellungen sind gespeichert.

accounts-password-change-title = Passwort ändern
accounts-password-current = Aktuelles Passwort
accounts-password-new = Neues Passwort
accounts-password-new-again = Neues Passwort (wiederholen)
accounts-password-change-help = Wenn Sie Ihr Passwort ändern, werden Sie überall sonst abgemeldet und Ihre API-Tokens werden widerrufen.
accounts-password-changed = Ihr Passwort wurde geändert.
accounts-password-change-submit = Passwort ändern

accounts-reset-title = Passwort zurücksetzen
accounts-reset-heading = Passwort vergessen?
accounts-reset-intro = Geben Sie Ihre E-Mail-Adresse ein, und wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen können.
accounts-reset-submit = Link senden
accounts-reset-done-title = Prüfen Sie Ihre E-Mails
accounts-reset-done-body = Falls zu dieser Adresse ein Konto besteht, haben wir ihr einen Link zum Zurücksetzen des Passworts gesendet. Der Link funktioniert einmal.
accounts-reset-confirm-title = Neues Passwort wählen
accounts-reset-confirm-submit = Passwort festlegen
accounts-reset-invalid-title = Dieser Link funktioniert nicht mehr
accounts-reset-invalid-body = Der Link zum Zurücksetzen ist ungültig, abgelaufen oder wurde schon benutzt.
accounts-reset-ask-again = Einen neuen anfordern
accounts-reset-complete-title = Passwort festgelegt
accounts-reset-complete-heading = Ihr Passwort ist festgelegt
accounts-reset-complete-body = Sie können sich jetzt damit anmelden.

## Die E-Mail zum Zurücksetzen des Passworts.

accounts-reset-mail-subject = Setzen Sie Ihr Passwort zurück
accounts-reset-mail-greeting = Hallo,
accounts-reset-mail-asked = Jemand hat das Zurücksetzen des Passworts für das Shop-Konto { $email } angefordert.
accounts-reset-mail-choose = { $hours ->
    [one] Wenn Sie das waren, wählen Sie hier ein neues Passwort (der Link funktioniert einmal, eine Stunde lang):
   *[other] Wenn Sie das waren, wählen Sie hier ein neues Passwort (der Link funktioniert einmal, { $hours } Stunden lang):
}
accounts-reset-mail-ignore = Wenn Sie das nicht waren, ignorieren Sie diese E-Mail; Ihr Passwort bleibt, wie es ist.

## Fehlermeldungen der API, nach ihrem Code.

error-email_taken = Ein Benutzer mit dieser E-Mail-Adresse existiert bereits.
error-invalid_credentials = E-Mail-Adresse oder Passwort ist falsch.
