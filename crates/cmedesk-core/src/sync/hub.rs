//! The exchange server's rules, and [`MemoryHub`], their reference implementation in memory
//! (the simulation's server; the SQLite/PostgreSQL hub stores the same things in tables).
//!
//! Push: the server keeps `acked_through` per site. For each op in order:
//! `site_seq ≤ acked` → a retry: return the stored result; `= acked + 1` → apply;
//! `> acked + 1` → 409 with `expected`; a known `site_seq` with a different op (id or hash) → 422,
//! and the site is quarantined (two databases claim to be one desk).
//! Pull: one gap-free `server_seq` per space, allocated in commit order; a page is the
//! consecutive entries after the desk's cursor.
//! Epoch: a server restored from a backup gets a new epoch; desks seeing it re-push and re-pull.

use std::collections::BTreeMap;

use super::{
    LogEntry, Op, OpBody, OpResult, Outcome, PullReply, PullRequest, PushReply, PushRequest,
    replica::{Applied, Replica},
};

/// What the server must do with one pushed op, given what it knows of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushDecision {
    /// Already settled: answer with the stored result.
    Replay,
    /// The next op of this site: apply it.
    Apply,
    /// Not the next op: 409, resend from `expected`.
    Gap { expected: i64 },
    /// Same `site_seq`, different op: 422 and quarantine.
    Mismatch,
}

/// The push rule as a pure function. `known` is the stored (op_id, hash) for `op.site_seq`
/// when the server has one (it has one for every seq ≤ `acked_through`).
pub fn decide(acked_through: i64, known: Option<(&str, &str)>, op: &Op) -> PushDecision {
    if op.site_seq <= acked_through {
        match known {
            Some((op_id, hash)) if op_id == op.op_id && hash == op.hash() => PushDecision::Replay,
            _ => PushDecision::Mismatch,
        }
    } else if op.site_seq == acked_through + 1 {
        PushDecision::Apply
    } else {
        PushDecision::Gap { expected: acked_through + 1 }
    }
}

/// The outcome of applying an accepted op to the space: events already held are duplicates
/// (not logged again), invalid ops are rejected (acknowledged, never applied), the rest go to
/// the log at the next `server_seq`.
pub fn settle(state: &mut Replica, log_len: i64, op: &Op) -> (Outcome, bool) {
    if let Err(reason) = op.validate() {
        return (Outcome::Rejected { reason }, false);
    }
    if let OpBody::Event { data } = &op.body
        && state.event(&op.entity, &op.entity_id) == Some(data)
    {
        return (Outcome::Duplicate, false);
    }
    match state.apply(op) {
        Applied::Merged { .. } => (Outcome::Applied { server_seq: log_len + 1 }, true),
        // The same op (same op_id) came in before under another site: a desk restored from a
        // backup gets a new site id and re-pushes its whole outbox. Never log an op twice.
        Applied::AlreadyThere => (Outcome::Duplicate, false),
    }
}

#[derive(Debug, Clone, Default)]
struct SiteLedger {
    acked_through: i64,
    /// Per settled `site_seq` - 1: (op_id, hash, result).
    settled: Vec<(String, String, OpResult)>,
    quarantined_at: Option<i64>,
}

/// The server in memory: per-site ledgers, the space log and the merged data.
#[derive(Debug, Clone)]
pub struct MemoryHub {
    epoch: u64,
    sites: BTreeMap<String, SiteLedger>,
    log: Vec<LogEntry>,
    state: Replica,
}

impl Default for MemoryHub {
    fn default() -> Self {
        MemoryHub::new()
    }
}

impl MemoryHub {
    pub fn new() -> MemoryHub {
        MemoryHub { epoch: 1, sites: BTreeMap::new(), log: Vec::new(), state: Replica::new() }
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    pub fn state(&self) -> &Replica {
        &self.state
    }

    pub fn acked_through(&self, site: &str) -> i64 {
        self.sites.get(site).map_or(0, |s| s.acked_through)
    }

    pub fn is_quarantined(&self, site: &str) -> bool {
        self.sites.get(site).is_some_and(|s| s.quarantined_at.is_some())
    }

    /// A server restored from an older copy of itself: same data as then, a new epoch.
    pub fn restored_from(backup: &MemoryHub, newest_epoch_seen: u64) -> MemoryHub {
        let mut hub = backup.clone();
        hub.epoch = newest_epoch_seen.max(backup.epoch) + 1;
        hub
    }

    /// Handles a push; what is settled stays settled even if the reply never arrives.
    pub fn push(&mut self, req: &PushRequest) -> PushReply {
        let epoch = self.epoch;
        let site = self.sites.entry(req.site_id.clone()).or_default();
        if let Some(site_seq) = site.quarantined_at {
            return PushReply::Quarantined { epoch, site_seq };
        }
        let mut results = Vec::with_capacity(req.ops.len());
        for op in &req.ops {
            if op.site_id != req.site_id {
                site.quarantined_at = Some(op.site_seq);
                return PushReply::Quarantined { epoch, site_seq: op.site_seq };
            }
            let known = usize::try_from(op.site_seq - 1)
                .ok()
                .and_then(|i| site.settled.get(i))
                .map(|(id, hash, _)| (id.as_str(), hash.as_str()));
            match decide(site.acked_through, known, op) {
                PushDecision::Replay => {
                    let mut stored = site.settled[(op.site_seq - 1) as usize].2.clone();
                    stored.replay = true;
                    results.push(stored);
                }
                PushDecision::Apply => {
                    let (outcome, logged) = settle(&mut self.state, self.log.len() as i64, op);
                    if logged {
                        self.log.push(LogEntry { server_seq: self.log.len() as i64 + 1, op: op.clone() });
                    }
                    let result =
                        OpResult { site_seq: op.site_seq, op_id: op.op_id.clone(), outcome, replay: false };
                    site.settled.push((op.op_id.clone(), op.hash(), result.clone()));
                    site.acked_through = op.site_seq;
                    results.push(result);
                }
                PushDecision::Gap { expected } => {
                    if results.is_empty() {
                        return PushReply::Gap { epoch, expected };
                    }
                    break;
                }
                PushDecision::Mismatch => {
                    site.quarantined_at = Some(op.site_seq);
                    return PushReply::Quarantined { epoch, site_seq: op.site_seq };
                }
            }
        }
        PushReply::Accepted { epoch, acked_through: site.acked_through, results }
    }

    /// A page of the log after `req.after`.
    pub fn pull(&self, req: &PullRequest) -> PullReply {
        let from = usize::try_from(req.after.max(0)).unwrap_or(0);
        let entries = self.log.iter().skip(from).take(req.limit as usize).cloned().collect();
        PullReply { epoch: self.epoch, entries, head: self.log.len() as i64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(site: &str, seq: i64, id: &str) -> Op {
        Op {
            site_id: site.into(),
            site_seq: seq,
            op_id: id.into(),
            entity: "swipe".into(),
            entity_id: format!("sw-{id}"),
            body: OpBody::Event { data: json!({"n": seq}) },
        }
    }

    fn push(hub: &mut MemoryHub, ops: Vec<Op>) -> PushReply {
        hub.push(&PushRequest { site_id: "A".into(), ops })
    }

    #[test]
    fn retry_returns_the_stored_result_gap_is_409_mismatch_quarantines() {
        let mut hub = MemoryHub::new();
        let first = push(&mut hub, vec![op("A", 1, "o1"), op("A", 2, "o2")]);
        let PushReply::Accepted { acked_through: 2, results, .. } = first else { panic!("{first:?}") };
        let retry = push(&mut hub, vec![op("A", 2, "o2"), op("A", 3, "o3")]);
        let PushReply::Accepted { acked_through: 3, results: again, .. } = retry else { panic!("{retry:?}") };
        assert_eq!(again[0].outcome, results[1].outcome);
        assert!(again[0].replay && !again[1].replay);
        assert_eq!(hub.log().len(), 3);

        assert_eq!(push(&mut hub, vec![op("A", 5, "o5")]), PushReply::Gap { epoch: 1, expected: 4 });
        assert_eq!(
            push(&mut hub, vec![op("A", 2, "other")]),
            PushReply::Quarantined { epoch: 1, site_seq: 2 }
        );
        assert!(hub.is_quarantined("A"));
        assert!(matches!(push(&mut hub, vec![op("A", 4, "o4")]), PushReply::Quarantined { .. }));
    }

    #[test]
    fn an_op_re_pushed_under_a_new_site_id_is_a_duplicate_not_a_second_log_entry() {
        let mut hub = MemoryHub::new();
        let mut edit = op("A", 1, "o1");
        edit.body = OpBody::Fields {
            hlc: crate::sync::Hlc { wall_ms: 5, counter: 0, site: "A".into() },
            fields: [(
                "phone".to_string(),
                crate::sync::FieldEdit { value: json!("1"), base: crate::sync::Hlc::zero() },
            )]
            .into(),
        };
        push(&mut hub, vec![edit.clone()]);
        let mut restored = edit;
        restored.site_id = "A2".into();
        let reply = hub.push(&PushRequest { site_id: "A2".into(), ops: vec![restored] });
        let PushReply::Accepted { results, .. } = reply else { panic!("{reply:?}") };
        assert_eq!(results[0].outcome, Outcome::Duplicate);
        assert_eq!(hub.log().len(), 1);
    }

    #[test]
    fn an_invalid_op_is_acknowledged_as_rejected_and_never_logged() {
        let mut hub = MemoryHub::new();
        let mut bad = op("A", 1, "o1");
        bad.body = OpBody::Event { data: json!(3) };
        let reply = push(&mut hub, vec![bad]);
        let PushReply::Accepted { results, .. } = reply else { panic!("{reply:?}") };
        assert!(matches!(results[0].outcome, Outcome::Rejected { .. }));
        assert!(hub.log().is_empty());
    }
}
