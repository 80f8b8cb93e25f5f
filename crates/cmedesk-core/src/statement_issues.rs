//! The issue log of credit statements (migration `0006_statement_issues`): every statement the
//! desk signs is recorded here — short 验证码, person, CME year, canonical hash, the full signed
//! code, when and by whom — through [`Desk::change`], so it is audited and synced like any other
//! change. The 20-character short code printed on paper carries no signature of its own; this
//! log is what makes it checkable (`cmedesk verify XXXXX-XXXXX-XXXXX-XXXXX`).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::statement::{Statement, VerificationCode};
use crate::{Actor, Desk, Permission, staff};

const ENTITY: &str = "statement_issue";

/// One issued statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StatementIssue {
    /// The printed 验证码, `XXXXX-XXXXX-XXXXX-XXXXX`.
    pub short_code: String,
    /// Whose statement.
    pub staff_id: String,
    /// The CME year it covers.
    pub cme_year: i32,
    /// SHA-256 (hex) of the statement's canonical bytes.
    pub canonical_sha256: String,
    /// The signing key's id (8 hex digits).
    pub key_id: String,
    /// The full signed `CME1:` code (what the QR carries).
    pub code: String,
    /// Credit rows on the statement.
    pub rows: i64,
    /// Total credits in hundredths.
    #[ts(type = "number")]
    pub credits_x100: i64,
    /// Total hours in hundredths.
    #[ts(type = "number")]
    pub hours_x100: i64,
    /// When it was issued (the actor's time).
    pub issued_at: String,
    /// The operator who issued it.
    pub issued_by: String,
}

/// Brings a typed short code to its stored form: case, spaces and hyphens ignored, Crockford
/// look-alikes (`O`→0, `I`/`L`→1) accepted. `None` when it is not 20 code characters.
pub fn normalize_short_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    let valid = chars.len() == 20
        && chars.iter().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'U')));
    if !valid {
        return None;
    }
    Some(chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// Records that `statement`, signed as `code`, was issued for `staff_id` and `cme_year`.
/// Needs [`Permission::IssueStatements`]. The same short code twice is refused (it would mean
/// the same signature twice, i.e. a replay of one issue).
pub fn record(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    cme_year: i32,
    statement: &Statement,
    code: &VerificationCode,
) -> Result<StatementIssue> {
    actor.require(Permission::IssueStatements)?;
    staff::get(desk, staff_id)?;
    let issue = StatementIssue {
        short_code: code.short_code(),
        staff_id: staff_id.to_string(),
        cme_year,
        canonical_sha256: statement.canonical_sha256(),
        key_id: code.summary.key_id_hex(),
        code: code.to_text(),
        rows: i64::from(code.summary.rows),
        credits_x100: code.summary.total_credits.hundredths(),
        hours_x100: code.summary.total_hours.hundredths(),
        issued_at: actor.timestamp(),
        issued_by: actor.operator.username.clone(),
    };
    if find(desk, &issue.short_code)?.is_some() {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "明细表验证码",
            field: "short_code",
            key: issue.short_code,
        });
    }
    desk.change(actor, |c| {
        c.tx().execute(
            "INSERT INTO statement_issues(short_code, staff_id, cme_year, canonical_sha256, key_id, code,
                 rows, credits_x100, hours_x100, issued_at, issued_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                issue.short_code,
                issue.staff_id,
                issue.cme_year,
                issue.canonical_sha256,
                issue.key_id,
                issue.code,
                issue.rows,
                issue.credits_x100,
                issue.hours_x100,
                issue.issued_at,
                issue.issued_by
            ],
        )?;
        c.record("issue", ENTITY, &issue.short_code, None, Some(&issue))?;
        Ok(issue.clone())
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StatementIssue> {
    Ok(StatementIssue {
        short_code: r.get(0)?,
        staff_id: r.get(1)?,
        cme_year: r.get(2)?,
        canonical_sha256: r.get(3)?,
        key_id: r.get(4)?,
        code: r.get(5)?,
        rows: r.get(6)?,
        credits_x100: r.get(7)?,
        hours_x100: r.get(8)?,
        issued_at: r.get(9)?,
        issued_by: r.get(10)?,
    })
}

const SELECT: &str = "SELECT short_code, staff_id, cme_year, canonical_sha256, key_id, code, rows,
    credits_x100, hours_x100, issued_at, issued_by FROM statement_issues";

/// The issue with this short code (as typed: see [`normalize_short_code`]), if any.
pub fn find(desk: &Desk, short_code: &str) -> Result<Option<StatementIssue>> {
    let Some(code) = normalize_short_code(short_code) else {
        return Ok(None);
    };
    Ok(desk
        .conn()
        .prepare_cached(&format!("{SELECT} WHERE short_code = ?1"))?
        .query_row([code], row)
        .optional()?)
}

/// Every statement issued for a person (and year), newest first.
pub fn list(desk: &Desk, staff_id: &str, cme_year: Option<i32>) -> Result<Vec<StatementIssue>> {
    Ok(desk
        .conn()
        .prepare(&format!(
            "{SELECT} WHERE staff_id = ?1 AND (?2 IS NULL OR cme_year = ?2) ORDER BY issued_at DESC, short_code"
        ))?
        .query_map(params![staff_id, cme_year], row)?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_normalize_like_typed() {
        assert_eq!(
            normalize_short_code("abcde-fghjk-mnpqr-stvwx").as_deref(),
            Some("ABCDE-FGHJK-MNPQR-STVWX")
        );
        assert_eq!(
            normalize_short_code(" o1234 5678i 9ABCD EFGHL").as_deref(),
            Some("01234-56781-9ABCD-EFGH1")
        );
        assert_eq!(normalize_short_code("ABCDE-FGHJK-MNPQR"), None);
        assert_eq!(normalize_short_code("UUUUU-UUUUU-UUUUU-UUUUU"), None);
        assert_eq!(normalize_short_code("CME1:ABCDEFGHJKMNPQRSTV"), None);
    }
}
