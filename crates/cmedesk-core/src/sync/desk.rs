//! The desk's side of the protocol as a pure state machine: it numbers local edits gaplessly,
//! says what to push next, settles push replies, applies a pull page together with its cursor
//! (all of the page or nothing), follows the server's epoch, and offers the *view*: the data as
//! pulled with this desk's own unsettled edits laid on top, so a pull never overwrites an edit
//! the officer made and has not yet seen settled.
//!
//! Every method that changes the state corresponds to one SQLite transaction on a real desk.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    Conflict, FieldEdit, Hlc, HlcClock, Op, OpBody, Outcome, PullReply, PullRequest, PushReply, PushRequest,
    SyncError,
    replica::{Applied, Replica},
};

/// What a push reply settled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOutcome {
    pub acked_through: i64,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Results of ops settled before (the reply to an earlier attempt was lost).
    pub replays: usize,
    /// The server started a new epoch (restored from a backup): pushing resumes where it stands.
    pub epoch_changed: bool,
    /// The server asked to resend from an earlier seq (409).
    pub rewound: bool,
    /// The reply belonged to an older epoch and was ignored.
    pub stale: bool,
}

/// What a pull page did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullOutcome {
    /// `server_seq`s applied by this page, in order (empty if none).
    pub applied: Vec<i64>,
    pub conflicts: Vec<Conflict>,
    pub cursor: i64,
    pub head: i64,
    pub epoch_changed: bool,
    pub stale: bool,
}

pub(crate) enum EpochCheck {
    Same,
    Changed,
    Stale,
}

/// Where a desk stands with the server: what it acknowledged, which epoch, the pull cursor,
/// and quarantine. Stored with the desk (one row set per transaction on a real desk).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncMarks {
    pub acked_through: i64,
    pub epoch: Option<u64>,
    pub cursor: i64,
    pub quarantined_at: Option<i64>,
}

impl SyncMarks {
    pub(crate) fn check_epoch(&mut self, epoch: u64) -> EpochCheck {
        match self.epoch {
            Some(known) if known == epoch => EpochCheck::Same,
            Some(known) if epoch < known => EpochCheck::Stale,
            None => {
                self.epoch = Some(epoch);
                EpochCheck::Same
            }
            Some(_) => {
                // The server was restored: it may have lost ops it acknowledged and log entries
                // this desk applied. Re-push from where it now stands; re-pull from the start
                // (re-applying what is already here changes nothing).
                self.epoch = Some(epoch);
                self.acked_through = 0;
                self.cursor = 0;
                EpochCheck::Changed
            }
        }
    }

    /// Settles a push reply (from this or an earlier attempt; stale ones are harmless) for a
    /// desk whose outbox ends at `local_last`; ops the server refused are added to `rejected`
    /// (op_id → reason).
    pub fn settle_push_reply(
        &mut self,
        reply: &PushReply,
        local_last: i64,
        rejected: &mut BTreeMap<String, String>,
    ) -> Result<PushOutcome, SyncError> {
        let mut out = PushOutcome::default();
        match reply {
            PushReply::Accepted { epoch, acked_through, results } => {
                match self.check_epoch(*epoch) {
                    EpochCheck::Stale => {
                        out.stale = true;
                        out.acked_through = self.acked_through;
                        return Ok(out);
                    }
                    EpochCheck::Changed => out.epoch_changed = true,
                    EpochCheck::Same => {}
                }
                if *acked_through > local_last {
                    return Err(SyncError::DeskBehindServer {
                        server_expects: *acked_through + 1,
                        local_last,
                    });
                }
                for r in results {
                    if r.replay {
                        out.replays += 1;
                    }
                    match &r.outcome {
                        Outcome::Applied { .. } => out.applied += 1,
                        Outcome::Duplicate => out.duplicates += 1,
                        Outcome::Rejected { reason } => {
                            out.rejected += 1;
                            rejected.insert(r.op_id.clone(), reason.clone());
                        }
                    }
                }
                self.acked_through = self.acked_through.max(*acked_through);
            }
            PushReply::Gap { epoch, expected } => {
                match self.check_epoch(*epoch) {
                    EpochCheck::Stale => {
                        out.stale = true;
                        out.acked_through = self.acked_through;
                        return Ok(out);
                    }
                    EpochCheck::Changed => out.epoch_changed = true,
                    EpochCheck::Same => {}
                }
                if expected - 1 > local_last {
                    return Err(SyncError::DeskBehindServer { server_expects: *expected, local_last });
                }
                out.rewound = expected - 1 < self.acked_through;
                self.acked_through = expected - 1;
            }
            PushReply::Quarantined { site_seq, .. } => {
                self.quarantined_at = Some(*site_seq);
                return Err(SyncError::Quarantined { site_seq: *site_seq });
            }
        }
        out.acked_through = self.acked_through;
        Ok(out)
    }
}

/// One desk's sync state (stored in the desk database on a real desk).
#[derive(Debug, Clone)]
pub struct DeskSync {
    site_id: String,
    clock: HlcClock,
    /// Every op this desk made, `site_seq` = index + 1; kept after acknowledgement so a restored
    /// server can be re-sent what it lost.
    outbox: Vec<Op>,
    marks: SyncMarks,
    confirmed: Replica,
    /// Ops the server refused, with its reason: shown to the officer, not shown as data.
    rejected: BTreeMap<String, String>,
}

impl DeskSync {
    pub fn new(site_id: impl Into<String>) -> DeskSync {
        let site_id = site_id.into();
        DeskSync {
            clock: HlcClock::new(site_id.clone()),
            site_id,
            outbox: Vec::new(),
            marks: SyncMarks::default(),
            confirmed: Replica::new(),
            rejected: BTreeMap::new(),
        }
    }

    pub fn site_id(&self) -> &str {
        &self.site_id
    }
    pub fn cursor(&self) -> i64 {
        self.marks.cursor
    }
    pub fn acked_through(&self) -> i64 {
        self.marks.acked_through
    }
    pub fn epoch(&self) -> Option<u64> {
        self.marks.epoch
    }
    pub fn outbox(&self) -> &[Op] {
        &self.outbox
    }
    pub fn marks(&self) -> &SyncMarks {
        &self.marks
    }
    pub fn confirmed(&self) -> &Replica {
        &self.confirmed
    }
    pub fn rejected(&self) -> &BTreeMap<String, String> {
        &self.rejected
    }
    pub fn quarantined_at(&self) -> Option<i64> {
        self.marks.quarantined_at
    }

    /// Ops not yet acknowledged by the server.
    pub fn pending(&self) -> &[Op] {
        let from = usize::try_from(self.marks.acked_through).unwrap_or(0);
        self.outbox.get(from..).unwrap_or(&[])
    }

    /// A copy of this desk under the same identity (what copying the database file does).
    pub fn cloned_database(&self) -> DeskSync {
        self.clone()
    }

    /// Records an immutable event (a swipe): it is confirmed to the person once this returns.
    pub fn record_event(
        &mut self,
        op_id: impl Into<String>,
        entity: &str,
        entity_id: &str,
        data: Value,
    ) -> Result<&Op, SyncError> {
        self.push_op(op_id.into(), entity, entity_id, OpBody::Event { data })
    }

    /// Records an edit of some fields of a row at physical time `now_ms`. Each field's base is
    /// the stamp of the value this desk shows now (its own unsettled edit, or the pulled value).
    pub fn record_fields(
        &mut self,
        op_id: impl Into<String>,
        entity: &str,
        entity_id: &str,
        values: BTreeMap<String, Value>,
        now_ms: i64,
    ) -> Result<&Op, SyncError> {
        let fields = values
            .into_iter()
            .map(|(name, value)| {
                let base = self.shown_stamp(entity, entity_id, &name);
                (name, FieldEdit { value, base })
            })
            .collect();
        let hlc = self.clock.tick(now_ms);
        self.push_op(op_id.into(), entity, entity_id, OpBody::Fields { hlc, fields })
    }

    fn push_op(
        &mut self,
        op_id: String,
        entity: &str,
        entity_id: &str,
        body: OpBody,
    ) -> Result<&Op, SyncError> {
        let op = Op {
            site_id: self.site_id.clone(),
            site_seq: self.outbox.len() as i64 + 1,
            op_id,
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            body,
        };
        op.validate().map_err(SyncError::InvalidOp)?;
        self.outbox.push(op);
        Ok(&self.outbox[self.outbox.len() - 1])
    }

    /// The stamp of the value the view shows for a field.
    fn shown_stamp(&self, entity: &str, entity_id: &str, field: &str) -> Hlc {
        for op in self.unsettled().rev() {
            if op.entity == entity
                && op.entity_id == entity_id
                && let OpBody::Fields { hlc, fields } = &op.body
                && fields.contains_key(field)
            {
                return hlc.clone();
            }
        }
        self.confirmed.field(entity, entity_id, field).map_or_else(Hlc::zero, |s| s.hlc.clone())
    }

    /// Own ops whose result the desk has not yet pulled back (and that were not refused).
    fn unsettled(&self) -> impl DoubleEndedIterator<Item = &Op> {
        self.outbox
            .iter()
            .filter(|op| !self.confirmed.has_applied(&op.op_id) && !self.rejected.contains_key(&op.op_id))
    }

    /// The data as the officer sees it: pulled data with own unsettled edits on top.
    pub fn view(&self) -> Replica {
        let mut view = self.confirmed.clone();
        for op in self.unsettled() {
            view.overlay(op);
        }
        view
    }

    /// The next batch to push (at most `max` ops), or `None` when everything is acknowledged.
    pub fn next_push(&self, max: usize) -> Option<PushRequest> {
        if self.marks.quarantined_at.is_some() {
            return None;
        }
        let ops: Vec<Op> = self.pending().iter().take(max).cloned().collect();
        (!ops.is_empty()).then(|| PushRequest { site_id: self.site_id.clone(), ops })
    }

    /// Settles a push reply (from this or an earlier attempt; stale ones are harmless).
    pub fn on_push_reply(&mut self, reply: &PushReply) -> Result<PushOutcome, SyncError> {
        self.marks.settle_push_reply(reply, self.outbox.len() as i64, &mut self.rejected)
    }

    pub fn next_pull(&self, limit: u32) -> PullRequest {
        PullRequest { site_id: self.site_id.clone(), after: self.marks.cursor, limit }
    }

    /// Applies a pull page and moves the cursor to the last entry applied, all or nothing.
    /// Entries the desk already has (a reply to an older request) are skipped; a page that
    /// does not continue at `cursor + 1` is refused and the cursor stays.
    pub fn on_pull_reply(&mut self, reply: &PullReply, now_ms: i64) -> Result<PullOutcome, SyncError> {
        let mut out = PullOutcome::default();
        match self.marks.check_epoch(reply.epoch) {
            EpochCheck::Stale => {
                out.stale = true;
                out.cursor = self.marks.cursor;
                out.head = reply.head;
                return Ok(out);
            }
            EpochCheck::Changed => out.epoch_changed = true,
            EpochCheck::Same => {}
        }
        if out.epoch_changed && reply.entries.first().is_some_and(|e| e.server_seq != 1) {
            // A page read for the old cursor: the restart from seq 1 comes with the next pull.
            out.cursor = self.marks.cursor;
            out.head = reply.head;
            return Ok(out);
        }
        let fresh: Vec<_> = reply.entries.iter().filter(|e| e.server_seq > self.marks.cursor).collect();
        // Validate the whole page before touching anything.
        for (i, e) in fresh.iter().enumerate() {
            let expected = self.marks.cursor + 1 + i as i64;
            if e.server_seq != expected {
                return Err(SyncError::CursorGap { expected, got: e.server_seq });
            }
            e.op.validate().map_err(SyncError::InvalidOp)?;
        }
        for e in fresh {
            if let OpBody::Fields { hlc, .. } = &e.op.body {
                self.clock.observe(hlc, now_ms);
            }
            if let Applied::Merged { conflicts } = self.confirmed.apply(&e.op) {
                out.conflicts.extend(conflicts);
            }
            self.marks.cursor = e.server_seq;
            out.applied.push(e.server_seq);
        }
        out.cursor = self.marks.cursor;
        out.head = reply.head;
        Ok(out)
    }
}

/// Field names of an op, for callers that show what a conflict or rejection concerns.
pub fn touched_fields(op: &Op) -> BTreeSet<&str> {
    match &op.body {
        OpBody::Event { .. } => BTreeSet::new(),
        OpBody::Fields { fields, .. } => fields.keys().map(String::as_str).collect(),
    }
}
