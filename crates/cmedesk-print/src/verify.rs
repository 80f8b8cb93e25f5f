//! Offline verification of a printed statement: from the code text (typed or scanned from the
//! QR) or from the statement's PDF file, whose Subject carries the same code.

use cmedesk_core::statement::{CODE_PREFIX, StatementError, StatementSummary, VerificationCode};
use ed25519_dalek::VerifyingKey;

/// Finds the verification code in a statement PDF's bytes: in the document's Subject, which
/// printpdf writes as a UTF-16BE hex string (`<FEFF0043004D…>`), or as plain text.
pub fn code_from_pdf(bytes: &[u8]) -> Result<VerificationCode, StatementError> {
    let text = find_plain(bytes).or_else(|| find_utf16_hex(bytes));
    let text = text.ok_or(StatementError::MalformedCode("no verification code in this PDF"))?;
    VerificationCode::parse(&text)
}

fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b':'
}

fn find_plain(bytes: &[u8]) -> Option<String> {
    let prefix = CODE_PREFIX.as_bytes();
    let start = bytes.windows(prefix.len()).position(|w| w == prefix)?;
    let end = bytes[start..].iter().position(|b| !is_code_byte(*b)).map_or(bytes.len(), |n| start + n);
    std::str::from_utf8(&bytes[start..end]).ok().map(str::to_string)
}

/// The UTF-16BE hex form of a PDF text string.
pub fn utf16_hex(text: &str) -> String {
    text.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

fn find_utf16_hex(bytes: &[u8]) -> Option<String> {
    let needle = utf16_hex(CODE_PREFIX);
    let upper: Vec<u8> = bytes.iter().map(u8::to_ascii_uppercase).collect();
    let start = upper.windows(needle.len()).position(|w| w == needle.as_bytes())?;
    let mut out = String::new();
    for quad in upper[start..].chunks(4) {
        let Ok(hex) = std::str::from_utf8(quad) else {
            break;
        };
        let Ok(unit) = u16::from_str_radix(hex, 16) else {
            break;
        };
        match u8::try_from(unit) {
            Ok(b) if is_code_byte(b) && quad.len() == 4 => out.push(char::from(b)),
            _ => break,
        }
    }
    Some(out)
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
