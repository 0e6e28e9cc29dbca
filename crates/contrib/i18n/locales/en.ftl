# The i18n extra's own messages.
# How the language names itself in the language switcher.
language-name = English
language-switcher-label = Language
language-switcher-submit = Change
