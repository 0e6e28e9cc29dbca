//! Input of the accounts views and its validation. The same form types serve the JSON API
//! and the HTML pages: every field is optional at parse time so that all missing or
//! invalid fields are reported together.

use std::sync::OnceLock;

use serde::Deserialize;
use web::FieldErrors;
use web_i18n::Languages;

use crate::models::user::normalize_email;
use crate::passwords;

const REQUIRED: &str = "This field is required.";
/// The longest email address (RFC 5321), checked before any query.
pub(crate) const MAX_EMAIL: usize = 254;
const MAX_NAME: usize = 150;

fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_string())
        .or_default()
        .push(message.into());
}

/// A syntactically valid email address (the rules of Django's `EmailValidator`).
pub fn is_valid_email(email: &str) -> bool {
    static LOCAL: OnceLock<regex::Regex> = OnceLock::new();
    static DOMAIN: OnceLock<regex::Regex> = OnceLock::new();
    let local_re = LOCAL.get_or_init(|| {
        regex::Regex::new(r"(?i)^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*$")
            .expect("valid regex")
    });
    let domain_re = DOMAIN.get_or_init(|| {
        regex::Regex::new(r"(?i)^([\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}][\p{L}\p{N}-]{0,61}[\p{L}\p{N}]$")
            .expect("valid regex")
    });
    if email.len() > MAX_EMAIL {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    local.len() <= 64 && local_re.is_match(local) && domain_re.is_match(domain)
}

fn required(errors: &mut FieldErrors, field: &str, value: Option<String>) -> String {
    match value {
        Some(v) if !v.is_empty() => v,
        _ => {
            add(errors, field, REQUIRED);
            String::new()
        }
    }
}

fn clean_email(errors: &mut FieldErrors, value: Option<String>) -> String {
    let raw = required(errors, "email", value);
    let email = normalize_email(&raw);
    if !raw.is_empty() && !is_valid_email(&email) {
        add(errors, "email", "Enter a valid email address.");
    }
    email
}

/// A user's display name: at most [`MAX_NAME`] characters of one line of plain text.
fn clean_name(errors: &mut FieldErrors, name: &str) {
    if let Some(problem) = web::forms::forbidden_characters(name, false) {
        add(errors, "name", problem);
    } else if name.chars().count() > MAX_NAME {
        add(
            errors,
            "name",
            format!("Ensure this field has at most {MAX_NAME} characters."),
        );
    }
}

/// Registration: `{email, password, name}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = RegisterRequest)]
pub struct RegisterForm {
    /// Unique, compared case-insensitively.
    #[schema(required = true, value_type = String, format = Email, max_length = 254, example = "ada@example.com")]
    pub email: Option<String>,
    /// At least 8 characters, not entirely numeric, not too similar to the email, not a
    /// common password.
    #[schema(required = true, value_type = String, min_length = 8)]
    pub password: Option<String>,
    #[schema(required = true, value_type = String, max_length = 150, example = "Ada Lovelace")]
    pub name: Option<String>,
    /// The language of the user's mails, one of `i18n.languages`; when left out, the
    /// language of the registration request.
    #[serde(default)]
    #[schema(value_type = String, example = "de")]
    pub language: Option<String>,
    /// HTML only: where to go afterwards.
    #[serde(default)]
    #[schema(ignore)]
    pub next: Option<String>,
}

pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
    /// `None`: not given (the caller picks the request's language).
    pub language: Option<String>,
}

/// A language the site speaks, as its canonical code; `None` (and no error) when the
/// field was left out or empty.
pub fn clean_language(
    errors: &mut FieldErrors,
    value: Option<&str>,
    languages: &Languages,
) -> Option<String> {
    let code = value.filter(|v| !v.is_empty())?;
    match languages.find(code) {
        Some(id) => Some(id.to_string()),
        None => {
            let known: Vec<String> = languages.available.iter().map(|l| l.to_string()).collect();
            add(
                errors,
                "language",
                format!(
                    "Select a valid choice. That language is not one of the available choices ({}).",
                    known.join(", ")
                ),
            );
            None
        }
    }
}

/// A signed-in user's change of their own settings on the profile page: `{language}`.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    pub language: Option<String>,
}

/// The same change through `PATCH /api/accounts/me`: `{"language": "de"}`; a key it does
/// not know is refused (the page's form also carries its CSRF token).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProfileUpdate)]
pub struct ProfileUpdate {
    /// One of `i18n.languages`.
    #[schema(required = true, value_type = String, example = "de")]
    pub language: Option<String>,
}

impl From<ProfileUpdate> for ProfileForm {
    fn from(update: ProfileUpdate) -> ProfileForm {
        ProfileForm {
            language: update.language,
        }
    }
}

impl ProfileForm {
    /// The language, which must be given and spoken by the site.
    pub fn validate(self, languages: &Languages) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        let language = clean_language(&mut errors, self.language.as_deref(), languages);
        match language {
            Some(language) if errors.is_empty() => Ok(language),
            _ => {
                if errors.is_empty() {
                    add(&mut errors, "language", REQUIRED);
                }
                Err(errors)
            }
        }
    }
}

impl RegisterForm {
    /// `require_name`: the API wants the key present; the HTML form may leave it empty.
    pub fn validate(
        self,
        require_name: bool,
        languages: &Languages,
    ) -> Result<Registration, FieldErrors> {
        let mut errors = FieldErrors::new();
        let language = clean_language(&mut errors, self.language.as_deref(), languages);
        let email = clean_email(&mut errors, self.email);
        let password = required(&mut errors, "password", self.password);
        if !password.is_empty() {
            for problem in passwords::validate(&password, &email) {
                add(&mut errors, "password", problem);
            }
        }
        let name = match self.name {
            Some(name) => name.trim().to_string(),
            None if require_name => {
                add(&mut errors, "name", REQUIRED);
                String::new()
            }
            None => String::new(),
        };
        clean_name(&mut errors, &name);
        if errors.is_empty() {
            Ok(Registration {
                email,
                password,
                name,
                language,
            })
        } else {
            Err(errors)
        }
    }
}

pub use crate::models::user::UserEdit;

impl UserEdit {
    /// The same email and name rules as registration.
    pub fn validate(
        email: Option<String>,
        name: String,
        flags: (bool, bool, bool),
    ) -> Result<UserEdit, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = clean_email(&mut errors, email);
        let name = name.trim().to_string();
        clean_name(&mut errors, &name);
        if !errors.is_empty() {
            return Err(errors);
        }
        let (is_active, is_staff, is_superuser) = flags;
        Ok(UserEdit {
            email,
            name,
            is_active,
            is_staff,
            is_superuser,
        })
    }
}

/// Login: `{email, password}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = TokenRequest)]
pub struct LoginForm {
    #[schema(required = true, value_type = String, min_length = 1, example = "ada@example.com")]
    pub email: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1)]
    pub password: Option<String>,
    #[serde(default)]
    #[schema(ignore)]
    pub next: Option<String>,
}

pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl LoginForm {
    pub fn validate(self) -> Result<Credentials, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = required(&mut errors, "email", self.email);
        let password = required(&mut errors, "password", self.password);
        if errors.is_empty() {
            Ok(Credentials { email, password })
        } else {
            Err(errors)
        }
    }
}

/// API password change: `{old_password, new_password}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordChangeRequest)]
pub struct ApiPasswordChange {
    #[schema(required = true, value_type = String, min_length = 1)]
    pub old_password: Option<String>,
    /// The same rules as at registration.
    #[schema(required = true, value_type = String, min_length = 8)]
    pub new_password: Option<String>,
}

/// HTML password change (Django's `PasswordChangeForm`).
#[derive(Debug, Default, Deserialize)]
pub struct PasswordChangeForm {
    pub old_password: Option<String>,
    pub new_password1: Option<String>,
    pub new_password2: Option<String>,
}

/// Setting a password from a reset link (Django's `SetPasswordForm`).
#[derive(Debug, Default, Deserialize)]
pub struct SetPasswordForm {
    pub new_password1: Option<String>,
    pub new_password2: Option<String>,
}

/// Validates a new password (twice typed in HTML forms) for `email`.
pub fn clean_new_password(
    errors: &mut FieldErrors,
    field: &str,
    password: Option<String>,
    confirmation: Option<Option<String>>,
    email: &str,
) -> String {
    let password = required(errors, field, password);
    if let Some(confirmation) = confirmation
        && !password.is_empty()
        && confirmation.as_deref() != Some(password.as_str())
    {
        add(
            errors,
            "new_password2",
            "The two password fields didn’t match.",
        );
    }
    if !password.is_empty() {
        for problem in passwords::validate(&password, email) {
            add(errors, field, problem);
        }
    }
    password
}

/// "Forgot password": `{email}`.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordResetForm {
    pub email: Option<String>,
}

impl PasswordResetForm {
    pub fn validate(self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = clean_email(&mut errors, self.email);
        if errors.is_empty() {
            Ok(email)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa's attributes take literals only: these tie them to the checked bounds.
    #[test]
    fn the_documented_bounds_are_the_checked_ones() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(RegisterForm::schema()).unwrap();
        assert_eq!(schema["properties"]["email"]["maxLength"], MAX_EMAIL);
        assert_eq!(schema["properties"]["name"]["maxLength"], MAX_NAME);
        assert!(schema["properties"].get("next").is_none(), "HTML only");
    }

    #[test]
    fn emails() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "x@bücher.de",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "not-an-email",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@-example.com",
            "a.@example.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    fn english_and_german() -> Languages {
        Languages {
            available: vec!["en".parse().unwrap(), "de".parse().unwrap()],
            default: "en".parse().unwrap(),
        }
    }

    #[test]
    fn registration_reports_every_field() {
        let languages = english_and_german();
        let errors = RegisterForm::default()
            .validate(true, &languages)
            .err()
            .unwrap();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["email", "name", "password"]
        );
        let form = RegisterForm {
            email: Some("not-an-email".into()),
            password: Some("12345678".into()),
            name: Some("x".into()),
            language: Some("fr".into()),
            next: None,
        };
        let errors = form.validate(true, &languages).err().unwrap();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["email", "language", "password"]
        );
    }

    #[test]
    fn a_language_is_one_the_site_speaks() {
        let languages = english_and_german();
        let mut errors = FieldErrors::new();
        assert_eq!(
            clean_language(&mut errors, Some("DE"), &languages).as_deref(),
            Some("de")
        );
        assert_eq!(clean_language(&mut errors, None, &languages), None);
        assert_eq!(clean_language(&mut errors, Some(""), &languages), None);
        assert!(errors.is_empty());
        assert_eq!(clean_language(&mut errors, Some("fr"), &languages), None);
        assert!(errors["language"][0].contains("en, de"));
        let missing = ProfileForm { language: None }.validate(&languages);
        assert_eq!(
            missing.unwrap_err()["language"],
            ["This field is required."]
        );
    }
}
