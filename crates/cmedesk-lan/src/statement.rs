//! The statement PDF a staff member downloads. Signing goes through [`StatementSigner`], so
//! the installation's key (`cmedesk_print::signing_key`, what `cmedesk statement` uses) or a
//! key made in memory for tests can sign without the routes knowing which.

use anyhow::Result;
use cmedesk_core::statement::{Statement, StatementError, VerificationCode, signing_key_from_seed};
use ed25519_dalek::SigningKey;

/// Signs statements with some Ed25519 key.
pub trait StatementSigner: Send + Sync + 'static {
    fn sign(&self, statement: &Statement) -> Result<VerificationCode, StatementError>;
}

/// Signs with one Ed25519 key held in memory.
pub struct KeySigner {
    key: SigningKey,
}

impl KeySigner {
    /// The installation's key, as loaded by `cmedesk_print::signing_key::load_or_create`.
    pub fn new(key: SigningKey) -> KeySigner {
        KeySigner { key }
    }

    /// A fresh random key (tests; statements it signs verify only against its public key).
    pub fn generate() -> Result<KeySigner> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random key: {e}"))?;
        Ok(KeySigner { key: signing_key_from_seed(&seed) })
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }
}

impl StatementSigner for KeySigner {
    fn sign(&self, statement: &Statement) -> Result<VerificationCode, StatementError> {
        statement.sign(&self.key)
    }
}

/// Lays out and draws a signed statement as PDF bytes.
pub fn render(
    fonts: &cmedesk_print::FontSet,
    statement: &Statement,
    code: &VerificationCode,
) -> Result<Vec<u8>> {
    let mut printer = cmedesk_print::Printer::new(fonts.clone());
    Ok(printer.statement_pdf(statement, code)?)
}
