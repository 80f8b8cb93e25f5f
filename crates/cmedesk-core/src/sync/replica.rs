//! The replicated data as the sync protocol sees it: immutable events deduplicated by id, and
//! mergeable rows whose fields each carry the HLC stamp of the edit that set them. Applying the
//! same set of ops in any order gives the same data (the field with the highest stamp wins), so
//! desks and server converge; a field edited concurrently on two desks keeps the loser in a
//! visible conflict log rather than dropping it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Hlc, Op, OpBody};

/// A field's current value and the edit that set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    pub value: Value,
    pub hlc: Hlc,
    pub op_id: String,
}

/// A field changed concurrently on two desks: the higher HLC won, the other value is kept here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub entity: String,
    pub entity_id: String,
    pub field: String,
    pub winner: Value,
    pub winner_hlc: Hlc,
    pub winner_op_id: String,
    pub loser: Value,
    pub loser_hlc: Hlc,
    pub loser_op_id: String,
}

/// What applying one op did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The op changed (or confirmed) the data; conflicts it caused are listed.
    Merged { conflicts: Vec<Conflict> },
    /// The op, or an event with the same id, was applied before.
    AlreadyThere,
}

type Key = (String, String);

/// The replicated data of one space as held by a desk or the server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    events: BTreeMap<Key, Value>,
    rows: BTreeMap<Key, BTreeMap<String, Stamped>>,
    /// Ops already merged, so replaying a log (after a server restore) changes nothing.
    applied: BTreeSet<String>,
    conflicts: Vec<Conflict>,
}

impl Replica {
    pub fn new() -> Replica {
        Replica::default()
    }

    /// Merges one op. Order-independent in its effect on data: each field ends with the value of
    /// the highest-stamped edit; an event keeps the first id-holder (equal data is a duplicate;
    /// different data under one id is kept as the canonical-smaller one, the other logged).
    pub fn apply(&mut self, op: &Op) -> Applied {
        if self.applied.contains(&op.op_id) {
            return Applied::AlreadyThere;
        }
        let key = (op.entity.clone(), op.entity_id.clone());
        let applied = match &op.body {
            OpBody::Event { data } => match self.events.get(&key) {
                Some(existing) if existing == data => Applied::AlreadyThere,
                Some(existing) => {
                    // Two different events under one id: never expected (ids are UUIDv7), but
                    // the choice must not depend on arrival order, and neither may vanish.
                    let (keep, lose) = if canonical(existing) <= canonical(data) {
                        (existing.clone(), data.clone())
                    } else {
                        (data.clone(), existing.clone())
                    };
                    let conflict = Conflict {
                        entity: op.entity.clone(),
                        entity_id: op.entity_id.clone(),
                        field: "*".into(),
                        winner: keep.clone(),
                        winner_hlc: Hlc::zero(),
                        winner_op_id: String::new(),
                        loser: lose,
                        loser_hlc: Hlc::zero(),
                        loser_op_id: op.op_id.clone(),
                    };
                    self.events.insert(key, keep);
                    self.conflicts.push(conflict.clone());
                    Applied::Merged { conflicts: vec![conflict] }
                }
                None => {
                    self.events.insert(key, data.clone());
                    Applied::Merged { conflicts: vec![] }
                }
            },
            OpBody::Fields { hlc, fields } => {
                let row = self.rows.entry(key).or_default();
                let mut conflicts = Vec::new();
                for (name, edit) in fields {
                    let incoming =
                        Stamped { value: edit.value.clone(), hlc: hlc.clone(), op_id: op.op_id.clone() };
                    match row.get(name) {
                        None => {
                            row.insert(name.clone(), incoming);
                        }
                        Some(current) if *hlc > current.hlc => {
                            // A later edit; a conflict only if its editor never saw `current`.
                            if edit.base != current.hlc {
                                conflicts.push(conflict(op, name, &incoming, current));
                            }
                            row.insert(name.clone(), incoming);
                        }
                        Some(current) => conflicts.push(conflict(op, name, current, &incoming)),
                    }
                }
                self.conflicts.extend(conflicts.iter().cloned());
                Applied::Merged { conflicts }
            }
        };
        self.applied.insert(op.op_id.clone());
        applied
    }

    /// Applies an op to a *view* (a desk's own unpushed edit laid over the confirmed data):
    /// the edit shows whatever its stamp, because the officer made it and it is not yet settled.
    pub(crate) fn overlay(&mut self, op: &Op) {
        let key = (op.entity.clone(), op.entity_id.clone());
        match &op.body {
            OpBody::Event { data } => {
                self.events.entry(key).or_insert_with(|| data.clone());
            }
            OpBody::Fields { hlc, fields } => {
                let row = self.rows.entry(key).or_default();
                for (name, edit) in fields {
                    row.insert(
                        name.clone(),
                        Stamped { value: edit.value.clone(), hlc: hlc.clone(), op_id: op.op_id.clone() },
                    );
                }
            }
        }
    }

    pub fn event(&self, entity: &str, id: &str) -> Option<&Value> {
        self.events.get(&(entity.to_string(), id.to_string()))
    }

    pub fn field(&self, entity: &str, id: &str, field: &str) -> Option<&Stamped> {
        self.rows.get(&(entity.to_string(), id.to_string())).and_then(|r| r.get(field))
    }

    /// The id of the first row of `entity` whose `field` holds `value` (the provincial side
    /// finds a project by its code, a person by the ID number).
    pub fn find_row(&self, entity: &str, field: &str, value: &Value) -> Option<&str> {
        self.rows
            .iter()
            .find(|((e, _), row)| e == entity && row.get(field).is_some_and(|s| s.value == *value))
            .map(|((_, id), _)| id.as_str())
    }

    /// The fields of every row of `entity`, in id order.
    pub fn rows_of<'a>(
        &'a self,
        entity: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a BTreeMap<String, Stamped>)> + 'a {
        self.rows.iter().filter(move |((e, _), _)| e == entity).map(|((_, id), row)| (id.as_str(), row))
    }

    /// The events of `entity`, in id order.
    pub fn events_of<'a>(&'a self, entity: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.events.iter().filter(move |((e, _), _)| e == entity).map(|((_, id), v)| (id.as_str(), v))
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    pub fn has_applied(&self, op_id: &str) -> bool {
        self.applied.contains(op_id)
    }

    /// Every conflict this replica saw, oldest first.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// The whole replica as JSON, for the hub's retention base: the log before the base's seq
    /// may then be pruned and the merged data is rebuilt as base + the rest of the log.
    pub fn to_snapshot(&self) -> Value {
        let events: Vec<_> = self.events.iter().map(|((e, i), v)| (e, i, v)).collect();
        let rows: Vec<_> = self.rows.iter().map(|((e, i), r)| (e, i, r)).collect();
        serde_json::json!({
            "events": events,
            "rows": rows,
            "applied": self.applied,
            "conflicts": self.conflicts,
        })
    }

    /// The data as a desk starts again from it (`GET /v1/snapshot`), at log position
    /// `server_seq` of `epoch`; the conflict log stays with the server.
    pub fn snapshot_at(&self, epoch: u64, server_seq: i64) -> super::Snapshot {
        super::Snapshot {
            epoch,
            server_seq,
            state_hash: self.canonical_hash(),
            events: self.events.iter().map(|((e, i), v)| (e.clone(), i.clone(), v.clone())).collect(),
            rows: self.rows.iter().map(|((e, i), r)| (e.clone(), i.clone(), r.clone())).collect(),
            applied: self.applied.iter().cloned().collect(),
        }
    }

    /// Reads a [`Replica::to_snapshot`] back.
    pub fn from_snapshot(v: Value) -> Result<Replica, serde_json::Error> {
        #[derive(Deserialize)]
        struct Snapshot {
            events: Vec<(String, String, Value)>,
            rows: Vec<(String, String, BTreeMap<String, Stamped>)>,
            applied: BTreeSet<String>,
            conflicts: Vec<Conflict>,
        }
        let s: Snapshot = serde_json::from_value(v)?;
        Ok(Replica {
            events: s.events.into_iter().map(|(e, i, v)| ((e, i), v)).collect(),
            rows: s.rows.into_iter().map(|(e, i, r)| ((e, i), r)).collect(),
            applied: s.applied,
            conflicts: s.conflicts,
        })
    }

    /// SHA-256 over the data (events and field values with their stamps) in key order; the
    /// conflict log and bookkeeping are left out, as they depend on arrival order.
    pub fn canonical_hash(&self) -> String {
        let mut h = Sha256::new();
        for ((entity, id), data) in &self.events {
            h.update(b"E\0");
            h.update(entity.as_bytes());
            h.update(b"\0");
            h.update(id.as_bytes());
            h.update(b"\0");
            h.update(canonical(data).as_bytes());
            h.update(b"\n");
        }
        for ((entity, id), row) in &self.rows {
            for (name, s) in row {
                h.update(b"F\0");
                for part in [entity, id, name] {
                    h.update(part.as_bytes());
                    h.update(b"\0");
                }
                h.update(canonical(&s.value).as_bytes());
                h.update(b"\0");
                h.update(s.hlc.to_string().as_bytes());
                h.update(b"\n");
            }
        }
        crate::store::hex(&h.finalize())
    }
}

fn conflict(op: &Op, field: &str, winner: &Stamped, loser: &Stamped) -> Conflict {
    Conflict {
        entity: op.entity.clone(),
        entity_id: op.entity_id.clone(),
        field: field.to_string(),
        winner: winner.value.clone(),
        winner_hlc: winner.hlc.clone(),
        winner_op_id: winner.op_id.clone(),
        loser: loser.value.clone(),
        loser_hlc: loser.hlc.clone(),
        loser_op_id: loser.op_id.clone(),
    }
}

/// JSON with object keys sorted (serde_json's map is ordered): equal values, equal text.
fn canonical(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::FieldEdit;
    use serde_json::json;

    fn hlc(ms: i64, site: &str) -> Hlc {
        Hlc { wall_ms: ms, counter: 0, site: site.into() }
    }

    fn edit(op_id: &str, at: Hlc, field: &str, value: Value, base: Hlc) -> Op {
        Op {
            site_id: at.site.clone(),
            site_seq: 1,
            op_id: op_id.into(),
            entity: "staff".into(),
            entity_id: "s1".into(),
            body: OpBody::Fields { hlc: at, fields: [(field.to_string(), FieldEdit { value, base })].into() },
        }
    }

    #[test]
    fn concurrent_edits_converge_in_either_order_and_keep_the_loser() {
        let a = edit("a", hlc(10, "A"), "phone", json!("111"), Hlc::zero());
        let b = edit("b", hlc(20, "B"), "phone", json!("222"), Hlc::zero());
        let mut ab = Replica::new();
        ab.apply(&a);
        ab.apply(&b);
        let mut ba = Replica::new();
        ba.apply(&b);
        ba.apply(&a);
        assert_eq!(ab.canonical_hash(), ba.canonical_hash());
        assert_eq!(ab.field("staff", "s1", "phone").unwrap().value, json!("222"));
        for r in [&ab, &ba] {
            assert_eq!(r.conflicts().len(), 1);
            assert_eq!(r.conflicts()[0].loser, json!("111"));
            assert_eq!(r.conflicts()[0].winner, json!("222"));
        }
    }

    #[test]
    fn an_edit_made_after_seeing_the_value_is_no_conflict() {
        let a = edit("a", hlc(10, "A"), "phone", json!("111"), Hlc::zero());
        let b = edit("b", hlc(20, "B"), "phone", json!("222"), hlc(10, "A"));
        let mut r = Replica::new();
        r.apply(&a);
        r.apply(&b);
        assert!(r.conflicts().is_empty());
        assert_eq!(r.apply(&b), Applied::AlreadyThere);
    }

    #[test]
    fn events_are_deduplicated_by_id() {
        let ev = |op_id: &str| Op {
            site_id: "A".into(),
            site_seq: 1,
            op_id: op_id.into(),
            entity: "swipe".into(),
            entity_id: "sw-1".into(),
            body: OpBody::Event { data: json!({"card": "x"}) },
        };
        let mut r = Replica::new();
        assert!(matches!(r.apply(&ev("1")), Applied::Merged { .. }));
        assert_eq!(r.apply(&ev("2")), Applied::AlreadyThere);
        assert_eq!(r.event_count(), 1);
    }
}
