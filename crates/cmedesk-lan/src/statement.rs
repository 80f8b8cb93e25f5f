//! The statement PDF a staff member downloads. Signing goes through [`StatementSigner`] so the
//! installation's stored key (being added elsewhere) can replace the [`EphemeralSigner`] this
//! service makes at start without touching the routes.

use anyhow::Result;
use cmedesk_core::statement::{Statement, StatementError, VerificationCode, signing_key_from_seed};
use ed25519_dalek::SigningKey;

/// Signs statements with some Ed25519 key.
pub trait StatementSigner: Send + Sync + 'static {
    fn sign(&self, statement: &Statement) -> Result<VerificationCode, StatementError>;
}

/// A key made in memory when the service starts: statements it signed verify against its
/// public key only while the service runs. Stands in until the per-installation key exists.
pub struct EphemeralSigner {
    key: SigningKey,
}

impl EphemeralSigner {
    pub fn generate() -> Result<EphemeralSigner> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random key: {e}"))?;
        Ok(EphemeralSigner { key: signing_key_from_seed(&seed) })
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }
}

impl StatementSigner for EphemeralSigner {
    fn sign(&self, statement: &Statement) -> Result<VerificationCode, StatementError> {
        statement.sign(&self.key)
    }
}

/// Lays out and draws a signed statement as PDF bytes.
pub fn render(
    fonts: &cmedesk_print::FontSet,
    signer: &dyn StatementSigner,
    statement: &Statement,
) -> Result<Vec<u8>> {
    let code = signer.sign(statement).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    let mut printer = cmedesk_print::Printer::new(fonts.clone());
    Ok(printer.statement_pdf(statement, &code)?)
}
