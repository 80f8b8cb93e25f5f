//! Sync protocol core (同步协议核心): the offline-first exchange between desks and the exchange
//! server (`design.md` §4) as pure functions and plain data, so that the HTTP client, the
//! server and a seeded simulation all run the very same rules.
//!
//! - [`hlc`]: hybrid logical clock, the order of concurrent field edits.
//! - [`replica`]: the replicated data (immutable events, per-field rows), the merge and the
//!   visible conflict log, and the canonical data hash.
//! - [`hub`]: the server's rules: per-site `acked_through`, duplicate / apply / gap / mismatch,
//!   the gap-free per-space `server_seq`, epochs; [`hub::MemoryHub`] is the reference store.
//! - [`province`]: the provincial side's facts (approved projects, review decisions, remote
//!   credits) as ops of the province's own site, checked with the desk's rules.
//! - [`desk`]: the desk's side: numbering edits, what to push, applying a pull page with its
//!   cursor at once, epochs, and the local view in which unpushed edits are never overwritten.
//!
//! Nothing here performs I/O or reads a clock: time comes in as milliseconds.

pub mod conflicts;
mod credit_rows;
pub mod desk;
pub mod hlc;
pub mod hub;
pub mod outbox_ops;
pub mod province;
pub mod pull_apply;
pub mod replica;
pub mod resync;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use desk::{DeskSync, PullOutcome, PushOutcome, SyncMarks};
pub use hlc::{Hlc, HlcClock};
pub use hub::{MemoryHub, PushDecision};
pub use replica::{Conflict, Replica, Stamped};

/// One change a desk made, as pushed: numbered gaplessly per site by `site_seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub site_id: String,
    pub site_seq: i64,
    /// UUIDv7 minted with the change; the same op never gets a second id.
    pub op_id: String,
    pub entity: String,
    pub entity_id: String,
    pub body: OpBody,
}

/// What an op does to its entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OpBody {
    /// An immutable event (a swipe, a credit grant): exists once, deduplicated by its id.
    Event { data: Value },
    /// Edits of some fields of a mergeable row (staff, project). `hlc` orders the edit;
    /// each field carries the stamp of the value the editor saw (its base), so the merge can tell
    /// a later edit (base = current stamp) from a concurrent one (a conflict).
    Fields { hlc: Hlc, fields: BTreeMap<String, FieldEdit> },
}

/// One field's new value and the stamp of the value it replaced on the editing desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEdit {
    pub value: Value,
    pub base: Hlc,
}

impl Op {
    /// SHA-256 of the op's canonical JSON (object keys sorted): a known `site_seq` arriving
    /// with a different hash means two databases claim to be the same desk.
    pub fn hash(&self) -> String {
        // serde_json without `preserve_order` writes maps in key order: the form is canonical.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        crate::store::hex(&Sha256::digest(&bytes))
    }

    /// The rules every server applies before accepting an op; a desk checks the same before
    /// recording, so an op the server rejects never looks applied locally.
    pub fn validate(&self) -> Result<(), String> {
        if self.entity.is_empty() || self.entity_id.is_empty() || self.op_id.is_empty() {
            return Err("entity, entity_id and op_id are required".into());
        }
        if self.site_seq < 1 {
            return Err(format!("site_seq {} is not positive", self.site_seq));
        }
        match &self.body {
            OpBody::Event { data } if !data.is_object() => Err("event data is not an object".into()),
            OpBody::Fields { fields, .. } if fields.is_empty() => Err("no field changed".into()),
            OpBody::Fields { fields, .. } if fields.keys().any(|k| k.is_empty()) => {
                Err("empty field name".into())
            }
            _ => Ok(()),
        }
    }
}

/// How the server settled one op. Nothing is silently dropped: every op ends in one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Appended to the space log at `server_seq`.
    Applied {
        server_seq: i64,
    },
    /// An immutable event whose id the space already holds (pushed by another desk).
    Duplicate,
    Rejected {
        reason: String,
    },
}

/// The stored answer for one pushed op; a re-push of the same op gets it again with `replay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    pub site_seq: i64,
    pub op_id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// True when this is the stored result of an op acknowledged before (a retry).
    pub replay: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub site_id: String,
    pub ops: Vec<Op>,
}

/// The server's answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PushReply {
    /// 200: every op up to `acked_through` is settled.
    Accepted { epoch: u64, acked_through: i64, results: Vec<OpResult> },
    /// 409: the batch does not continue where the server stands; resend from `expected`.
    Gap { epoch: u64, expected: i64 },
    /// 422: a known seq arrived with a different op; the site is quarantined until an
    /// administrator re-enrols it (a copied desk database).
    Quarantined { epoch: u64, site_seq: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub site_id: String,
    /// The last `server_seq` the desk applied (0 before the first pull).
    pub after: i64,
    pub limit: u32,
}

/// One entry of a space's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub server_seq: i64,
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullReply {
    pub epoch: u64,
    /// Consecutive entries from `after + 1`.
    pub entries: Vec<LogEntry>,
    /// The space's last `server_seq` when the page was read.
    pub head: i64,
}

/// The space's merged data at one `server_seq` (`GET /v1/snapshot`): what a desk starts again
/// from when its cursor cannot be continued from the log (pruned: `410 RESYNC_NEEDED`).
/// `state_hash` is the canonical data hash of exactly this data, checked by the desk before it
/// commits, so a cut or garbled snapshot is never applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub epoch: u64,
    /// The log position this data corresponds to: the desk's cursor after applying it.
    pub server_seq: i64,
    pub state_hash: String,
    /// Immutable events: (entity, id, data).
    pub events: Vec<(String, String, Value)>,
    /// Mergeable rows: (entity, id, field → value with the stamp of the edit that set it).
    pub rows: Vec<(String, String, BTreeMap<String, Stamped>)>,
    /// Every op merged into this data (a later log replay then changes nothing).
    pub applied: Vec<String>,
}

/// Sync failures a desk or server reports. `code()` is stable for the UI and scripts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("pull page starts at server_seq {got}, expected {expected}: refused, cursor kept")]
    CursorGap { expected: i64, got: i64 },
    #[error("the server holds site_seq {server_expects} but this desk has only {local_last}")]
    DeskBehindServer { server_expects: i64, local_last: i64 },
    #[error("site quarantined at site_seq {site_seq}: another database claims this desk's identity")]
    Quarantined { site_seq: i64 },
    #[error("invalid op: {0}")]
    InvalidOp(String),
    #[error("snapshot data hash {got} differs from the announced {expected}: refused, nothing changed")]
    SnapshotMismatch { expected: String, got: String },
    #[error("snapshot of epoch {got} is older than this desk's epoch {known}: refused")]
    StaleSnapshot { known: u64, got: u64 },
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::CursorGap { .. } => "SYNC_CURSOR_GAP",
            SyncError::DeskBehindServer { .. } => "SYNC_DESK_BEHIND_SERVER",
            SyncError::Quarantined { .. } => "SYNC_SITE_QUARANTINED",
            SyncError::InvalidOp(_) => "SYNC_INVALID_OP",
            SyncError::SnapshotMismatch { .. } => "SYNC_SNAPSHOT_MISMATCH",
            SyncError::StaleSnapshot { .. } => "SYNC_SNAPSHOT_STALE",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            SyncError::CursorGap { expected, got } => {
                format!("同步数据不连续（应从 {expected} 开始，收到 {got}），本次未应用，稍后重试")
            }
            SyncError::DeskBehindServer { server_expects, local_last } => format!(
                "服务器已有本机第 {server_expects} 条之前的变更，本机只有 {local_last} 条：本机数据库可能是从旧备份恢复的，请联系管理员"
            ),
            SyncError::Quarantined { site_seq } => format!(
                "本机已被同步服务器隔离（第 {site_seq} 条变更与服务器记录不符）：可能有另一台电脑复制了本机数据库，请联系管理员重新登记"
            ),
            SyncError::InvalidOp(reason) => format!("变更数据无效：{reason}"),
            SyncError::SnapshotMismatch { .. } => {
                "服务器数据快照不完整或已损坏（校验值不符），本机数据未改动，稍后重试".to_string()
            }
            SyncError::StaleSnapshot { known, got } => {
                format!("服务器数据快照属于旧纪元 {got}（本机已在纪元 {known}），未应用，稍后重试")
            }
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }
}
