//! Provincial submissions (上报: attendance, credits, execution reports) received by the hub as
//! the provincial endpoint (`POST /v1/submissions`, design.md §4): keyed by the desk's event id,
//! so a retry after a timeout stores nothing twice (the desk may first ask with
//! `GET /v1/submissions/{event_id}`); the same id with other content is refused. Submissions go
//! out from ONE place per space: the first desk that submits becomes the space's submitter, and
//! any other desk is refused with `NOT_THE_SUBMITTER` (administrators see who it is with
//! `cmedesk-hub admin submissions`).
//!
//! The tables live beside the exchange log in the hub database (SQLite or PostgreSQL) and are
//! created on first use.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::{HubError, HubStore};

const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submitter (space_id TEXT PRIMARY KEY, site_id TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS submissions (
    event_id       TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL
) STRICT;
";

const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submitter (space_id TEXT PRIMARY KEY, site_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    event_id       TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL
);
";

/// Any number; holds the table creation of two hub processes' first submissions apart.
const PG_SCHEMA_LOCK: i64 = 0x0063_6d65_7375_626d;

/// Creates the PostgreSQL tables if needed, under an advisory lock (concurrent `CREATE TABLE IF
/// NOT EXISTS` can collide in the catalogue).
fn pg_schema(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_SCHEMA_LOCK])?;
    tx.batch_execute(PG_SCHEMA)?;
    tx.commit()
}

/// What may be submitted.
pub const KINDS: &[&str] = &["attendance", "credits", "execution_report"];

/// `POST /v1/submissions`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The desk's event id (UUIDv7 of the change being reported): the idempotency key.
    pub event_id: String,
    /// `attendance` | `credits` | `execution_report`.
    pub kind: String,
    pub payload: Value,
}

/// A stored submission: the receipt a desk gets, and a row of `admin submissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub event_id: String,
    pub site_id: String,
    pub kind: String,
    pub payload_sha256: String,
    pub received_at_ms: i64,
    /// True when the event was received before (a retry): nothing new was stored.
    pub duplicate: bool,
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("本院的上报由 {submitter} 统一提交，本机不能上报")]
    NotTheSubmitter { submitter: String },
    #[error("事件 {event_id} 已上报过不同的内容")]
    Mismatch { event_id: String },
    #[error("{0}")]
    Invalid(String),
}

impl SubmitError {
    pub fn code(&self) -> &'static str {
        match self {
            SubmitError::Hub(e) => e.code(),
            SubmitError::NotTheSubmitter { .. } => "NOT_THE_SUBMITTER",
            SubmitError::Mismatch { .. } => "SUBMISSION_MISMATCH",
            SubmitError::Invalid(_) => "BAD_REQUEST",
        }
    }
}

impl From<rusqlite::Error> for SubmitError {
    fn from(e: rusqlite::Error) -> Self {
        SubmitError::Hub(e.into())
    }
}

impl From<postgres::Error> for SubmitError {
    fn from(e: postgres::Error) -> Self {
        SubmitError::Hub(e.into())
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// One stored row: (site, kind, hash, received).
type Row = (String, String, String, i64);

impl HubStore {
    /// Stores `sub` from `site_id` (see the module header); `now_ms` stamps a new one.
    pub fn submit(&mut self, site_id: &str, sub: &Submission, now_ms: i64) -> Result<Receipt, SubmitError> {
        if sub.event_id.trim().is_empty() {
            return Err(SubmitError::Invalid("event_id is required".into()));
        }
        if !KINDS.contains(&sub.kind.as_str()) {
            return Err(SubmitError::Invalid(format!("kind must be one of {}", KINDS.join(", "))));
        }
        let payload = sub.payload.to_string();
        let hash = sha256(&payload);
        // The first desk to submit becomes the space's submitter, atomically.
        let (submitter, existing): (String, Option<Row>) = match self {
            HubStore::Sqlite(s) => {
                let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                tx.execute_batch(SQLITE_SCHEMA)?;
                tx.execute(
                    "INSERT INTO submitter(space_id, site_id) VALUES ('default', ?1) ON CONFLICT DO NOTHING",
                    [site_id],
                )?;
                let submitter: String =
                    tx.query_row("SELECT site_id FROM submitter WHERE space_id = 'default'", [], |r| {
                        r.get(0)
                    })?;
                let existing = tx
                    .query_row(
                        "SELECT site_id, kind, payload_sha256, received_at_ms FROM submissions WHERE event_id = ?1",
                        [&sub.event_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if submitter == site_id && existing.is_none() {
                    tx.execute(
                        "INSERT INTO submissions(event_id, site_id, kind, payload, payload_sha256, received_at_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![sub.event_id, site_id, sub.kind, payload, hash, now_ms],
                    )?;
                }
                tx.commit()?;
                (submitter, existing)
            }
            HubStore::Postgres(p) => {
                let client = p.client_mut();
                pg_schema(client)?;
                let mut tx = client.transaction()?;
                tx.execute(
                    "INSERT INTO submitter(space_id, site_id) VALUES ('default', $1) ON CONFLICT DO NOTHING",
                    &[&site_id],
                )?;
                let submitter: String =
                    tx.query_one("SELECT site_id FROM submitter WHERE space_id = 'default'", &[])?.get(0);
                let existing = tx
                    .query_opt(
                        "SELECT site_id, kind, payload_sha256, received_at_ms FROM submissions WHERE event_id = $1",
                        &[&sub.event_id],
                    )?
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)));
                if submitter == site_id && existing.is_none() {
                    // A concurrent first insert of the same id makes this one a no-op, read below.
                    tx.execute(
                        "INSERT INTO submissions(event_id, site_id, kind, payload, payload_sha256, received_at_ms)
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                        &[&sub.event_id, &site_id, &sub.kind, &payload, &hash, &now_ms],
                    )?;
                }
                tx.commit()?;
                (submitter, existing)
            }
        };
        if submitter != site_id {
            return Err(SubmitError::NotTheSubmitter { submitter });
        }
        match existing {
            Some((_, kind, stored_hash, received_at_ms)) => {
                if kind != sub.kind || stored_hash != hash {
                    return Err(SubmitError::Mismatch { event_id: sub.event_id.clone() });
                }
                Ok(Receipt {
                    event_id: sub.event_id.clone(),
                    site_id: site_id.into(),
                    kind,
                    payload_sha256: stored_hash,
                    received_at_ms,
                    duplicate: true,
                })
            }
            None => Ok(Receipt {
                event_id: sub.event_id.clone(),
                site_id: site_id.into(),
                kind: sub.kind.clone(),
                payload_sha256: hash,
                received_at_ms: now_ms,
                duplicate: false,
            }),
        }
    }

    /// Every submission, oldest first (`cmedesk-hub admin submissions`), or one by event id
    /// (`GET /v1/submissions/{event_id}`: the desk asks before it retries).
    pub fn submissions(&mut self, event_id: Option<&str>) -> Result<Vec<Receipt>, SubmitError> {
        let rows: Vec<(String, String, String, String, i64)> = match self {
            HubStore::Sqlite(s) => {
                let conn = s.conn_mut();
                conn.execute_batch(SQLITE_SCHEMA)?;
                let mut stmt = conn.prepare(
                    "SELECT event_id, site_id, kind, payload_sha256, received_at_ms FROM submissions
                     WHERE ?1 IS NULL OR event_id = ?1 ORDER BY received_at_ms, event_id",
                )?;
                stmt.query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                    .collect::<rusqlite::Result<_>>()?
            }
            HubStore::Postgres(p) => {
                let client = p.client_mut();
                pg_schema(client)?;
                client
                    .query(
                        "SELECT event_id, site_id, kind, payload_sha256, received_at_ms FROM submissions
                         WHERE $1::TEXT IS NULL OR event_id = $1 ORDER BY received_at_ms, event_id",
                        &[&event_id],
                    )?
                    .into_iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                    .collect()
            }
        };
        Ok(rows
            .into_iter()
            .map(|(event_id, site_id, kind, payload_sha256, received_at_ms)| Receipt {
                event_id,
                site_id,
                kind,
                payload_sha256,
                received_at_ms,
                duplicate: false,
            })
            .collect())
    }
}
