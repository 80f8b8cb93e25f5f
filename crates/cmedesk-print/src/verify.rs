//! Offline verification of a printed statement: from the code text (typed or scanned from the
//! QR) or from the statement's PDF file, whose Subject carries the same code.

use cmedesk_core::statement::{CODE_PREFIX, StatementError, StatementSummary, VerificationCode};
use ed25519_dalek::VerifyingKey;

/// Finds the verification code in a statement PDF's bytes.
pub fn code_from_pdf(bytes: &[u8]) -> Result<VerificationCode, StatementError> {
    let prefix = CODE_PREFIX.as_bytes();
    let start = bytes
        .windows(prefix.len())
        .position(|w| w == prefix)
        .ok_or(StatementError::MalformedCode("no verification code in this PDF"))?;
    let end = bytes[start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b':'))
        .map_or(bytes.len(), |n| start + n);
    let text = std::str::from_utf8(&bytes[start..end]).map_err(|_| StatementError::MalformedCode("utf-8"))?;
    VerificationCode::parse(text)
}

/// Verifies `input`: a path to a statement PDF when such a file exists, else a code text.
/// Returns the summary the trusted key vouches for; the caller shows it so the reader can
/// compare it with the paper (name, masked ID, rows, totals, print time).
pub fn verify_input(input: &str, trusted: &[VerifyingKey]) -> Result<StatementSummary, StatementError> {
    let path = std::path::Path::new(input);
    let code = if !input.trim_start().to_ascii_uppercase().starts_with(CODE_PREFIX) && path.is_file() {
        let bytes = std::fs::read(path).map_err(|_| StatementError::MalformedCode("unreadable file"))?;
        code_from_pdf(&bytes)?
    } else {
        VerificationCode::parse(input)?
    };
    code.verify(trusted).cloned()
}
