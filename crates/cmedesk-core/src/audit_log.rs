//! The audit log (操作日志): who changed what, when, before → after. Each row's hash covers the
//! previous row's hash, so editing or deleting a row anywhere breaks the chain and `verify` says
//! where. Not to be confused with the annual review (年度审验).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{error::Result, store::Desk, store::sha256_hex};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit-log row as written.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "AuditEntry")]
pub struct Entry {
    #[ts(type = "number")]
    pub seq: i64,
    pub at: String,
    pub operator: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON of the row before the change (absent on insert).
    pub before: Option<String>,
    /// JSON of the row after the change (absent on delete).
    pub after: Option<String>,
    pub prev_hash: String,
}

impl Entry {
    fn hash(&self) -> String {
        let text = format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.prev_hash,
            self.seq,
            self.at,
            self.operator,
            self.action,
            self.entity,
            self.entity_id,
            self.before.as_deref().unwrap_or("-"),
            self.after.as_deref().unwrap_or("-"),
        );
        sha256_hex(text.as_bytes())
    }
}

/// The next seq and the hash to chain to.
pub(crate) fn chain_head(conn: &Connection) -> Result<(i64, String)> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    })
}

/// Writes `entry` and returns its hash.
pub(crate) fn append(conn: &Connection, entry: &Entry) -> Result<String> {
    let hash = entry.hash();
    conn.prepare_cached(
        "INSERT INTO audit_log(seq, at, operator, action, entity, entity_id, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        entry.seq,
        entry.at,
        entry.operator,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.before,
        entry.after,
        entry.prev_hash,
        hash
    ])?;
    Ok(hash)
}

/// Filters for listing the log; all optional.
#[derive(Debug, Default, Clone, serde::Deserialize, ts_rs::TS)]
#[ts(export, rename = "AuditFilter")]
#[serde(default)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub operator: Option<String>,
    /// Inclusive lower bound on `at` (RFC 3339 or a date).
    pub since: Option<String>,
    /// Text searched in action, before and after.
    pub text: Option<String>,
    pub limit: Option<u32>,
}

/// Newest first.
pub fn list(desk: &Desk, filter: &Filter) -> Result<Vec<Entry>> {
    let mut stmt = desk.conn().prepare(
        "SELECT seq, at, operator, action, entity, entity_id, before, after, prev_hash FROM audit_log
         WHERE (?1 IS NULL OR entity = ?1) AND (?2 IS NULL OR entity_id = ?2)
           AND (?3 IS NULL OR operator = ?3) AND (?4 IS NULL OR at >= ?4)
           AND (?5 IS NULL OR action LIKE '%' || ?5 || '%' OR before LIKE '%' || ?5 || '%'
                OR after LIKE '%' || ?5 || '%')
         ORDER BY seq DESC LIMIT ?6",
    )?;
    let rows = stmt.query_map(
        params![
            filter.entity,
            filter.entity_id,
            filter.operator,
            filter.since,
            filter.text,
            filter.limit.unwrap_or(1000)
        ],
        row_to_entry,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn row_to_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        at: r.get(1)?,
        operator: r.get(2)?,
        action: r.get(3)?,
        entity: r.get(4)?,
        entity_id: r.get(5)?,
        before: r.get(6)?,
        after: r.get(7)?,
        prev_hash: r.get(8)?,
    })
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ChainReport {
    #[ts(type = "number")]
    pub rows: i64,
    pub intact: bool,
    /// The first row whose hash or link does not match, when the chain is broken.
    #[ts(type = "number | null")]
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes every hash and link, oldest first.
pub fn verify(desk: &Desk) -> Result<ChainReport> {
    let mut stmt = desk.conn().prepare(
        "SELECT seq, at, operator, action, entity, entity_id, before, after, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut count = 0;
    while let Some(r) = rows.next()? {
        let entry = row_to_entry(r)?;
        let stored: String = r.get(9)?;
        count += 1;
        let problem = if entry.seq != expected_seq {
            Some(format!("row {expected_seq} is missing"))
        } else if entry.prev_hash != expected_prev {
            Some("link to the previous row does not match".to_string())
        } else if entry.hash() != stored {
            Some("row content does not match its hash".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Ok(ChainReport {
                rows: count,
                intact: false,
                first_bad_seq: Some(entry.seq),
                problem: Some(problem),
            });
        }
        expected_prev = stored;
        expected_seq += 1;
    }
    Ok(ChainReport {
        rows: count,
        intact: true,
        first_bad_seq: None,
        problem: None,
    })
}
