//! Starting a desk again from the server's merged data (重新同步): when the exchange log before
//! the desk's cursor was pruned (`410 RESYNC_NEEDED`: a desk restored from an old backup, a
//! revoked desk given a new token, a desk enrolled after a prune), the desk cannot catch up from
//! the log and applies a [`Snapshot`] instead.
//!
//! One transaction: the confirmed replica (`sync_events`, `sync_fields`, `sync_applied`) is
//! replaced by the snapshot's and checked against its `state_hash` before anything commits; the
//! domain rows follow the snapshot (written only where they differ, each with an audit row by
//! operator `sync`, action `sync.resync`, never in the outbox) except the fields this desk edited
//! and has not yet seen settled — the merge rule of a pull: an officer's unsettled edit is never
//! overwritten; it is pushed and merged on the server like any edit. Rows this desk holds that
//! the snapshot lacks stay (nothing is deleted by sync). The cursor moves to the snapshot's
//! `server_seq`, and one audit entry names the resync. A desk killed anywhere before the commit
//! keeps its old state whole; the caller pushes everything first so its own ops are in the
//! snapshot.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Map;

use super::{
    FieldEdit, Hlc, Op, OpBody, Snapshot, SyncError,
    desk::EpochCheck,
    outbox_ops::{
        freeze, load_clock, meta_get, meta_set, read_marks, store_clock, unsettled_stamps, write_marks,
    },
    pull_apply::{Applier, PageApplied, PullError, canonical_hash_of, table_of},
};
use crate::{
    audit_log,
    error::{CoreError, Result},
    store::Desk,
};

/// Domain rows are written parents first (a card needs its person, a course its project).
const ENTITY_ORDER: &[&str] = &[
    "department",
    "staff",
    "card",
    "terminal",
    "approved_project",
    "project",
    "course",
    "holding_period",
    "attendance_window",
    "swipe",
    "credit",
];

/// What applying a snapshot did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncApplied {
    pub epoch: u64,
    /// The desk's cursor now.
    pub server_seq: i64,
    pub events: usize,
    pub fields: usize,
    /// Domain rows written (inserted or updated) because they differed from the server's data.
    pub rows_written: usize,
    /// Fields left as this desk's unsettled edit shows them.
    pub kept_local: usize,
    /// Rows the local schema refused, logged as conflicts with the reason.
    pub conflicts: usize,
    pub state_hash: String,
}

/// When this desk was last started again from a snapshot (`desk_meta` `sync.resynced`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastResync {
    /// RFC 3339, the caller's clock.
    pub at: String,
    pub epoch: u64,
    pub server_seq: i64,
}

/// The last resync, if any.
pub fn last_resync(desk: &Desk) -> Result<Option<LastResync>> {
    meta_get(desk.conn(), "sync.resynced")?
        .map(|t| serde_json::from_str(&t).map_err(|e| CoreError::Corrupt(format!("sync.resynced: {e}"))))
        .transpose()
}

/// Applies `snap` to the desk in one transaction (see the module header). `now` (RFC 3339) stamps
/// the audit rows.
pub fn apply_snapshot(
    desk: &Desk,
    snap: &Snapshot,
    now: &str,
) -> std::result::Result<ResyncApplied, PullError> {
    let now_ms = chrono::DateTime::parse_from_rfc3339(now)
        .map_err(|e| CoreError::Corrupt(format!("time {now:?}: {e}")))?
        .timestamp_millis();
    let tx = Transaction::new_unchecked(desk.conn(), TransactionBehavior::Immediate)?;
    let mut marks = read_marks(&tx)?;
    let cursor_before = marks.cursor;
    if let EpochCheck::Stale = marks.check_epoch(snap.epoch) {
        return Err(
            SyncError::StaleSnapshot { known: marks.epoch.unwrap_or_default(), got: snap.epoch }.into()
        );
    }
    // Own edits not yet frozen record the stamps they saw before the confirmed data changes.
    freeze(&tx, desk.site_id())?;
    tx.execute_batch("DELETE FROM sync_events; DELETE FROM sync_fields; DELETE FROM sync_applied;")?;
    {
        let mut ev = tx.prepare("INSERT INTO sync_events(entity, entity_id, data) VALUES (?1, ?2, ?3)")?;
        for (entity, id, data) in &snap.events {
            ev.execute(params![entity, id, data.to_string()])?;
        }
        let mut f = tx.prepare(
            "INSERT INTO sync_fields(entity, entity_id, field, value, hlc, op_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (entity, id, row) in &snap.rows {
            for (name, s) in row {
                f.execute(params![entity, id, name, s.value.to_string(), s.hlc.to_string(), s.op_id])?;
            }
        }
        let mut a = tx.prepare("INSERT OR IGNORE INTO sync_applied(op_id) VALUES (?1)")?;
        for op_id in &snap.applied {
            a.execute([op_id])?;
        }
    }
    // A cut or garbled snapshot never lands: the data must hash as the server announced.
    let got = canonical_hash_of(&tx)?;
    if got != snap.state_hash {
        return Err(SyncError::SnapshotMismatch { expected: snap.state_hash.clone(), got }.into());
    }
    let mut clock = load_clock(&tx, desk.site_id())?;
    for (_, _, row) in &snap.rows {
        for s in row.values() {
            clock.observe(&s.hlc, now_ms);
        }
    }
    let mut out = PageApplied::default();
    let mut applier = Applier::new(&tx, desk.site_id(), now, "sync.resync", &mut out);
    let rank = |entity: &str| ENTITY_ORDER.iter().position(|e| *e == entity).unwrap_or(ENTITY_ORDER.len());
    let mut events: Vec<_> = snap.events.iter().filter(|(e, _, _)| table_of(e).is_some()).collect();
    events.sort_by_key(|(e, i, _)| (rank(e), i.as_str()));
    let mut rows: Vec<_> = snap.rows.iter().collect();
    rows.sort_by_key(|(e, i, _)| (rank(e), i.as_str()));
    // Rows first (events such as swipes refer to people, cards and projects).
    for (entity, id, fields) in rows {
        let pending: BTreeSet<String> =
            unsettled_stamps(&tx, entity, id)?.into_iter().map(|(f, _)| f).collect();
        let mut desired = Map::new();
        for (name, s) in fields {
            if pending.contains(name) {
                applier.out.kept_local += 1;
            } else {
                desired.insert(name.clone(), s.value.clone());
            }
        }
        if desired.is_empty() {
            continue;
        }
        let op = resync_op(entity, id, fields);
        if entity == "credit" {
            applier.write_credit(snap.server_seq, &op, &pending, &desired)?;
        } else if table_of(entity).is_some() {
            applier.write_row(snap.server_seq, &op, &desired)?;
        }
    }
    for (entity, id, data) in events {
        // An event is immutable: one this desk already holds is left as it is.
        let Some((table, key)) = table_of(entity) else { continue };
        let held: bool = tx
            .prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE {key} = ?1)"))?
            .query_row([id], |r| r.get(0))?;
        if held {
            continue;
        }
        let Some(row) = data.as_object() else { continue };
        let op = Op {
            site_id: String::new(),
            site_seq: 0,
            op_id: String::new(),
            entity: entity.clone(),
            entity_id: id.clone(),
            body: OpBody::Event { data: data.clone() },
        };
        applier.write_row(snap.server_seq, &op, row)?;
    }
    drop(applier);
    marks.cursor = snap.server_seq;
    write_marks(&tx, &marks)?;
    store_clock(&tx, &clock)?;
    let fields: usize = snap.rows.iter().map(|(_, _, r)| r.len()).sum();
    let applied = ResyncApplied {
        epoch: snap.epoch,
        server_seq: snap.server_seq,
        events: snap.events.len(),
        fields,
        rows_written: out.rows_written,
        kept_local: out.kept_local,
        conflicts: out.conflicts,
        state_hash: got,
    };
    let last = LastResync { at: now.to_string(), epoch: snap.epoch, server_seq: snap.server_seq };
    let text = serde_json::to_string(&last).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    meta_set(&tx, "sync.resynced", &text)?;
    // The audit entry naming the resync (the rows it wrote have their own entries).
    let (seq, prev_hash) = audit_log::chain_head(&tx)?;
    let after = serde_json::to_value(&applied).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    let before = serde_json::json!({"cursor": cursor_before});
    audit_log::append(
        &tx,
        &audit_log::Entry {
            seq,
            at: now.to_string(),
            operator: "sync".into(),
            action: "sync.resync".into(),
            entity: "sync".into(),
            entity_id: format!("{}:{}", snap.epoch, snap.server_seq),
            before: Some(before.to_string()),
            after: Some(after.to_string()),
            prev_hash,
        },
    )?;
    tx.commit()?;
    Ok(applied)
}

/// A field op carrying a snapshot row, for the domain writer (which names it in conflicts).
fn resync_op(entity: &str, id: &str, fields: &BTreeMap<String, super::Stamped>) -> Op {
    let hlc = fields.values().map(|s| s.hlc.clone()).max().unwrap_or_else(Hlc::zero);
    Op {
        site_id: String::new(),
        site_seq: 0,
        op_id: "resync".into(),
        entity: entity.to_string(),
        entity_id: id.to_string(),
        body: OpBody::Fields {
            hlc,
            fields: fields
                .iter()
                .map(|(k, s)| (k.clone(), FieldEdit { value: s.value.clone(), base: s.hlc.clone() }))
                .collect(),
        },
    }
}
