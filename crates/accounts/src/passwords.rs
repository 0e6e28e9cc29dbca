//! Password hashing (Argon2id) and validation (Django's validators).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::settings::AccountsSettings;

/// Hashes and verifies passwords with Argon2id, off the async worker threads.
pub struct PasswordHasher {
    params: Params,
    /// Hashing is deliberately expensive in CPU and memory; this bounds how many run at
    /// once so a burst of logins queues instead of exhausting memory.
    permits: Semaphore,
    /// A hash of a random password, verified when the email is unknown so that an unknown
    /// email takes as long as a wrong password.
    dummy: OnceCell<String>,
}

impl PasswordHasher {
    pub fn new(settings: &AccountsSettings) -> Result<Self, argon2::Error> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(PasswordHasher {
            params,
            permits: Semaphore::new(cores * 2),
            dummy: OnceCell::new(),
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        Ok(tokio::task::spawn_blocking(f).await?)
    }

    /// The PHC string (`$argon2id$v=19$m=…`) of `password` with a random salt.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        let params = self.params.clone();
        self.blocking(move || {
            Self::argon2(params)
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await?
    }

    /// Whether `password` matches `hash` (the hash carries its own parameters).
    pub async fn verify(&self, password: &str, hash: &str) -> anyhow::Result<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        let params = self.params.clone();
        self.blocking(move || match PasswordHash::new(&hash) {
            Ok(parsed) => Self::argon2(params)
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        })
        .await
    }

    /// Spends the time of one verification (for an unknown email).
    pub async fn verify_dummy(&self, password: &str) -> anyhow::Result<()> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async { self.hash("dummy password, never valid").await })
            .await?;
        self.verify(password, dummy).await?;
        Ok(())
    }

    /// Whether `hash` was made with other parameters than the configured ones (it is then
    /// re-hashed at the next successful login, as Django does).
    pub fn needs_rehash(&self, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return true;
        };
        match Params::try_from(&parsed) {
            Ok(p) => {
                p.m_cost() != self.params.m_cost()
                    || p.t_cost() != self.params.t_cost()
                    || p.p_cost() != self.params.p_cost()
            }
            Err(_) => true,
        }
    }
}

/// The shared hasher, as handlers extract it: `Dep(hasher): Dep<Hasher>`.
pub type Hasher = Arc<PasswordHasher>;

pub const MIN_LENGTH: usize = 8;
const MAX_SIMILARITY: f64 = 0.7;

fn common_passwords() -> &'static HashSet<&'static str> {
    // Django's list of 20,000 common passwords (lower-cased), shipped with Django under its
    // BSD licence; created by Royce Williams.
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Number of passwords in the built-in common list.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// Django's `UserAttributeSimilarityValidator` check: the password is too similar to the
/// email, to its local part, or to a word of it.
fn too_similar(password: &str, email: &str) -> bool {
    let password = password.to_lowercase();
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return false;
    }
    let mut parts: Vec<&str> = email
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|p| !p.is_empty())
        .collect();
    if let Some((local, _)) = email.split_once('@') {
        parts.push(local);
    }
    parts.push(&email);
    parts.into_iter().any(|part| {
        let (pwd_len, part_len) = (password.chars().count(), part.chars().count());
        // Far longer passwords cannot reach the ratio; Django skips them the same way.
        let exceeds =
            pwd_len >= 10 * part_len && (part_len as f64) < MAX_SIMILARITY / 2.0 * pwd_len as f64;
        !exceeds && quick_ratio(&password, part) >= MAX_SIMILARITY
    })
}

/// Python's `SequenceMatcher.quick_ratio`: 2·(shared characters) / (total length).
fn quick_ratio(a: &str, b: &str) -> f64 {
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        return 1.0;
    }
    let mut counts = std::collections::HashMap::new();
    for c in b.chars() {
        *counts.entry(c).or_insert(0i32) += 1;
    }
    let mut matches = 0;
    for c in a.chars() {
        if let Some(n) = counts.get_mut(&c)
            && *n > 0
        {
            *n -= 1;
            matches += 1;
        }
    }
    2.0 * matches as f64 / total as f64
}

/// Django's default validators: minimum length, not entirely numeric, not too similar to
/// the email, not a common password. Returns every message that applies.
pub fn validate(password: &str, email: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if password.chars().count() < MIN_LENGTH {
        problems.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push("This password is entirely numeric.".to_string());
    }
    if too_similar(password, email) {
        problems.push("The password is too similar to the email.".to_string());
    }
    if common_passwords().contains(password.trim().to_lowercase().as_str()) {
        problems.push("This password is too common.".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_list_is_large_and_has_the_usual_suspects() {
        assert!(common_password_count() >= 1000);
        for p in ["password123", "qwertyuiop", "12345678", "Password123"] {
            assert!(
                validate(p, "x@example.com")
                    .iter()
                    .any(|m| m.contains("too common")),
                "{p}"
            );
        }
    }

    #[test]
    fn short_and_numeric_passwords_are_refused() {
        assert!(
            validate("abc", "a@b.co")
                .iter()
                .any(|m| m.contains("too short"))
        );
        assert!(
            validate("8675309142", "a@b.co")
                .iter()
                .any(|m| m.contains("entirely numeric"))
        );
        assert!(validate("correct horse battery", "a@b.co").is_empty());
    }

    #[test]
    fn passwords_like_the_email_are_refused() {
        assert!(!validate("same@example.com", "same@example.com").is_empty());
        assert!(!validate("jonathan.smith1", "jonathan.smith@example.com").is_empty());
        assert!(!validate("Jonathansmith", "jonathan.smith@example.com").is_empty());
        assert!(validate("t4ngerine-Sky!", "jonathan.smith@example.com").is_empty());
    }

    #[test]
    fn quick_ratio_matches_python() {
        assert!((quick_ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert_eq!(quick_ratio("", ""), 1.0);
    }
}
