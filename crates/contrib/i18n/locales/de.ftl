# Die eigenen Texte der i18n-Erweiterung.
# Wie sich die Sprache in der Sprachauswahl selbst nennt.
language-name = Deutsch
language-switcher-label = Sprache
language-switcher-submit = Wechseln
