//! Retention of the exchange log (180 days by default) and what the admin commands report.
//!
//! What may be pruned: a prefix of the log (seq 1..=N, so the rest stays gap-free) whose every
//! entry (a) every known desk has acknowledged — it asked for the log after a seq ≥ N, so it holds
//! them — and (b) was logged more than `keep_days` ago. Known desks are the enrolled ones not
//! revoked; with none enrolled nothing is pruned. The merged data at the moment of pruning is
//! stored as the base (`hub_meta.base`): the server rebuilds base + remaining log at start, and
//! re-applying entries the base already holds changes nothing (the replica skips applied ops).
//!
//! A desk asking for entries before the pruned point (a revoked desk given a new token, a desk
//! restored from an old backup, a desk enrolled after the prune, a new epoch) gets
//! `410 RESYNC_NEEDED`: its cursor cannot be continued from the log, and it must be set up again
//! from a current copy rather than silently miss changes.

use cmedesk_core::sync::Replica;
use serde::{Deserialize, Serialize};

use crate::store::HubError;

/// The default retention of the exchange log.
pub const KEEP_DAYS: i64 = 180;

/// One enrolled desk as `cmedesk-hub admin desks` shows it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskInfo {
    pub site_id: String,
    pub name: String,
    pub enrolled_at: String,
    /// Its own ops settled through this site_seq.
    pub acked_through: i64,
    /// It asked for the log after this seq: it holds the log up to here.
    pub pulled_through: i64,
    /// Quarantined at this site_seq (two databases claim the site).
    pub quarantined_at_site_seq: Option<i64>,
    pub revoked_at: Option<String>,
}

/// The log's head, epoch and retention state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogInfo {
    pub epoch: u64,
    pub head: i64,
    pub pruned_through: i64,
    /// Entries kept.
    pub entries: i64,
    pub oldest_logged_at_ms: Option<i64>,
}

/// What a prune did (or would do, for a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneReport {
    /// Entries up to here are pruned (after this run).
    pub through: i64,
    /// Entries removed by this run.
    pub pruned: i64,
    /// Entries logged after this time are kept whatever the desks hold.
    pub cutoff_ms: i64,
    /// The lowest acknowledged seq over the known desks (what limits the prune).
    pub acknowledged_through: i64,
    pub known_desks: i64,
    pub dry_run: bool,
    pub millis: u64,
}

pub fn cutoff_ms(now_ms: i64, keep_days: i64) -> i64 {
    now_ms - keep_days.max(0) * 86_400_000
}

/// The prune a store would do: up to the lowest acknowledgement, stopping before the first
/// entry logged after the cutoff.
pub(crate) fn plan(
    pruned_through: i64,
    head: i64,
    known_desks: i64,
    min_pulled: i64,
    first_young: Option<i64>,
    cutoff_ms: i64,
    dry_run: bool,
) -> PruneReport {
    let acknowledged = if known_desks == 0 { 0 } else { min_pulled.min(head) };
    let old_enough = first_young.map_or(head, |seq| seq - 1);
    let through = acknowledged.min(old_enough).max(pruned_through);
    PruneReport {
        through,
        pruned: through - pruned_through,
        cutoff_ms,
        acknowledged_through: acknowledged,
        known_desks,
        dry_run,
        millis: 0,
    }
}

/// The retention base from `hub_meta` (`pruned_through`, `base`): none before the first prune.
pub(crate) fn read_base(
    pruned_through: Option<String>,
    base: Option<String>,
) -> Result<(i64, Replica), HubError> {
    let Some(text) = pruned_through else { return Ok((0, Replica::new())) };
    let through: i64 = text.parse().map_err(|_| HubError::Corrupt(format!("pruned_through {text:?}")))?;
    let base = base.ok_or_else(|| HubError::Corrupt("pruned log without a base".into()))?;
    let value = serde_json::from_str(&base).map_err(|e| HubError::Corrupt(format!("base: {e}")))?;
    let replica = Replica::from_snapshot(value).map_err(|e| HubError::Corrupt(format!("base: {e}")))?;
    Ok((through, replica))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prune_stops_at_the_slowest_desk_and_the_first_young_entry() {
        // Desks hold up to 40; entries from 31 on are young: prune 1..=30.
        let r = plan(0, 50, 2, 40, Some(31), 0, false);
        assert_eq!((r.through, r.pruned, r.acknowledged_through), (30, 30, 40));
        // The slowest desk holds 12: prune 1..=12 only.
        assert_eq!(plan(0, 50, 2, 12, None, 0, false).through, 12);
        // No desk known: nothing, whatever the age.
        assert_eq!(plan(0, 50, 0, 0, None, 0, false).pruned, 0);
        // Never goes back below an earlier prune.
        assert_eq!(
            plan(20, 50, 1, 10, None, 0, false),
            PruneReport {
                through: 20,
                pruned: 0,
                cutoff_ms: 0,
                acknowledged_through: 10,
                known_desks: 1,
                dry_run: false,
                millis: 0
            }
        );
    }
}
