//! The credit statement (学分记录明细表 + 验证码, seed 003) and its offline verification.
//!
//! A statement lists a person's credit rows and is signed with the installation's Ed25519 key,
//! so anyone holding the desk's public key can tell a genuine printout from a forged or altered
//! one without a network. Three pieces:
//!
//! * [`Statement::canonical_bytes`] — one exact byte encoding of everything printed, so the
//!   same statement always hashes the same and any change to any field changes the hash.
//! * [`VerificationCode`] — what the QR code carries (and what a scanner types back): a small
//!   signed summary (name, masked ID, print time, row count, totals, key id, digest of the
//!   canonical bytes) plus the signature, in QR-alphanumeric text `CME1:<base32>`.
//! * [`VerificationCode::short_code`] — 20 characters printed as the human-readable 验证码,
//!   derived from the signature; it identifies the printout in the desk's issue log.
//!
//! Everything here is pure: the caller generates the key from 32 random bytes and stores it
//! (the lead's store); time is passed in.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Timelike};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::booklet::Amount;

/// Domain separation: a signature made for a statement can never be replayed as anything else.
const SIGNING_CONTEXT: &[u8] = b"CMEDESK-STATEMENT-V1\0";
/// Text prefix of a verification code; QR-alphanumeric (`:` is in the QR set).
pub const CODE_PREFIX: &str = "CME1:";
const CODE_VERSION: u8 = 1;
const DIGEST_LEN: usize = 16;

/// Why a statement could not be signed or verified. Codes are stable for the UI.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatementError {
    /// The code text is not a `CME1:` code or is damaged (typo, truncated scan).
    #[error("验证码格式无效 / malformed verification code: {0}")]
    MalformedCode(&'static str),
    /// The signature does not match the summary: forged or altered.
    #[error("验证码签名无效，可能是伪造或被篡改 / signature invalid: forged or altered statement")]
    BadSignature,
    /// Signed by a key this desk does not know.
    #[error("验证码由未知密钥签发 (key {0}) / signed by an unknown key ({0})")]
    UnknownKey(String),
    /// The signature is fine but the statement shown does not match what was signed.
    #[error("明细表内容与验证码不符 ({0}) / statement does not match its code ({0})")]
    ContentMismatch(&'static str),
    /// A field too long to fit the code (names over 255 bytes, over 65,535 rows).
    #[error("字段过长: {0} / field too long: {0}")]
    TooLong(&'static str),
    /// The public key bytes are not a valid Ed25519 key.
    #[error("公钥无效 / invalid public key")]
    BadPublicKey,
}

impl StatementError {
    /// Stable SCREAMING_SNAKE code for the UI and `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            StatementError::MalformedCode(_) => "STATEMENT_CODE_MALFORMED",
            StatementError::BadSignature => "STATEMENT_SIGNATURE_INVALID",
            StatementError::UnknownKey(_) => "STATEMENT_KEY_UNKNOWN",
            StatementError::ContentMismatch(_) => "STATEMENT_CONTENT_MISMATCH",
            StatementError::TooLong(_) => "STATEMENT_FIELD_TOO_LONG",
            StatementError::BadPublicKey => "STATEMENT_PUBLIC_KEY_INVALID",
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            StatementError::ContentMismatch(f) | StatementError::TooLong(f) => Some(f),
            _ => None,
        }
    }
}

/// One row of the statement: 项目名称 | 项目编号 | 学分类别 | 分数 | 学时 | 学分发放时间.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StatementRow {
    /// 项目名称.
    pub project_name: String,
    /// 项目编号, e.g. `2025-14-05-962(国)`; empty for manual credits without one.
    pub project_code: String,
    /// 学分类别, e.g. `国家I类`, `省级`.
    pub category: String,
    /// 分数 (credits).
    pub credits: Amount,
    /// 学时.
    pub hours: Amount,
    /// 学分发放时间.
    pub granted_on: NaiveDate,
}

/// A credit statement (学分记录明细表) as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Statement {
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: String,
    /// 身份证号 as printed: masked by default (see [`mask_id_number`]).
    pub id_number_shown: String,
    /// 单位名称.
    pub unit: String,
    /// The rows, sorted by grant date then name by [`Statement::new`].
    pub rows: Vec<StatementRow>,
    /// 打印时间 (passed in; never read from a clock here).
    pub printed_at: DateTime<FixedOffset>,
}

/// Masks an ID number for printing with the house mask: first 4 and last 4 characters stay, the
/// rest become `*` (`4111**********4062`); input of 8 characters or fewer is masked whole, so a
/// mistyped number never prints in full.
pub fn mask_id_number(id_number: &str) -> String {
    // The house mask (`1101**********002X`), the same in lists, exports and printouts.
    crate::id_number::mask(id_number.trim())
}

impl Statement {
    /// Builds a statement; `reveal_id_number` prints the full number instead of the masked one
    /// (an explicit choice by the officer; masked is the default everywhere).
    pub fn new(
        name: impl Into<String>,
        gender: impl Into<String>,
        id_number: &str,
        reveal_id_number: bool,
        unit: impl Into<String>,
        mut rows: Vec<StatementRow>,
        printed_at: DateTime<FixedOffset>,
    ) -> Self {
        rows.sort_by(|a, b| {
            a.granted_on
                .cmp(&b.granted_on)
                .then_with(|| a.project_name.cmp(&b.project_name))
                .then_with(|| a.project_code.cmp(&b.project_code))
        });
        Statement {
            name: name.into(),
            gender: gender.into(),
            id_number_shown: if reveal_id_number {
                id_number.trim().to_string()
            } else {
                mask_id_number(id_number)
            },
            unit: unit.into(),
            rows,
            // The code carries whole seconds; a fraction would make the canonical bytes
            // rebuilt from a scanned code differ from the signed ones.
            printed_at: printed_at.with_nanosecond(0).unwrap_or(printed_at),
        }
    }

    /// Total credits of all rows.
    pub fn total_credits(&self) -> Amount {
        self.rows.iter().fold(Amount::ZERO, |acc, r| acc.saturating_add(r.credits))
    }

    /// Total hours of all rows.
    pub fn total_hours(&self) -> Amount {
        self.rows.iter().fold(Amount::ZERO, |acc, r| acc.saturating_add(r.hours))
    }

    /// The canonical encoding: UTF-8 lines `key=value`, rows as tab-separated fields, with
    /// whitespace left out of every value and `\` escaped, so no field can forge a separator.
    /// Amounts in hundredths, dates ISO, print time RFC 3339 with its offset. Any printed
    /// change changes these bytes — except whitespace: on paper a wrapped line cannot tell a
    /// space from a line break, and `verify` rebuilds these bytes from the printed text.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(128 + self.rows.len() * 96);
        out.push_str("CMEDESK-STATEMENT/1\n");
        for (key, value) in [
            ("name", self.name.as_str()),
            ("gender", self.gender.as_str()),
            ("id", self.id_number_shown.as_str()),
            ("unit", self.unit.as_str()),
        ] {
            out.push_str(key);
            out.push('=');
            escape_into(&mut out, value);
            out.push('\n');
        }
        out.push_str("printed=");
        out.push_str(&self.printed_at.to_rfc3339());
        out.push('\n');
        for row in &self.rows {
            out.push_str("row=");
            escape_into(&mut out, &row.project_name);
            out.push('\t');
            escape_into(&mut out, &row.project_code);
            out.push('\t');
            escape_into(&mut out, &row.category);
            out.push('\t');
            out.push_str(&row.credits.hundredths().to_string());
            out.push('\t');
            out.push_str(&row.hours.hundredths().to_string());
            out.push('\t');
            out.push_str(&row.granted_on.format("%Y-%m-%d").to_string());
            out.push('\n');
        }
        out.into_bytes()
    }

    /// SHA-256 of [`Statement::canonical_bytes`] in hex: what the issue log keeps.
    pub fn canonical_sha256(&self) -> String {
        hex(&Sha256::digest(self.canonical_bytes()))
    }

    fn digest(&self) -> [u8; DIGEST_LEN] {
        let full = Sha256::digest(self.canonical_bytes());
        let mut d = [0u8; DIGEST_LEN];
        d.copy_from_slice(&full[..DIGEST_LEN]);
        d
    }

    /// Signs the statement with the installation key and returns its verification code.
    pub fn sign(&self, key: &SigningKey) -> Result<VerificationCode, StatementError> {
        let rows = u16::try_from(self.rows.len()).map_err(|_| StatementError::TooLong("rows"))?;
        let summary = StatementSummary {
            key_id: key_id(&key.verifying_key()),
            printed_at: self.printed_at,
            rows,
            total_credits: self.total_credits(),
            total_hours: self.total_hours(),
            name: self.name.clone(),
            id_number_shown: self.id_number_shown.clone(),
            digest: self.digest(),
        };
        let message = summary.signed_message()?;
        let signature = key.sign(&message).to_bytes();
        Ok(VerificationCode { summary, signature })
    }
}

fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            // Printing turns control characters into spaces; neither survives on paper.
            c if c.is_whitespace() || c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Makes the installation key pair from 32 bytes of OS randomness supplied by the caller.
pub fn signing_key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// Parses a stored 32-byte public key.
pub fn verifying_key_from_bytes(bytes: &[u8; 32]) -> Result<VerifyingKey, StatementError> {
    VerifyingKey::from_bytes(bytes).map_err(|_| StatementError::BadPublicKey)
}

/// A 4-byte key id (first bytes of SHA-256 of the public key), shown as 8 hex digits; lets a
/// verifier holding several desks' keys pick the right one and name an unknown one.
pub fn key_id(key: &VerifyingKey) -> [u8; 4] {
    let d = Sha256::digest(key.as_bytes());
    [d[0], d[1], d[2], d[3]]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a verification code states and signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StatementSummary {
    /// Which installation key signed.
    pub key_id: [u8; 4],
    /// 打印时间.
    pub printed_at: DateTime<FixedOffset>,
    /// Number of credit rows.
    pub rows: u16,
    /// Sum of credits.
    pub total_credits: Amount,
    /// Sum of hours.
    pub total_hours: Amount,
    /// 姓名.
    pub name: String,
    /// 身份证号 as printed (masked or not).
    pub id_number_shown: String,
    /// First 16 bytes of SHA-256 of [`Statement::canonical_bytes`].
    pub digest: [u8; DIGEST_LEN],
}

impl StatementSummary {
    /// The key id as 8 hex digits.
    pub fn key_id_hex(&self) -> String {
        hex(&self.key_id)
    }

    fn encode(&self) -> Result<Vec<u8>, StatementError> {
        let name = self.name.as_bytes();
        let id = self.id_number_shown.as_bytes();
        let name_len = u8::try_from(name.len()).map_err(|_| StatementError::TooLong("name"))?;
        let id_len = u8::try_from(id.len()).map_err(|_| StatementError::TooLong("id_number"))?;
        let credits =
            i32::try_from(self.total_credits.hundredths()).map_err(|_| StatementError::TooLong("credits"))?;
        let hours =
            i32::try_from(self.total_hours.hundredths()).map_err(|_| StatementError::TooLong("hours"))?;
        let mut out = Vec::with_capacity(64 + name.len() + id.len());
        out.push(CODE_VERSION);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.printed_at.timestamp().to_be_bytes());
        out.extend_from_slice(&self.printed_at.offset().local_minus_utc().to_be_bytes());
        out.extend_from_slice(&self.rows.to_be_bytes());
        out.extend_from_slice(&credits.to_be_bytes());
        out.extend_from_slice(&hours.to_be_bytes());
        out.push(name_len);
        out.extend_from_slice(name);
        out.push(id_len);
        out.extend_from_slice(id);
        out.extend_from_slice(&self.digest);
        Ok(out)
    }

    fn signed_message(&self) -> Result<Vec<u8>, StatementError> {
        let mut m = SIGNING_CONTEXT.to_vec();
        m.extend_from_slice(&self.encode()?);
        Ok(m)
    }

    fn decode(bytes: &[u8]) -> Result<(StatementSummary, usize), StatementError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(1)?[0] != CODE_VERSION {
            return Err(StatementError::MalformedCode("unknown version"));
        }
        let key_id = r.array::<4>()?;
        let secs = i64::from_be_bytes(r.array::<8>()?);
        let offset = i32::from_be_bytes(r.array::<4>()?);
        let rows = u16::from_be_bytes(r.array::<2>()?);
        let credits = i32::from_be_bytes(r.array::<4>()?);
        let hours = i32::from_be_bytes(r.array::<4>()?);
        let name_len = usize::from(r.take(1)?[0]);
        let name = String::from_utf8(r.take(name_len)?.to_vec())
            .map_err(|_| StatementError::MalformedCode("name"))?;
        let id_len = usize::from(r.take(1)?[0]);
        let id =
            String::from_utf8(r.take(id_len)?.to_vec()).map_err(|_| StatementError::MalformedCode("id"))?;
        let digest = r.array::<DIGEST_LEN>()?;
        let tz = FixedOffset::east_opt(offset).ok_or(StatementError::MalformedCode("offset"))?;
        let printed_at = tz.timestamp_opt(secs, 0).single().ok_or(StatementError::MalformedCode("time"))?;
        Ok((
            StatementSummary {
                key_id,
                printed_at,
                rows,
                total_credits: Amount::from_hundredths(i64::from(credits)),
                total_hours: Amount::from_hundredths(i64::from(hours)),
                name,
                id_number_shown: id,
                digest,
            },
            r.pos,
        ))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StatementError> {
        let end = self.pos.checked_add(n).ok_or(StatementError::MalformedCode("length"))?;
        let s = self.bytes.get(self.pos..end).ok_or(StatementError::MalformedCode("truncated"))?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StatementError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// A signed statement summary: the QR payload and what `cmedesk verify` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationCode {
    /// What was signed.
    pub summary: StatementSummary,
    /// Ed25519 signature over the domain-separated summary.
    pub signature: [u8; 64],
}

impl VerificationCode {
    /// The code as text: `CME1:` + Crockford base32 (QR alphanumeric mode, no lowercase).
    pub fn to_text(&self) -> String {
        // encode() cannot fail here: the summary was encoded once when signing or parsing.
        let mut bytes = self.summary.encode().unwrap_or_default();
        bytes.extend_from_slice(&self.signature);
        format!("{CODE_PREFIX}{}", base32_encode(&bytes))
    }

    /// Parses a code as typed or scanned: case, spaces, hyphens and line breaks are ignored,
    /// and Crockford's look-alikes (`O`→0, `I`/`L`→1) are accepted.
    pub fn parse(text: &str) -> Result<VerificationCode, StatementError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let upper = compact.to_ascii_uppercase();
        let body = upper.strip_prefix(CODE_PREFIX).ok_or(StatementError::MalformedCode("prefix"))?;
        let bytes = base32_decode(body).ok_or(StatementError::MalformedCode("base32"))?;
        let (summary, used) = StatementSummary::decode(&bytes)?;
        let sig = bytes.get(used..).ok_or(StatementError::MalformedCode("signature"))?;
        let signature: [u8; 64] =
            sig.try_into().map_err(|_| StatementError::MalformedCode("signature length"))?;
        Ok(VerificationCode { summary, signature })
    }

    /// The 20-character human 验证码, `XXXXX-XXXXX-XXXXX-XXXXX`, from a hash of the
    /// signature: printed on the statement to look the printout up in the desk's issue log.
    pub fn short_code(&self) -> String {
        let d = Sha256::digest(self.signature);
        let text = base32_encode(&d[..13]);
        let chars: Vec<char> = text.chars().take(20).collect();
        chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
    }

    /// Checks the signature against the trusted public keys (the desk's own and any others
    /// it was told to trust). Returns the summary the key vouches for.
    pub fn verify(&self, trusted: &[VerifyingKey]) -> Result<&StatementSummary, StatementError> {
        let key = trusted
            .iter()
            .find(|k| key_id(k) == self.summary.key_id)
            .ok_or_else(|| StatementError::UnknownKey(self.summary.key_id_hex()))?;
        let message = self.summary.signed_message()?;
        let signature = Signature::from_bytes(&self.signature);
        key.verify_strict(&message, &signature).map_err(|_| StatementError::BadSignature)?;
        Ok(&self.summary)
    }

    /// Verifies the signature and that `statement` is exactly what was signed: catches a
    /// genuine code pasted onto an altered statement.
    pub fn verify_statement(
        &self,
        statement: &Statement,
        trusted: &[VerifyingKey],
    ) -> Result<(), StatementError> {
        let summary = self.verify(trusted)?;
        if summary.name != statement.name {
            return Err(StatementError::ContentMismatch("name"));
        }
        if summary.id_number_shown != statement.id_number_shown {
            return Err(StatementError::ContentMismatch("id_number"));
        }
        if summary.printed_at != statement.printed_at {
            return Err(StatementError::ContentMismatch("printed_at"));
        }
        if usize::from(summary.rows) != statement.rows.len() {
            return Err(StatementError::ContentMismatch("rows"));
        }
        if summary.total_credits != statement.total_credits()
            || summary.total_hours != statement.total_hours()
        {
            return Err(StatementError::ContentMismatch("totals"));
        }
        if summary.digest != statement.digest() {
            return Err(StatementError::ContentMismatch("content"));
        }
        Ok(())
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(CROCKFORD[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(CROCKFORD[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.chars() {
        let c = match c {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let v = CROCKFORD.iter().position(|&x| char::from(x) == c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    // Leftover bits must be zero padding, or the code was mistyped.
    if buffer != 0 { None } else { Some(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:30:00+08:00").unwrap_or_default()
    }

    fn statement() -> Statement {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        Statement::new(
            "王示例",
            "女",
            "11010519491231002X",
            false,
            "示例职工医院",
            vec![
                StatementRow {
                    project_name: "护理安全及风险防范管理".into(),
                    project_code: "2026-14-05-962(国)".into(),
                    category: "国家级".into(),
                    credits: Amount::from_hundredths(500),
                    hours: Amount::from_hundredths(1500),
                    granted_on: day(8, 3),
                },
                StatementRow {
                    project_name: "急诊\t急救新进展".into(),
                    project_code: "L2026-001".into(),
                    category: "院级".into(),
                    credits: Amount::from_hundredths(50),
                    hours: Amount::from_hundredths(150),
                    granted_on: day(3, 1),
                },
            ],
            at(),
        )
    }

    fn key(seed: u8) -> SigningKey {
        signing_key_from_seed(&[seed; 32])
    }

    #[test]
    fn masks_id_numbers() {
        assert_eq!(mask_id_number("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_id_number("123"), "***");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn canonical_bytes_are_stable_sorted_and_escaped() {
        let s = statement();
        let text = String::from_utf8(s.canonical_bytes()).unwrap_or_default();
        assert!(text.starts_with("CMEDESK-STATEMENT/1\nname=王示例\n"));
        assert!(text.contains("id=1101**********002X\n"));
        assert!(text.contains("printed=2026-11-22T10:30:00+08:00\n"));
        // Sorted by grant date: March before August; the tab inside the name is left out.
        let march = text.find("row=急诊急救新进展\tL2026-001\t院级\t50\t150\t2026-03-01\n");
        let august = text.find("row=护理安全及风险防范管理");
        assert!(march.is_some() && august.is_some() && march < august, "{text}");
        assert_eq!(s.canonical_bytes(), statement().canonical_bytes());
    }

    #[test]
    fn whitespace_is_not_part_of_the_canonical_form_but_everything_else_is() {
        // On paper a wrapped "Evidence-based Medicine" reads the same as an unwrapped one.
        let mut spaced = statement();
        spaced.rows[1].project_name = "护理安全 及风险\n防范管理".into();
        assert_eq!(spaced.canonical_bytes(), statement().canonical_bytes());
        let mut changed = statement();
        changed.rows[1].project_name = "护理安全及风险防范管埋".into();
        assert_ne!(changed.canonical_sha256(), statement().canonical_sha256());
        // Sub-second print times are dropped: the code carries whole seconds.
        let precise = DateTime::parse_from_rfc3339("2026-11-22T10:30:00.123+08:00").unwrap_or_default();
        let s = Statement::new("王示例", "女", "11010519491231002X", false, "示例职工医院", vec![], precise);
        assert_eq!(s.printed_at, at());
    }

    #[test]
    fn sign_then_verify_round_trips_through_text() {
        let k = key(7);
        let s = statement();
        let code = s.sign(&k).unwrap_or_else(|e| panic!("{e}"));
        let text = code.to_text();
        assert!(text.starts_with(CODE_PREFIX));
        assert!(text.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == ':'));
        // Typed back with lowercase, spaces and hyphens.
        let typed = format!("cme1: {}", text[5..].to_ascii_lowercase().replace('0', "o"));
        let parsed = VerificationCode::parse(&typed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, code);
        let summary = parsed.verify(&[k.verifying_key()]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary.name, "王示例");
        assert_eq!(summary.rows, 2);
        assert_eq!(summary.total_credits.to_string(), "5.50");
        assert_eq!(parsed.verify_statement(&s, &[k.verifying_key()]), Ok(()));
        let short = code.short_code();
        assert_eq!(short.len(), 23);
        assert_eq!(short.matches('-').count(), 3);
    }

    #[test]
    fn tampered_code_or_statement_is_rejected() {
        let k = key(7);
        let s = statement();
        let code = s.sign(&k).unwrap_or_else(|e| panic!("{e}"));
        let trusted = [k.verifying_key()];

        // A forger raises the total credits in the summary: the signature no longer matches.
        let mut forged = code.clone();
        forged.summary.total_credits = Amount::from_hundredths(2500);
        let forged = VerificationCode::parse(&forged.to_text()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(forged.verify(&trusted), Err(StatementError::BadSignature));

        // One flipped character of the text code.
        let text = code.to_text();
        let mut chars: Vec<char> = text.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        let outcome = VerificationCode::parse(&flipped).and_then(|c| c.verify(&trusted).map(|_| ()));
        assert!(matches!(
            outcome,
            Err(StatementError::BadSignature)
                | Err(StatementError::MalformedCode(_))
                | Err(StatementError::UnknownKey(_))
        ));

        // A genuine code on an altered statement: a row's project name changed.
        let mut altered = s.clone();
        altered.rows[1].project_name = "护理安全及风险防范管理（高级）".into();
        assert_eq!(
            code.verify_statement(&altered, &trusted),
            Err(StatementError::ContentMismatch("content"))
        );
        let mut more = s.clone();
        more.rows[0].credits = Amount::from_hundredths(900);
        assert_eq!(code.verify_statement(&more, &trusted), Err(StatementError::ContentMismatch("totals")));

        // Signed by another installation's key.
        let other = key(9);
        assert!(matches!(code.verify(&[other.verifying_key()]), Err(StatementError::UnknownKey(_))));
        assert_eq!(StatementError::BadSignature.code(), "STATEMENT_SIGNATURE_INVALID");
    }

    #[test]
    fn garbage_codes_are_malformed_not_panics() {
        for bad in
            ["", "CME1:", "CME2:ABC", "hello", "CME1:U", "CME1:0000000000", "CME1:ZZZZZZZZZZZZZZZZZZZZ"]
        {
            assert!(matches!(VerificationCode::parse(bad), Err(StatementError::MalformedCode(_))), "{bad}");
        }
    }

    #[test]
    fn base32_round_trips() {
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(len)).collect();
            assert_eq!(base32_decode(&base32_encode(&data)), Some(data));
        }
    }
}
