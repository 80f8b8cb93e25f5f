//! Swipes (刷卡): immutable events from readers, terminals, log files and QR check-ins. A swipe
//! is committed (row + audit + outbox) before anyone is told it was taken; repeats within the
//! duplicate window are kept and marked, never dropped; unknown cards are kept too, to be
//! resolved when the card is issued.

use chrono::{Duration, NaiveDateTime};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    cards,
    error::{CoreError, Result},
    sql::text_enum,
    staff::{self, StaffRow},
    store::{Change, Desk},
    terminals,
};

const ENTITY: &str = "swipe";
/// How swipe times are stored: local wall-clock time with milliseconds.
pub(crate) const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f";

text_enum! {
    /// Where a swipe came from.
    pub enum SwipeSource {
        Reader = ("reader", "读卡器"),
        Terminal = ("terminal", "考勤机"),
        Import = ("import", "导入"),
        Qr = ("qr", "扫码签到"),
        Keyboard = ("keyboard", "键盘式读卡器"),
        Manual = ("manual", "手工补录"),
    }
}

text_enum! {
    /// What ingest decided about a swipe.
    pub enum SwipeStatus {
        Accepted = ("accepted", "签到成功"),
        Duplicate = ("duplicate", "重复刷卡"),
        UnknownCard = ("unknown_card", "未知卡"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Swipe {
    pub id: String,
    pub terminal_id: String,
    #[ts(type = "number | null")]
    pub terminal_seq: Option<i64>,
    pub source: SwipeSource,
    pub card_key: String,
    pub staff_id: Option<String>,
    /// The raw bytes as read, hex-encoded.
    pub raw_hex: Option<String>,
    pub swiped_at: NaiveDateTime,
    pub device_time: Option<NaiveDateTime>,
    pub received_at: String,
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    pub project_id: Option<String>,
    pub status: SwipeStatus,
    pub duplicate_of: Option<String>,
}

/// One card read, as an adapter hands it over.
#[derive(Debug, Clone)]
pub struct SwipeInput {
    pub terminal_id: String,
    /// The device's sequence number, for storing terminals and log files (makes ingest idempotent).
    pub terminal_seq: Option<i64>,
    pub source: SwipeSource,
    /// A canonical or raw card key (`rid:…`, `em:…`, `uid:…`, a card number).
    pub card_key: String,
    pub raw: Option<Vec<u8>>,
    /// The device's own timestamp, when it has one.
    pub device_time: Option<NaiveDateTime>,
    /// device clock − host clock, when measured.
    pub clock_offset_ms: Option<i64>,
    pub project_id: Option<String>,
}

/// Settings of the duplicate rule.
#[derive(Debug, Clone, Copy)]
pub struct DuplicatePolicy {
    /// The same card on the same project within this many seconds is a duplicate.
    pub window_secs: i64,
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        DuplicatePolicy { window_secs: 60 }
    }
}

/// What ingest did with one input.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Ingested {
    pub swipe: Swipe,
    /// The card's holder, when known, for the confirmation screen.
    pub holder: Option<StaffRow>,
    /// False when this device sequence number was already committed (a repeated pull).
    pub newly_recorded: bool,
}

/// The outcome of a batch (a terminal pull, a log file).
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BatchOutcome {
    pub recorded: usize,
    pub already_present: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub unknown_cards: usize,
    #[ts(type = "number")]
    pub last_seq: i64,
}

fn hex(bytes: &[u8]) -> String {
    crate::store::hex(bytes).to_ascii_uppercase()
}

/// Commits one swipe and returns it with its holder. A repeated `(terminal, seq)` returns the
/// stored swipe and writes nothing.
pub fn ingest(
    desk: &mut Desk,
    actor: &Actor,
    input: SwipeInput,
    policy: DuplicatePolicy,
) -> Result<Ingested> {
    actor.require(Permission::RecordSwipes)?;
    if let Some(existing) = existing(desk.conn(), &input)? {
        let holder = existing.staff_id.as_deref().map(|id| staff::get_row(desk, id)).transpose()?;
        return Ok(Ingested { swipe: existing, holder, newly_recorded: false });
    }
    let swipe = desk.change(actor, |c| insert(c, input, policy))?;
    let holder = swipe.staff_id.as_deref().map(|id| staff::get_row(desk, id)).transpose()?;
    Ok(Ingested { swipe, holder, newly_recorded: true })
}

/// Commits a batch from one terminal in one transaction, skipping sequence numbers already
/// stored, and records the terminal's progress and clock offset with it.
pub fn ingest_batch(
    desk: &mut Desk,
    actor: &Actor,
    terminal_id: &str,
    inputs: Vec<SwipeInput>,
    clock_offset_ms: Option<i64>,
    policy: DuplicatePolicy,
) -> Result<BatchOutcome> {
    actor.require(Permission::RecordSwipes)?;
    let terminal = terminals::get(desk, terminal_id)?;
    if let Some(bad) = inputs.iter().position(|i| i.terminal_id != terminal_id) {
        return Err(CoreError::in_batch(
            bad,
            CoreError::invalid(
                "terminal_id",
                "TERMINAL_MISMATCH",
                "批次中的记录来自另一台终端",
                "a record in the batch belongs to another terminal",
            ),
        ));
    }
    desk.change(actor, |c| {
        let mut out = BatchOutcome { last_seq: terminal.last_seq, ..Default::default() };
        for (index, input) in inputs.into_iter().enumerate() {
            let seq = input.terminal_seq;
            // The offset measured at this pull applies to every record that has no own.
            let input = SwipeInput { clock_offset_ms: input.clock_offset_ms.or(clock_offset_ms), ..input };
            if existing(c.tx(), &input)?.is_some() {
                out.already_present += 1;
            } else {
                let s = insert(c, input, policy).map_err(|e| CoreError::in_batch(index, e))?;
                out.recorded += 1;
                match s.status {
                    SwipeStatus::Accepted => out.accepted += 1,
                    SwipeStatus::Duplicate => out.duplicates += 1,
                    SwipeStatus::UnknownCard => out.unknown_cards += 1,
                }
            }
            out.last_seq = out.last_seq.max(seq.unwrap_or(0));
        }
        let t = terminals::record_pull(c, &terminal, out.last_seq, clock_offset_ms)?;
        if out.recorded == 0 && t == terminal {
            // Nothing new at all: still leave a trace that the pull happened.
            c.record("terminal.pull.empty", "terminal", &t.id, Some(&t), Some(&t))?;
        }
        Ok(out)
    })
}

fn existing(conn: &rusqlite::Connection, input: &SwipeInput) -> Result<Option<Swipe>> {
    let Some(seq) = input.terminal_seq else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE terminal_id = ?1 AND terminal_seq = ?2"))?
        .query_row(params![input.terminal_id, seq], row)
        .optional()?)
}

pub(crate) fn insert(c: &mut Change<'_>, input: SwipeInput, policy: DuplicatePolicy) -> Result<Swipe> {
    terminals::get_in(c.tx(), &input.terminal_id)?;
    let card_key = cards::normalize_key(&input.card_key)?;
    let staff_id = cards::holder_id(c.tx(), &card_key)?;
    // Stored to the millisecond; the returned swipe must equal the stored one.
    let now = c.actor().now.naive_local();
    let now = now - Duration::nanoseconds(i64::from(now.and_utc().timestamp_subsec_nanos() % 1_000_000));
    let swiped_at = match (input.device_time, input.clock_offset_ms) {
        (Some(t), Some(offset)) => t - Duration::milliseconds(offset),
        (Some(t), None) => t,
        (None, _) => now,
    };
    let (status, duplicate_of) = if staff_id.is_none() {
        (SwipeStatus::UnknownCard, None)
    } else {
        let since = swiped_at - Duration::seconds(policy.window_secs);
        let earlier: Option<String> = c
            .tx()
            .prepare_cached(
                "SELECT id FROM swipes WHERE card_key = ?1 AND project_id IS ?2 AND status = 'accepted'
                   AND swiped_at >= ?3 AND swiped_at <= ?4 ORDER BY swiped_at LIMIT 1",
            )?
            .query_row(
                params![
                    card_key,
                    input.project_id,
                    since.format(TIME_FORMAT).to_string(),
                    swiped_at.format(TIME_FORMAT).to_string()
                ],
                |r| r.get(0),
            )
            .optional()?;
        match earlier {
            Some(id) => (SwipeStatus::Duplicate, Some(id)),
            None => (SwipeStatus::Accepted, None),
        }
    };
    let swipe = Swipe {
        id: c.new_id(),
        terminal_id: input.terminal_id,
        terminal_seq: input.terminal_seq,
        source: input.source,
        card_key,
        staff_id,
        raw_hex: input.raw.as_deref().map(hex),
        swiped_at,
        device_time: input.device_time,
        received_at: c.actor().timestamp(),
        clock_offset_ms: input.clock_offset_ms,
        project_id: input.project_id,
        status,
        duplicate_of,
    };
    c.tx()
        .prepare_cached(
            "INSERT INTO swipes(id, terminal_id, terminal_seq, source, card_key, staff_id, raw, swiped_at, device_time,
                                received_at, clock_offset_ms, project_id, status, duplicate_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            swipe.id,
            swipe.terminal_id,
            swipe.terminal_seq,
            swipe.source,
            swipe.card_key,
            swipe.staff_id,
            input.raw,
            swipe.swiped_at.format(TIME_FORMAT).to_string(),
            swipe.device_time.map(|t| t.format(TIME_FORMAT).to_string()),
            swipe.received_at,
            swipe.clock_offset_ms,
            swipe.project_id,
            swipe.status,
            swipe.duplicate_of
        ])?;
    c.record("swipe.record", ENTITY, &swipe.id, None, Some(&swipe))?;
    Ok(swipe)
}

const SELECT: &str =
    "SELECT id, terminal_id, terminal_seq, source, card_key, staff_id, raw, swiped_at, device_time,
    received_at, clock_offset_ms, project_id, status, duplicate_of FROM swipes";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Swipe> {
    let time = |i: usize| -> rusqlite::Result<Option<NaiveDateTime>> {
        r.get::<_, Option<String>>(i)?
            .map(|s| {
                NaiveDateTime::parse_from_str(&s, TIME_FORMAT).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
                })
            })
            .transpose()
    };
    let raw: Option<Vec<u8>> = r.get(6)?;
    Ok(Swipe {
        id: r.get(0)?,
        terminal_id: r.get(1)?,
        terminal_seq: r.get(2)?,
        source: r.get(3)?,
        card_key: r.get(4)?,
        staff_id: r.get(5)?,
        raw_hex: raw.as_deref().map(hex),
        swiped_at: time(7)?.unwrap_or_default(),
        device_time: time(8)?,
        received_at: r.get(9)?,
        clock_offset_ms: r.get(10)?,
        project_id: r.get(11)?,
        status: r.get(12)?,
        duplicate_of: r.get(13)?,
    })
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct SwipeFilter {
    pub project_id: Option<String>,
    pub terminal_id: Option<String>,
    pub card_key: Option<String>,
    pub limit: Option<u32>,
}

/// Swipes, oldest first.
pub fn list(desk: &Desk, filter: &SwipeFilter) -> Result<Vec<Swipe>> {
    let card_key = filter.card_key.as_deref().map(cards::normalize_key).transpose()?;
    Ok(desk
        .conn()
        .prepare(&format!(
            "{SELECT} WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR terminal_id = ?2) AND (?3 IS NULL OR card_key = ?3)
             ORDER BY swiped_at, id LIMIT ?4"
        ))?
        .query_map(params![filter.project_id, filter.terminal_id, card_key, filter.limit.unwrap_or(u32::MAX)], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// How many swipes a project has, by status (for the kiosk's live count).
pub fn count_for_project(desk: &Desk, project_id: &str) -> Result<(i64, i64, i64)> {
    Ok(desk.conn().query_row(
        "SELECT COUNT(*) FILTER (WHERE status = 'accepted'), COUNT(*) FILTER (WHERE status = 'duplicate'),
                COUNT(*) FILTER (WHERE status = 'unknown_card') FROM swipes WHERE project_id = ?1",
        [project_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
