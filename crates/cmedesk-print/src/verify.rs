//! Offline verification of a printed statement, from what a checker has in hand:
//!
//! * the full signed code (`CME1:…`, typed or scanned from the QR): the signature is checked
//!   against the trusted public keys → genuine or forged;
//! * the 20-character short 验证码 alone: it carries no signature, so it is looked up in this
//!   desk's issue log, and the full code stored there is checked → genuine or forged;
//! * the statement's PDF file: the code is read from the **visible text** (the full code is
//!   printed under the QR), the table is read back cell by cell, and the statement rebuilt from
//!   what is printed must be the one that was signed — name, ID number, unit, every row, the
//!   totals row, the print time, the short code. The document's Subject must carry the same
//!   code. Any difference → altered, with the field named.
//!
//! Verdicts: `genuine`, `forged` (no valid signature by a trusted key, or unknown short code),
//! `altered` (a genuine signature, but the printout does not say what was signed).

use cmedesk_core::Desk;
use cmedesk_core::booklet::Amount;
use cmedesk_core::statement::{
    CODE_PREFIX, Statement, StatementError, StatementRow, StatementSummary, VerificationCode,
};
use cmedesk_core::statement_issues::{self, StatementIssue};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::pdftext::{self, Cell, squash};

/// Finds the verification code in a statement PDF's metadata: the document's Subject, which
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

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export, rename = "StatementVerdict")]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Signed by a trusted key, and (for a file) printed exactly as signed.
    Genuine,
    /// No valid signature by a trusted key, or a short code this desk never issued.
    Forged,
    /// A genuine signature on a printout that says something else.
    Altered,
}

/// One reason behind a verdict, or a note beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export, rename = "VerificationFinding")]
pub struct Finding {
    /// Stable code.
    pub code: &'static str,
    /// What it means, in Chinese.
    pub message: String,
}

fn finding(code: &'static str, message: impl Into<String>) -> Finding {
    Finding { code, message: message.into() }
}

/// What the signed code vouches for, readable (the checker compares it with the paper).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SignedFacts {
    /// 姓名.
    pub name: String,
    /// 身份证号 as printed.
    pub id_number_shown: String,
    /// 打印时间 (RFC 3339).
    pub printed_at: String,
    /// Credit rows.
    pub rows: u16,
    /// Total credits, two decimals.
    pub total_credits: String,
    /// Total hours, two decimals.
    pub total_hours: String,
    /// Signing key id.
    pub key_id: String,
}

impl From<&StatementSummary> for SignedFacts {
    fn from(s: &StatementSummary) -> Self {
        SignedFacts {
            name: s.name.clone(),
            id_number_shown: s.id_number_shown.clone(),
            printed_at: s.printed_at.to_rfc3339(),
            rows: s.rows,
            total_credits: s.total_credits.to_string(),
            total_hours: s.total_hours.to_string(),
            key_id: s.key_id_hex(),
        }
    }
}

/// A verification's full answer (what `cmedesk verify --json` prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export, rename = "StatementVerification")]
pub struct Verification {
    /// genuine / forged / altered.
    pub verdict: Verdict,
    /// What was checked: `code`, `short_code` or `file`.
    pub input: &'static str,
    /// Why it is not genuine (empty when genuine).
    pub reasons: Vec<Finding>,
    /// Remarks that do not change the verdict (e.g. not in this desk's log).
    pub notes: Vec<Finding>,
    /// The short 验证码.
    pub short_code: Option<String>,
    /// What the signature vouches for.
    pub signed: Option<SignedFacts>,
    /// This desk's issue-log entry, when found.
    pub issue: Option<StatementIssue>,
}

impl Verification {
    fn new(input: &'static str) -> Self {
        Verification {
            verdict: Verdict::Genuine,
            input,
            reasons: Vec::new(),
            notes: Vec::new(),
            short_code: None,
            signed: None,
            issue: None,
        }
    }

    fn forged(mut self, f: Finding) -> Self {
        self.verdict = Verdict::Forged;
        self.reasons.push(f);
        self
    }

    fn altered(&mut self, f: Finding) {
        if self.verdict == Verdict::Genuine {
            self.verdict = Verdict::Altered;
        }
        self.reasons.push(f);
    }
}

fn signature_finding(e: &StatementError) -> Finding {
    finding(e.code(), e.to_string())
}

/// Looks the code up in this desk's issue log (when a desk is at hand) and notes the outcome.
fn check_log(v: &mut Verification, code: &VerificationCode, desk: Option<&Desk>, own: bool) {
    let Some(desk) = desk else { return };
    match statement_issues::find(desk, &code.short_code()) {
        Ok(Some(issue)) => {
            if issue.code != code.to_text() {
                v.altered(finding("STATEMENT_LOG_MISMATCH", "验证码与本机签发记录不一致"));
            }
            v.issue = Some(issue);
        }
        Ok(None) if own => v.notes.push(finding(
            "STATEMENT_NOT_IN_LOG",
            "本机密钥签发，但本机签发记录中没有此明细表（数据库可能由较早的备份恢复）",
        )),
        Ok(None) => {}
        Err(e) => v.notes.push(finding("STATEMENT_LOG_UNREADABLE", format!("无法读取签发记录：{e}"))),
    }
}

/// Verifies a full `CME1:` code.
pub fn verify_code(text: &str, trusted: &[VerifyingKey], desk: Option<&Desk>) -> Verification {
    let v = Verification::new("code");
    let code = match VerificationCode::parse(text) {
        Ok(c) => c,
        Err(e) => return v.forged(signature_finding(&e)),
    };
    verify_parsed(v, &code, trusted, desk)
}

fn verify_parsed(
    mut v: Verification,
    code: &VerificationCode,
    trusted: &[VerifyingKey],
    desk: Option<&Desk>,
) -> Verification {
    v.short_code = Some(code.short_code());
    match code.verify(trusted) {
        Ok(summary) => v.signed = Some(SignedFacts::from(summary)),
        Err(e) => return v.forged(signature_finding(&e)),
    }
    let own = trusted.first().is_some_and(|k| cmedesk_core::statement::key_id(k) == code.summary.key_id);
    check_log(&mut v, code, desk, own);
    v
}

/// Verifies a short 验证码 through this desk's issue log.
pub fn verify_short_code(text: &str, trusted: &[VerifyingKey], desk: &Desk) -> Verification {
    let v = Verification::new("short_code");
    let issue = match statement_issues::find(desk, text) {
        Ok(Some(issue)) => issue,
        Ok(None) => {
            return v.forged(finding("STATEMENT_UNKNOWN_SHORT_CODE", "本机从未签发此验证码的明细表"));
        }
        Err(e) => return v.forged(finding("STATEMENT_LOG_UNREADABLE", format!("无法读取签发记录：{e}"))),
    };
    let mut out = match VerificationCode::parse(&issue.code) {
        Ok(code) => verify_parsed(v, &code, trusted, Some(desk)),
        Err(e) => v.forged(signature_finding(&e)),
    };
    out.issue.get_or_insert(issue);
    out
}

/// The text after `label` in `flat` (whitespace-free), `len` characters long.
fn after<'a>(flat: &'a str, label: &str, len: usize) -> Option<&'a str> {
    let start = flat.find(label)? + label.len();
    let rest = &flat[start..];
    let end = rest.char_indices().nth(len).map_or(rest.len(), |(i, _)| i);
    Some(&rest[..end])
}

/// The code printed in the verification block, from the loose (non-table) text.
fn visible_code(flat: &str) -> Option<String> {
    let start = flat.find(CODE_PREFIX)?;
    let body: String = flat[start + CODE_PREFIX.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        .collect();
    Some(format!("{CODE_PREFIX}{body}"))
}

/// The statement as printed: the info rows and the table read back from their cells.
struct Printed {
    name: Option<String>,
    gender: Option<String>,
    id_number: Option<String>,
    unit: Option<String>,
    rows: Vec<StatementRow>,
    total: Option<(String, String, String)>,
    unreadable: Vec<String>,
}

fn read_table(rows: &[Vec<Cell>]) -> Printed {
    let header: Vec<String> = crate::statement::COLUMNS.iter().map(|c| squash(c)).collect();
    let mut p = Printed {
        name: None,
        gender: None,
        id_number: None,
        unit: None,
        rows: Vec::new(),
        total: None,
        unreadable: Vec::new(),
    };
    for row in rows {
        let texts: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
        match texts.as_slice() {
            ["姓名", name, "性别", gender] => {
                p.name = Some(name.to_string());
                p.gender = Some(gender.to_string());
            }
            ["身份证号", id, "单位名称", unit] => {
                p.id_number = Some(id.to_string());
                p.unit = Some(unit.to_string());
            }
            [count, credits, hours, _] if count.starts_with("合计") => {
                p.total = Some((count.to_string(), credits.to_string(), hours.to_string()));
            }
            cells if cells.len() == 6 && cells.iter().zip(&header).all(|(a, b)| a == b) => {}
            [name, code, category, credits, hours, granted] => {
                let parsed = (Amount::parse(credits), Amount::parse(hours), granted.parse());
                match parsed {
                    (Some(credits), Some(hours), Ok(granted_on)) => p.rows.push(StatementRow {
                        project_name: name.to_string(),
                        project_code: code.to_string(),
                        category: category.to_string(),
                        credits,
                        hours,
                        granted_on,
                    }),
                    _ => p.unreadable.push(texts.join(" | ")),
                }
            }
            _ => {}
        }
    }
    p
}

/// Verifies a statement PDF by its visible text (see the module header).
pub fn verify_file(bytes: &[u8], trusted: &[VerifyingKey], desk: Option<&Desk>) -> Verification {
    let mut v = Verification::new("file");
    let page = match pdftext::read(bytes) {
        Ok(p) => p,
        Err(e) => {
            v.altered(finding("STATEMENT_PDF_UNREADABLE", format!("无法读取明细表的可见文字：{e}")));
            return v;
        }
    };
    let (rows, loose) = page.table();
    let flat = squash(&loose.iter().map(|r| r.text.as_str()).collect::<String>());
    let Some(printed_code) = visible_code(&flat) else {
        return v.forged(finding("STATEMENT_NO_CODE", "文件中没有印出的验证码，不是本系统出具的明细表"));
    };
    let code = match VerificationCode::parse(&printed_code) {
        Ok(c) => c,
        Err(e) => return v.forged(signature_finding(&e)),
    };
    v = verify_parsed(v, &code, trusted, desk);
    if v.verdict == Verdict::Forged {
        return v;
    }
    let summary = &code.summary;
    match code_from_pdf(bytes) {
        Ok(meta) if meta.to_text() == code.to_text() => {}
        Ok(_) => v.altered(finding("STATEMENT_METADATA_MISMATCH", "文件属性中的验证码与印出的验证码不同")),
        Err(_) => v.notes.push(finding("STATEMENT_NO_METADATA_CODE", "文件属性中没有验证码")),
    }
    if after(&flat, "验证码：", 23) != Some(code.short_code().as_str()) {
        v.altered(finding("STATEMENT_SHORT_CODE_MISMATCH", "印出的短验证码与二维码中的验证码不符"));
    }
    let time = summary.printed_at.format("%Y-%m-%d%H:%M").to_string();
    if after(&flat, "打印时间：", 15) != Some(time.as_str()) {
        v.altered(finding("STATEMENT_PRINTED_AT_MISMATCH", "印出的打印时间与签名不符"));
    }
    let printed = read_table(&rows);
    for bad in &printed.unreadable {
        v.altered(finding("STATEMENT_ROW_UNREADABLE", format!("无法识读的明细行：{bad}")));
    }
    let (Some(name), Some(gender), Some(id_number), Some(unit)) =
        (printed.name, printed.gender, printed.id_number, printed.unit)
    else {
        v.altered(finding("STATEMENT_HEADER_MISSING", "找不到姓名、性别、身份证号或单位名称"));
        return v;
    };
    match &printed.total {
        Some((count, credits, hours))
            if *count == format!("合计{}项", printed.rows.len())
                && *credits == summary.total_credits.to_string()
                && *hours == summary.total_hours.to_string() => {}
        _ => v.altered(finding("STATEMENT_TOTALS_MISMATCH", "合计行与签名的合计不符")),
    }
    let rebuilt = Statement {
        name,
        gender,
        id_number_shown: id_number,
        unit,
        rows: printed.rows,
        printed_at: summary.printed_at,
    };
    if let Err(e) = code.verify_statement(&rebuilt, trusted) {
        let field = e.field().unwrap_or("content");
        v.altered(finding("STATEMENT_CONTENT_MISMATCH", format!("明细表内容与签名不符（{field}）")));
    }
    if let Some(issue) = &v.issue
        && issue.canonical_sha256 != rebuilt.canonical_sha256()
    {
        v.altered(finding("STATEMENT_LOG_MISMATCH", "明细表内容与本机签发记录的摘要不符"));
    }
    v
}

/// Verifies `input`: a path to a statement PDF when such a file exists, a `CME1:` code, or a
/// short 验证码 (which needs the desk's issue log).
pub fn verify_input(input: &str, trusted: &[VerifyingKey], desk: Option<&Desk>) -> Verification {
    let path = std::path::Path::new(input);
    let looks_like_code = input.trim_start().to_ascii_uppercase().starts_with(CODE_PREFIX);
    if !looks_like_code && path.is_file() {
        return match std::fs::read(path) {
            Ok(bytes) => verify_file(&bytes, trusted, desk),
            Err(e) => Verification::new("file")
                .forged(finding("STATEMENT_FILE_UNREADABLE", format!("无法读取文件：{e}"))),
        };
    }
    if !looks_like_code && statement_issues::normalize_short_code(input).is_some() {
        return match desk {
            Some(d) => verify_short_code(input, trusted, d),
            None => Verification::new("short_code")
                .forged(finding("STATEMENT_LOG_REQUIRED", "短验证码只能在签发它的桌面端用签发记录核验")),
        };
    }
    verify_code(input, trusted, desk)
}
