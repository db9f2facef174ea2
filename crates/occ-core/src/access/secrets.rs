//! Secrets of sessions and tokens: random, shown once, stored only as SHA-256 hashes; the CSRF
//! token derived from a session's secret; and password hashing with argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// The prefix of every API token, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "occ_";

/// 32 random bytes, base64url.
pub fn random_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a secret, hex: what is stored and looked up.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The CSRF token of a session: derived from its secret, which only this origin's pages can
/// learn (through `/auth/login` or `/auth/me`), so nothing needs storing.
pub fn csrf_token(session_secret: &str) -> String {
    hex(&Sha256::digest(format!("occ-csrf:{session_secret}").as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (hashing cost is bounded).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Checks a new password's length; the message names the rule.
pub fn check_new_password(field: &str, password: &str) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            field,
            "min_length",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(field, "max_length", format!("must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// Hashes a password with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Whether `password` matches the stored hash. With no hash (an unknown email) it still does
/// the work of a verification, so response times do not tell which emails exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("occ-dummy-password-for-timing").unwrap_or_default());
    let hash = stored.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
        assert!(!verify_password("anything", Some("not a hash")));
    }

    #[test]
    fn secrets_are_random_and_hashes_and_csrf_tokens_are_stable() {
        let a = random_secret().expect("secret");
        let b = random_secret().expect("secret");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), hash_secret(&b));
        assert_ne!(csrf_token(&a), hash_secret(&a), "the CSRF token is not the stored hash");
        assert!(constant_time_eq(&csrf_token(&a), &csrf_token(&a)));
        assert!(!constant_time_eq(&csrf_token(&a), &csrf_token(&b)));
    }

    #[test]
    fn new_passwords_have_a_length_rule() {
        assert!(check_new_password("password", "short").is_err());
        assert!(check_new_password("password", &"x".repeat(12)).is_ok());
        assert!(check_new_password("password", &"x".repeat(201)).is_err());
    }
}
