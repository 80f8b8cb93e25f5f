//! The OS keyring (系统钥匙串) as a home for a desk's data key: the Secret Service on Linux
//! (GNOME Keyring, KWallet), the Credential Manager on Windows, the Keychain on macOS, through
//! the `keyring` crate. The key file then holds only where the key is and a check value
//! (`keyring cmedesk/<account> <check>`), so a copied disk image or key file opens nothing
//! without the signed-in user's keyring. Where no keyring is reachable (a server without a
//! desktop session) the desk keeps the key file's plain or passphrase-wrapped line, and says so.

use sha2::{Digest, Sha256};

/// The keyring service name of every desk key; the account names the desk.
pub const SERVICE: &str = "cmedesk";

/// Why the keyring could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// No keyring service reachable or it refused access (locked, no session bus).
    Unavailable(String),
    /// The keyring has no entry of that name (deleted, or another user's keyring).
    NoEntry,
}

fn entry(account: &str) -> Result<keyring::Entry, KeyringError> {
    keyring::Entry::new(SERVICE, account).map_err(|e| KeyringError::Unavailable(e.to_string()))
}

fn map(e: keyring::Error) -> KeyringError {
    match e {
        keyring::Error::NoEntry => KeyringError::NoEntry,
        other => KeyringError::Unavailable(other.to_string()),
    }
}

/// Stores `secret` (hex text) under `account`, replacing an older one.
pub(crate) fn store(account: &str, secret: &str) -> Result<(), KeyringError> {
    entry(account)?.set_password(secret).map_err(map)
}

pub(crate) fn load(account: &str) -> Result<String, KeyringError> {
    entry(account)?.get_password().map_err(map)
}

/// Removes the entry (a test's cleanup, or a desk deleted for good).
pub fn delete(account: &str) -> Result<(), KeyringError> {
    entry(account)?.delete_credential().map_err(map)
}

/// A check value stored in the key file that tells the keyring's secret is this desk's key.
pub(crate) fn check(key: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cmedesk keyring check\0");
    h.update(key);
    h.finalize().into()
}
