//! Secrets at rest (SMTP passwords and the like): XChaCha20-Poly1305 keyed by `OCC_SECRET_KEY`.
//! A sealed value is `v1:` + base64(nonce || ciphertext), so the format can change later.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::config::{self, ConfigError, Secret};

const PREFIX: &str = "v1:";

/// Encrypts and decrypts secrets with the configured key.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Not something `seal` made.
    #[error("not a sealed secret")]
    Malformed,
    /// Sealed with another key, or altered.
    #[error("the secret was sealed with another key, or altered")]
    Rejected,
}

impl SecretBox {
    /// A box for the key in `OCC_SECRET_KEY` (base64 of 32 bytes); `key` is `None` when the
    /// variable is unset, which is an error only where secrets are needed.
    pub fn from_key(key: Option<&Secret>) -> Result<Self, ConfigError> {
        let key = key.ok_or(ConfigError {
            variable: "OCC_SECRET_KEY",
            problem: format!("is needed to store secrets such as SMTP passwords; set it to {}", config::KEY_HINT),
        })?;
        Ok(Self { cipher: XChaCha20Poly1305::new(&config::secret_key_bytes(key)?.into()) })
    }

    /// Encrypts `plain` with a fresh random nonce.
    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts what [`SecretBox::seal`] made with the same key.
    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let bytes = sealed.strip_prefix(PREFIX).and_then(|b| STANDARD.decode(b).ok()).ok_or(OpenError::Malformed)?;
        if bytes.len() < 24 + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), ciphertext).map_err(|_| OpenError::Rejected)?;
        String::from_utf8(plain).map_err(|_| OpenError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Secret {
        Secret::new(STANDARD.encode([byte; 32]))
    }

    #[test]
    fn sealed_secrets_open_with_their_key_only() {
        let a = SecretBox::from_key(Some(&key(1))).expect("key");
        let b = SecretBox::from_key(Some(&key(2))).expect("key");
        let sealed = a.seal("smtp-password").expect("seal");
        assert!(!sealed.contains("smtp-password"));
        assert_ne!(sealed, a.seal("smtp-password").expect("seal"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).expect("open"), "smtp-password");
        assert!(matches!(b.open(&sealed), Err(OpenError::Rejected)));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(a.open(&tampered).is_err());
        assert!(matches!(a.open("plain text"), Err(OpenError::Malformed)));
    }

    #[test]
    fn a_missing_or_bad_key_names_the_variable() {
        for key in [None, Some(Secret::new("too-short"))] {
            let err = SecretBox::from_key(key.as_ref()).expect_err("refused");
            assert_eq!(err.variable, "OCC_SECRET_KEY");
        }
    }
}
