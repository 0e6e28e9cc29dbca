## The accounts app: registration, login, profile, passwords.

accounts-email = Email
accounts-name = Name
accounts-password = Password
accounts-log-in = Log in
accounts-log-out = Log out
accounts-register-nav = Register
accounts-create-account = Create an account

accounts-register-title = Create an account
accounts-register-password-help = At least 8 characters, not all digits, not like your email, not a common password.
accounts-register-submit = Create account
accounts-register-have-account = Already have an account?
accounts-welcome = Welcome, { $name }! Your account is ready.

accounts-login-title = Log in
accounts-login-forgot = Forgot your password?
accounts-signed-out = You have been signed out.

accounts-profile-title = Your account
accounts-profile-member-since = Member since
accounts-profile-role = Role
accounts-profile-staff = Staff
accounts-profile-change-password = Change your password
accounts-profile-addresses = Your addresses
accounts-profile-language = Language of your emails
accounts-profile-save = Save
accounts-profile-saved = Your settings are saved.

accounts-password-change-title = Change your password
accounts-password-current = Current password
accounts-password-new = New password
accounts-password-new-again = New password (again)
accounts-password-change-help = Changing your password signs you out everywhere else and revokes your API tokens.
accounts-password-changed = Your password was changed.
accounts-password-change-submit = Change password

accounts-reset-title = Reset your password
accounts-reset-heading = Forgot your password?
accounts-reset-intro = Enter your email and we’ll send you a link to choose a new one.
accounts-reset-submit = Send the link
accounts-reset-done-title = Check your email
accounts-reset-done-body = If an account exists for that address, we’ve sent it a link to reset the password. The link works once.
accounts-reset-confirm-title = Choose a new password
accounts-reset-confirm-submit = Set password
accounts-reset-invalid-title = This link no longer works
accounts-reset-invalid-body = The reset link is invalid, has expired or was already used.
accounts-reset-ask-again = Ask for a new one
accounts-reset-complete-title = Password set
accounts-reset-complete-heading = Your password is set
accounts-reset-complete-body = You can log in with it now.

## The password reset mail.

accounts-reset-mail-subject = Reset your password
accounts-reset-mail-greeting = Hello,
accounts-reset-mail-asked = Someone asked to reset the password of the store account { $email }.
accounts-reset-mail-choose = { $hours ->
    [one] If it was you, choose a new password here (the link works once, for one hour):
   *[other] If it was you, choose a new password here (the link works once, for { $hours } hours):
}
accounts-reset-mail-ignore = If it wasn't you, ignore this email; your password stays as it is.
