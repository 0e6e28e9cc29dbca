# Die eigenen Texte der i18n-Erweiterung.
# Wie sich die Sprache in der Sprachauswahl selbst nennt.
language-name = Deutsch
language-switcher-label = Sprache
language-switcher-submit = Wechseln

## Die Meldungen (`message`) der Fehler, nach ihrem `code`: error-<code>.
## Der Code selbst bleibt immer gleich; fehlt eine Übersetzung, bleibt der englische Text.

error-not_found = Nicht gefunden.
error-unauthenticated = Die Anmeldedaten fehlen oder sind ungültig.
error-forbidden = Sie haben keine Berechtigung für diese Aktion.
error-validation_error = Die Anfrage ist ungültig.
error-throttled = Zu viele Anfragen; versuchen Sie es später erneut.
error-internal_error = Interner Serverfehler.
error-service_unavailable = Der Dienst ist vorübergehend nicht verfügbar; versuchen Sie es später erneut.
error-method_not_allowed = Diese Methode ist hier nicht erlaubt.
error-payload_too_large = Der Inhalt der Anfrage ist zu groß.
error-unsupported_media_type = Erwartet wird ein Inhalt mit Content-Type: application/json.
error-request_timeout = Der Inhalt der Anfrage kam nicht rechtzeitig an.
