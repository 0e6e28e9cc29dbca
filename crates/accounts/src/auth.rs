//! Authentication: checking credentials (with throttling), logging in and out of a session,
//! changing passwords, and password-reset links.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{DatabaseConnection, TransactionTrait};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use web::Error;
use web::settings::Secret;
use web_sessions::session_error;

use crate::models::{User, throttle, token, user};
use crate::passwords::PasswordHasher;
use crate::settings::AccountsSettings;

/// Session key of the signed-in user's id.
pub const SESSION_USER_ID: &str = "_auth_user_id";
/// Session key of the hash tying the session to the user's current password.
pub const SESSION_USER_HASH: &str = "_auth_user_hash";

/// Password-reset emails one address gets per hour, at most.
pub const RESET_EMAILS_PER_ADDRESS: u32 = 3;
/// Password-reset requests one client address makes per hour, at most.
pub const RESET_REQUESTS_PER_CLIENT: u32 = 20;

/// Why a login failed.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong email or password (the same for both).
    InvalidCredentials,
    /// Too many recent failures; retry after this many seconds.
    Throttled(u64),
    Other(Error),
}

impl From<Error> for LoginError {
    fn from(e: Error) -> Self {
        LoginError::Other(e)
    }
}

impl From<sea_orm::DbErr> for LoginError {
    fn from(e: sea_orm::DbErr) -> Self {
        LoginError::Other(e.into())
    }
}

impl From<anyhow::Error> for LoginError {
    fn from(e: anyhow::Error) -> Self {
        LoginError::Other(e.into())
    }
}

impl From<LoginError> for Error {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::InvalidCredentials => Error::new(
                http::StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid email or password.",
            ),
            LoginError::Throttled(seconds) => Error::throttled(seconds),
            LoginError::Other(e) => e,
        }
    }
}

/// The accounts service: settings, the password hasher and the project's secret key.
/// Handlers extract it with `Dep(auth): Dep<Auth>`.
#[derive(Clone)]
pub struct Auth {
    pub settings: Arc<AccountsSettings>,
    pub hasher: Arc<PasswordHasher>,
    secret: Secret,
}

type HmacSha256 = Hmac<Sha256>;

impl Auth {
    pub fn new(settings: AccountsSettings, hasher: PasswordHasher, secret: Secret) -> Self {
        Auth {
            settings: Arc::new(settings),
            hasher: Arc::new(hasher),
            secret,
        }
    }

    fn sign(&self, purpose: &str, message: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// How long throttle records must be kept: the longest window any of them uses.
    pub fn throttle_retention(&self) -> Duration {
        Ord::max(self.window(), Duration::hours(1))
    }

    fn window(&self) -> Duration {
        Duration::seconds(self.settings.login_window_seconds)
    }

    /// Checks an email and password, counting failures per email and per client address.
    /// An unknown email costs the same time as a wrong password and fails the same way.
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        email: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<User, LoginError> {
        let email = user::normalize_email(email);
        if email.len() > crate::forms::MAX_EMAIL {
            // No account has such an address, and it must not reach the throttle's key.
            return Err(LoginError::InvalidCredentials);
        }
        self.reserve_attempt(db, &email, ip).await?;
        let found = user::find_by_email(db, &email).await?;
        let valid = match &found {
            Some(u) => self.hasher.verify(password, &u.password).await? && u.is_active,
            None => {
                self.hasher.verify_dummy(password).await?;
                false
            }
        };
        // A failed check keeps its reserved attempt: it is the failure counted.
        let Some(mut user) = found.filter(|_| valid) else {
            return Err(LoginError::InvalidCredentials);
        };
        self.forget_attempt(db, &email, ip).await?;
        user::touch_last_login(db, user.id).await?;
        if self.hasher.needs_rehash(&user.password) {
            let hash = self.hasher.hash(password).await?;
            user::set_password_hash(db, user.id, &hash).await?;
            user.password = hash;
        }
        Ok(user)
    }

    /// Whether a password-reset email may go to `email` now, asked by a client at `ip`: at
    /// most [`RESET_EMAILS_PER_ADDRESS`] emails per address and
    /// [`RESET_REQUESTS_PER_CLIENT`] requests per client address an hour. `None` for an
    /// email with no active account still counts the client's request. The page looks the
    /// same either way, so the limit reveals nothing.
    pub async fn allow_reset_email(
        &self,
        db: &DatabaseConnection,
        email: Option<&str>,
        ip: IpAddr,
    ) -> Result<bool, Error> {
        let hour = Duration::hours(1);
        let client = format!("reset-ip:{ip}");
        if throttle::reserve_attempt(db, &client, RESET_REQUESTS_PER_CLIENT, hour)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let Some(email) = email else {
            return Ok(false);
        };
        let address = format!("reset-email:{email}");
        Ok(
            throttle::reserve_attempt(db, &address, RESET_EMAILS_PER_ADDRESS, hour)
                .await?
                .is_none(),
        )
    }

    /// Checks the signed-in `user`'s current password (a password change), throttled like
    /// a login: a wrong one counts as a failed login for their email and the address, so
    /// a stolen token or session can't be used to guess the password.
    pub async fn check_current_password(
        &self,
        db: &DatabaseConnection,
        user: &User,
        password: &str,
        ip: IpAddr,
    ) -> Result<bool, LoginError> {
        self.reserve_attempt(db, &user.email, ip).await?;
        let valid = self.hasher.verify(password, &user.password).await?;
        if valid {
            self.forget_attempt(db, &user.email, ip).await?;
        }
        Ok(valid)
    }

    /// Reserves one password check for `email` and for the client address `ip` *before*
    /// the (slow) check runs, so parallel guesses can't all be checked: 429 with the wait
    /// once `login_max_failures` (per email) or `ip_max_failures` (per address) attempts
    /// are in the window. Only failures count: a success calls `throttle::reset`.
    pub async fn reserve_attempt(
        &self,
        db: &DatabaseConnection,
        email: &str,
        ip: IpAddr,
    ) -> Result<(), LoginError> {
        let email_key = throttle::email_key(email);
        let (max, window) = (self.settings.login_max_failures, self.window());
        if let Some(wait) = throttle::reserve_attempt(db, &email_key, max, window).await? {
            return Err(LoginError::Throttled(wait));
        }
        let ip_limit = self.settings.ip_max_failures;
        if ip_limit > 0 {
            let ip_key = throttle::ip_key(&ip);
            if let Some(wait) = throttle::reserve_attempt(db, &ip_key, ip_limit, window).await? {
                throttle::release_attempt(db, &email_key).await?;
                return Err(LoginError::Throttled(wait));
            }
        }
        Ok(())
    }

    /// After a successful check: the email's failures are forgotten and the address's
    /// reserved attempt given back (only failures count).
    pub async fn forget_attempt(
        &self,
        db: &DatabaseConnection,
        email: &str,
        ip: IpAddr,
    ) -> Result<(), LoginError> {
        throttle::reset(db, &throttle::email_key(email)).await?;
        if self.settings.ip_max_failures > 0 {
            throttle::release_attempt(db, &throttle::ip_key(&ip)).await?;
        }
        Ok(())
    }

    /// Ties a session to the user's current password: changing the password ends every
    /// other session (Django's session auth hash).
    pub fn session_hash(&self, user: &User) -> String {
        self.sign("session", &format!("{}:{}", user.id, user.password))
    }

    /// Signs `user` into `session` under a new session id (no fixation) and a new CSRF token.
    pub async fn login(&self, session: &Session, user: &User) -> Result<(), Error> {
        session.cycle_id().await.map_err(session_error)?;
        web_sessions::csrf::rotate(session).await?;
        session
            .insert(SESSION_USER_ID, user.id)
            .await
            .map_err(session_error)?;
        session
            .insert(SESSION_USER_HASH, self.session_hash(user))
            .await
            .map_err(session_error)?;
        Ok(())
    }

    /// Ends the session entirely.
    pub async fn logout(&self, session: &Session) -> Result<(), Error> {
        session.flush().await.map_err(session_error)?;
        Ok(())
    }

    /// The user signed into `session`, if the session is still valid for them.
    pub async fn session_user(
        &self,
        db: &DatabaseConnection,
        session: &Session,
    ) -> Result<Option<User>, Error> {
        let Some(id) = session
            .get::<i64>(SESSION_USER_ID)
            .await
            .map_err(session_error)?
        else {
            return Ok(None);
        };
        let stored: Option<String> = session
            .get(SESSION_USER_HASH)
            .await
            .map_err(session_error)?;
        let user = user::find_by_id(db, id).await?.filter(|u| u.is_active);
        match (user, stored) {
            (Some(user), Some(stored))
                if bool::from(stored.as_bytes().ct_eq(self.session_hash(&user).as_bytes())) =>
            {
                Ok(Some(user))
            }
            _ => {
                // Password changed, user deactivated or deleted: the session is over.
                session.flush().await.map_err(session_error)?;
                Ok(None)
            }
        }
    }

    /// Sets a new password; every API token of the user is revoked in the same
    /// transaction, and every session but one updated with [`Auth::login`] ends.
    pub async fn set_password(
        &self,
        db: &DatabaseConnection,
        user: &User,
        new_password: &str,
    ) -> Result<User, Error> {
        let hash = self.hasher.hash(new_password).await?;
        let txn = db.begin().await?;
        user::set_password_hash(&txn, user.id, &hash).await?;
        token::revoke_all(&txn, user.id).await?;
        txn.commit().await?;
        Ok(User {
            password: hash,
            ..user.clone()
        })
    }

    /// A password-reset token for `user`: `<timestamp base36>-<signature>`. It stops
    /// working when it expires, when the password changes (so it works once) or after
    /// the next login.
    pub fn reset_token(&self, user: &User, at: OffsetDateTime) -> String {
        let ts = at.unix_timestamp().max(0) as u64;
        format!(
            "{}-{}",
            to_base36(ts),
            &self.reset_signature(user, ts)[..32]
        )
    }

    fn reset_signature(&self, user: &User, ts: u64) -> String {
        let last_login = user.last_login.map(|t| t.unix_timestamp()).unwrap_or(0);
        self.sign(
            "password-reset",
            &format!("{}:{ts}:{}:{last_login}", user.id, user.password),
        )
    }

    /// Whether `token` is a valid, unexpired reset token for `user`.
    pub fn check_reset_token(&self, user: &User, token: &str) -> bool {
        let Some((ts, signature)) = token.split_once('-') else {
            return false;
        };
        let Some(ts) = from_base36(ts) else {
            return false;
        };
        let age = web::db::now().unix_timestamp() - ts as i64;
        if age < 0 || age > self.settings.password_reset_ttl_seconds {
            return false;
        }
        let expected = &self.reset_signature(user, ts)[..32];
        signature.len() == expected.len()
            && bool::from(signature.as_bytes().ct_eq(expected.as_bytes()))
    }
}

/// The user id as it appears in reset links.
pub fn encode_uid(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.to_string())
}

pub fn decode_uid(uid: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(uid)
        .ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn from_base36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 13 {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

/// A `?next=` target, kept only if it is a path on this site: it starts with one `/`, and
/// has no backslash, control character or whitespace (browsers drop tabs and newlines, so
/// `/\t/evil.com` would become `//evil.com`).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    ok.then(|| next.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/orders/1/")).as_deref(), Some("/orders/1/"));
        assert_eq!(
            safe_next(Some("/catalog/?q=a&page=2")).as_deref(),
            Some("/catalog/?q=a&page=2")
        );
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "https://evil.com",
            "evil.com",
            "/\t/evil.com",
            "\\\\evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn base36_round_trips() {
        for n in [0, 35, 36, 1_764_000_000, u32::MAX as u64] {
            assert_eq!(from_base36(&to_base36(n)), Some(n));
        }
        assert_eq!(decode_uid(&encode_uid(42)), Some(42));
        assert_eq!(decode_uid("!!"), None);
    }
}
