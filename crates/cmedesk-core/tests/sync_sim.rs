//! Seeded simulation of the sync protocol core (design.md §4 "Proof"): several desks edit the
//! same staff rows and record swipes offline while the network drops, duplicates and reorders
//! messages, replies are lost after the server committed, desks crash (losing everything in
//! flight) and the server is restored from an older backup (a new epoch). After faults stop
//! and sync settles, it checks:
//! - every op a desk recorded (confirmed to its user) is in the server log exactly once, or was
//!   settled as a duplicate of an event the server holds;
//! - every desk's data hash equals the server's, and nothing is pending;
//! - no pull ever skipped or repeated a `server_seq` within an epoch;
//! - no field edit vanished silently: it holds the field, or lost in a logged conflict, or a
//!   later edit was made on top of it.
//!
//! `SYNC_SIM_SEEDS=n` (default 1000) and `SYNC_SIM_SEED_START=k` choose the seeds; a failure
//! names its seed, and `SYNC_SIM_SEED_START=<seed> SYNC_SIM_SEEDS=1` replays it.

use std::collections::{BTreeMap, BTreeSet};

use cmedesk_core::sync::{
    DeskSync, Hlc, MemoryHub, OpBody, Outcome, PullReply, PullRequest, PushReply, PushRequest,
};
use serde_json::json;

/// SplitMix64: small, seedable, good enough to drive a simulation.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Debug)]
enum Msg {
    PushReq(usize, PushRequest),
    PushRep(usize, PushReply),
    PullReq(usize, PullRequest),
    PullRep(usize, PullReply),
}

impl Msg {
    fn desk(&self) -> usize {
        match self {
            Msg::PushReq(d, _) | Msg::PushRep(d, _) | Msg::PullReq(d, _) | Msg::PullRep(d, _) => *d,
        }
    }
}

struct World {
    rng: Rng,
    seed: u64,
    hub: MemoryHub,
    backups: Vec<MemoryHub>,
    max_epoch: u64,
    desks: Vec<DeskSync>,
    skew_ms: Vec<i64>,
    net: Vec<Msg>,
    now_ms: i64,
    /// Per desk: (epoch, next server_seq the desk must apply).
    next_seq: Vec<(Option<u64>, i64)>,
    swipes: Vec<(String, serde_json::Value)>,
    restores: u32,
}

const STAFF: [&str; 3] = ["staff-1", "staff-2", "staff-3"];
const FIELDS: [&str; 3] = ["phone", "title", "department_id"];

impl World {
    fn new(seed: u64) -> World {
        let mut rng = Rng(seed);
        let n = 2 + rng.below(3);
        let desks = (0..n).map(|i| DeskSync::new(format!("site-{i}"))).collect();
        // Desk clocks disagree by up to ±30 s: the HLC, not the wall clock, must order edits.
        let skew_ms = (0..n).map(|_| rng.below(60_000) as i64 - 30_000).collect();
        World {
            rng,
            seed,
            hub: MemoryHub::new(),
            backups: Vec::new(),
            max_epoch: 1,
            desks,
            skew_ms,
            net: Vec::new(),
            now_ms: 1_790_000_000_000,
            next_seq: vec![(None, 1); n],
            swipes: Vec::new(),
            restores: 0,
        }
    }

    fn desk_now(&self, d: usize) -> i64 {
        self.now_ms + self.skew_ms[d]
    }

    fn fail(&self, what: String) -> ! {
        panic!("seed {}: {what}", self.seed)
    }

    fn local_edit(&mut self, d: usize) {
        let staff = STAFF[self.rng.below(STAFF.len())];
        let mut values = BTreeMap::new();
        for _ in 0..1 + self.rng.below(2) {
            let f = FIELDS[self.rng.below(FIELDS.len())];
            values.insert(f.to_string(), json!(format!("v{}", self.rng.below(1000))));
        }
        let seq = self.desks[d].outbox().len() + 1;
        let now = self.desk_now(d);
        let op_id = format!("site-{d}-op-{seq}");
        if let Err(e) = self.desks[d].record_fields(op_id, "staff", staff, values, now) {
            self.fail(format!("local edit refused: {e}"));
        }
    }

    fn local_swipe(&mut self, d: usize) {
        // Sometimes the same physical swipe reaches two desks (a terminal log imported twice).
        let (id, data) = if !self.swipes.is_empty() && self.rng.chance(15) {
            self.swipes[self.rng.below(self.swipes.len())].clone()
        } else {
            let id = format!("swipe-{}-{}", d, self.desks[d].outbox().len() + 1);
            let data = json!({"card_key": format!("card-{}", self.rng.below(50)), "at": self.desk_now(d)});
            self.swipes.push((id.clone(), data.clone()));
            (id, data)
        };
        let op_id = format!("site-{d}-op-{}", self.desks[d].outbox().len() + 1);
        if let Err(e) = self.desks[d].record_event(op_id, "swipe", &id, data) {
            self.fail(format!("swipe refused: {e}"));
        }
    }

    /// The server handles a request; `reply_lost` models a crash or cut between commit and reply.
    fn serve(&mut self, msg: Msg, reply_lost: bool) -> Option<Msg> {
        let reply = match msg {
            Msg::PushReq(d, req) => Msg::PushRep(d, self.hub.push(&req)),
            Msg::PullReq(d, req) => Msg::PullRep(d, self.hub.pull(&req)),
            other => return Some(other),
        };
        (!reply_lost).then_some(reply)
    }

    fn receive(&mut self, msg: Msg) {
        match msg {
            Msg::PushRep(d, rep) => {
                if let Err(e) = self.desks[d].on_push_reply(&rep) {
                    self.fail(format!("desk {d} push reply {rep:?}: {e}"));
                }
            }
            Msg::PullRep(d, rep) => {
                let now = self.desk_now(d);
                match self.desks[d].on_pull_reply(&rep, now) {
                    Ok(out) => {
                        let epoch = self.desks[d].epoch();
                        if self.next_seq[d].0 != epoch {
                            self.next_seq[d] = (epoch, 1);
                        }
                        for seq in out.applied {
                            if seq != self.next_seq[d].1 {
                                self.fail(format!(
                                    "desk {d} applied server_seq {seq}, expected {}",
                                    self.next_seq[d].1
                                ));
                            }
                            self.next_seq[d].1 += 1;
                        }
                    }
                    // A page that does not continue the cursor is refused whole; that is the
                    // protection working (a reordered reply), not a failure.
                    Err(e) if e.code() == "SYNC_CURSOR_GAP" => {}
                    Err(e) => self.fail(format!("desk {d} pull: {e}")),
                }
            }
            other => self.fail(format!("a request reached a desk: {other:?}")),
        }
    }

    fn step(&mut self) {
        self.now_ms += self.rng.below(50) as i64;
        let d = self.rng.below(self.desks.len());
        match self.rng.below(100) {
            0..=24 => self.local_edit(d),
            25..=44 => self.local_swipe(d),
            45..=59 => {
                let max = 1 + self.rng.below(5);
                if let Some(req) = self.desks[d].next_push(max) {
                    self.net.push(Msg::PushReq(d, req));
                }
            }
            60..=69 => {
                let limit = 1 + self.rng.below(5) as u32;
                let req = self.desks[d].next_pull(limit);
                self.net.push(Msg::PullReq(d, req));
            }
            70..=94 if !self.net.is_empty() => {
                // Deliver any message in flight (reordering); sometimes it arrives twice.
                let i = self.rng.below(self.net.len());
                let msg = if self.rng.chance(10) { self.net[i].clone() } else { self.net.swap_remove(i) };
                match msg {
                    req @ (Msg::PushReq(..) | Msg::PullReq(..)) => {
                        let lost = self.rng.chance(15);
                        if let Some(reply) = self.serve(req, lost) {
                            self.net.push(reply);
                        }
                    }
                    rep => self.receive(rep),
                }
            }
            95..=96 if !self.net.is_empty() => {
                let i = self.rng.below(self.net.len());
                self.net.swap_remove(i);
            }
            97 => {
                // The desk process is killed: whatever it had in flight is gone; its database
                // (the DeskSync state, written one transaction per method) survives.
                self.net.retain(|m| m.desk() != d);
            }
            98 => self.backups.push(self.hub.clone()),
            99 if !self.backups.is_empty() && self.restores < 2 => {
                let b = self.rng.below(self.backups.len());
                self.hub = MemoryHub::restored_from(&self.backups[b], self.max_epoch);
                self.max_epoch = self.hub.epoch();
                self.restores += 1;
            }
            _ => {}
        }
    }

    /// Faults stop: every desk pushes and pulls until nothing moves.
    fn settle(&mut self) {
        self.net.clear();
        self.settle_once();
        // Sometimes the server is restored after everything settled: desks with nothing
        // pending must still notice the new epoch and re-push what it lost.
        if !self.backups.is_empty() && self.rng.chance(50) {
            let b = self.rng.below(self.backups.len());
            self.hub = MemoryHub::restored_from(&self.backups[b], self.max_epoch);
            self.max_epoch = self.hub.epoch();
            self.restores += 1;
            self.settle_once();
        }
    }

    fn settle_once(&mut self) {
        for _round in 0..10 {
            let mut moved = false;
            let mut order: Vec<usize> = (0..self.desks.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, self.rng.below(i + 1));
            }
            for d in order {
                for _ in 0..10_000 {
                    let Some(req) = self.desks[d].next_push(50) else {
                        break;
                    };
                    moved = true;
                    let Some(rep) = self.serve(Msg::PushReq(d, req), false) else { unreachable!() };
                    self.receive(rep);
                }
                for _ in 0..10_000 {
                    let before = (self.desks[d].cursor(), self.desks[d].epoch());
                    let req = self.desks[d].next_pull(50);
                    let Some(rep) = self.serve(Msg::PullReq(d, req), false) else { unreachable!() };
                    self.receive(rep);
                    if (self.desks[d].cursor(), self.desks[d].epoch()) == before {
                        break;
                    }
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
        self.fail("sync did not settle in 10 rounds".into())
    }

    fn check(&self) {
        let hub = &self.hub;
        let head = hub.log().len() as i64;
        let mut in_log: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, e) in hub.log().iter().enumerate() {
            if e.server_seq != i as i64 + 1 {
                self.fail(format!("log entry {i} has server_seq {}", e.server_seq));
            }
            *in_log.entry(e.op.op_id.as_str()).or_default() += 1;
        }
        if let Some((id, n)) = in_log.iter().find(|(_, n)| **n != 1) {
            self.fail(format!("op {id} is in the server log {n} times"));
        }
        let hash = hub.state().canonical_hash();
        let mut all_ops = Vec::new();
        for (d, desk) in self.desks.iter().enumerate() {
            if !desk.rejected().is_empty() || desk.quarantined_at().is_some() {
                self.fail(format!("desk {d} has rejections or quarantine"));
            }
            if desk.acked_through() != desk.outbox().len() as i64 {
                self.fail(format!("desk {d} has unacknowledged ops"));
            }
            if desk.cursor() != head || desk.epoch() != Some(hub.epoch()) {
                self.fail(format!(
                    "desk {d} cursor {} epoch {:?}, server head {head} epoch {}",
                    desk.cursor(),
                    desk.epoch(),
                    hub.epoch()
                ));
            }
            if self.next_seq[d] != (Some(hub.epoch()), head + 1) {
                self.fail(format!("desk {d} pull trace ends at {:?}", self.next_seq[d]));
            }
            if desk.confirmed().canonical_hash() != hash || desk.view().canonical_hash() != hash {
                self.fail(format!("desk {d} data hash differs from the server's"));
            }
            for op in desk.outbox() {
                all_ops.push(op);
                match (&op.body, in_log.get(op.op_id.as_str())) {
                    (_, Some(1)) => {}
                    (OpBody::Event { data }, None)
                        if hub.state().event(&op.entity, &op.entity_id) == Some(data) => {}
                    _ => self.fail(format!("desk {d} op {} is not on the server", op.op_id)),
                }
            }
        }
        // Every swipe confirmed on any desk exists once, everywhere.
        let ids: BTreeSet<&str> = all_ops
            .iter()
            .filter(|op| matches!(op.body, OpBody::Event { .. }))
            .map(|op| op.entity_id.as_str())
            .collect();
        if hub.state().event_count() != ids.len() {
            self.fail(format!(
                "server holds {} swipes, desks recorded {}",
                hub.state().event_count(),
                ids.len()
            ));
        }
        // No field edit vanished silently.
        let seen_bases: BTreeSet<(&str, &str, Hlc)> = all_ops
            .iter()
            .filter_map(|op| match &op.body {
                OpBody::Fields { fields, .. } => {
                    Some(fields.iter().map(|(f, e)| (op.entity_id.as_str(), f.as_str(), e.base.clone())))
                }
                _ => None,
            })
            .flatten()
            .collect();
        for op in &all_ops {
            let OpBody::Fields { hlc, fields } = &op.body else {
                continue;
            };
            for field in fields.keys() {
                let holds =
                    hub.state().field(&op.entity, &op.entity_id, field).is_some_and(|s| s.op_id == op.op_id);
                let logged =
                    hub.state().conflicts().iter().any(|c| c.loser_op_id == op.op_id && &c.field == field);
                let built_on = seen_bases.contains(&(op.entity_id.as_str(), field.as_str(), hlc.clone()));
                if !(holds || logged || built_on) {
                    self.fail(format!("edit {} of {field} vanished", op.op_id));
                }
            }
        }
    }
}

fn run(seed: u64, steps: usize) -> World {
    let mut w = World::new(seed);
    for _ in 0..steps {
        w.step();
    }
    w.settle();
    w.check();
    w
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn simulation_holds_the_invariants_for_many_seeds() {
    let start = env_u64("SYNC_SIM_SEED_START", 1);
    let seeds = env_u64("SYNC_SIM_SEEDS", 1000);
    let (mut restores, mut ops, mut conflicts) = (0, 0, 0);
    for seed in start..start + seeds {
        let w = run(seed, 300);
        restores += w.restores;
        ops += w.hub.log().len();
        conflicts += w.hub.state().conflicts().len();
    }
    // The faults must actually have happened for the run to prove anything.
    assert!(seeds < 100 || restores > 0, "no seed restored the server");
    assert!(seeds < 100 || conflicts > 0, "no seed produced a conflict");
    eprintln!("{seeds} seeds: {ops} logged ops, {conflicts} conflicts, {restores} restores");
}

#[test]
fn an_unpushed_local_edit_is_not_overwritten_by_a_pull_and_the_loser_is_kept() {
    let mut hub = MemoryHub::new();
    let mut a = DeskSync::new("A");
    let mut b = DeskSync::new("B");
    let phone = |v: &str| BTreeMap::from([("phone".to_string(), json!(v))]);
    a.record_fields("a1", "staff", "s1", phone("111"), 1_000).unwrap();
    // B's clock is ahead: its concurrent edit wins the field once both are settled.
    b.record_fields("b1", "staff", "s1", phone("222"), 9_000).unwrap();
    let rep = hub.push(&b.next_push(10).unwrap());
    b.on_push_reply(&rep).unwrap();
    let page = hub.pull(&a.next_pull(10));
    let out = a.on_pull_reply(&page, 1_100).unwrap();
    assert_eq!(out.applied, vec![1]);
    assert_eq!(
        a.view().field("staff", "s1", "phone").unwrap().value,
        json!("111"),
        "the pull must not overwrite A's unpushed edit"
    );
    a.on_push_reply(&hub.push(&a.next_push(10).unwrap())).unwrap();
    let out = a.on_pull_reply(&hub.pull(&a.next_pull(10)), 1_200).unwrap();
    assert_eq!(out.applied, vec![2]);
    assert_eq!(out.conflicts.len(), 1, "{out:?}");
    assert_eq!(out.conflicts[0].loser, json!("111"));
    assert_eq!(a.view().field("staff", "s1", "phone").unwrap().value, json!("222"));
    assert_eq!(hub.state().conflicts().len(), 1);
    assert_eq!(a.confirmed().canonical_hash(), hub.state().canonical_hash());
    // An edit A makes now, having seen B's value, is later than it whatever A's wall clock says.
    a.record_fields("a2", "staff", "s1", phone("333"), 1_300).unwrap();
    a.on_push_reply(&hub.push(&a.next_push(10).unwrap())).unwrap();
    assert_eq!(hub.state().field("staff", "s1", "phone").unwrap().value, json!("333"));
    assert_eq!(hub.state().conflicts().len(), 1, "no new conflict");
}

#[test]
fn a_copied_desk_database_gets_its_site_quarantined() {
    let mut hub = MemoryHub::new();
    let mut original = DeskSync::new("A");
    original.record_event("a1", "swipe", "sw1", json!({"card_key": "c1"})).unwrap();
    original.on_push_reply(&hub.push(&original.next_push(10).unwrap())).unwrap();
    let mut copy = original.cloned_database();
    original.record_event("a2", "swipe", "sw2", json!({"card_key": "c2"})).unwrap();
    copy.record_event("a2-copy", "swipe", "sw3", json!({"card_key": "c3"})).unwrap();
    original.on_push_reply(&hub.push(&original.next_push(10).unwrap())).unwrap();
    let err = copy.on_push_reply(&hub.push(&copy.next_push(10).unwrap())).unwrap_err();
    assert_eq!(err.code(), "SYNC_SITE_QUARANTINED");
    assert!(err.message_zh().contains("隔离"));
    assert!(hub.is_quarantined("A"));
    assert!(copy.next_push(10).is_none(), "a quarantined desk stops pushing");
    assert_eq!(hub.log().len(), 2, "nothing from the copy reached the log");
}

#[test]
fn a_restored_server_gets_back_what_it_lost_and_a_gap_page_is_refused() {
    let mut hub = MemoryHub::new();
    let mut a = DeskSync::new("A");
    for i in 1..=3 {
        a.record_event(format!("a{i}"), "swipe", &format!("sw{i}"), json!({"n": i})).unwrap();
    }
    a.on_push_reply(&hub.push(&a.next_push(1).unwrap())).unwrap();
    let backup = hub.clone();
    a.on_push_reply(&hub.push(&a.next_push(10).unwrap())).unwrap();
    a.on_pull_reply(&hub.pull(&a.next_pull(10)), 0).unwrap();
    assert_eq!((a.acked_through(), a.cursor()), (3, 3));

    // The server's disk is lost and last night's backup restored: it knows only op 1.
    let mut hub = MemoryHub::restored_from(&backup, hub.epoch());
    assert_eq!((hub.epoch(), hub.acked_through("A")), (2, 1));
    assert!(a.next_push(10).is_none(), "the desk believes everything is acknowledged");
    let out = a.on_pull_reply(&hub.pull(&a.next_pull(10)), 0).unwrap();
    assert!(out.epoch_changed && out.applied.is_empty());
    assert_eq!((a.cursor(), a.acked_through()), (0, 0));
    let pushed = a.on_push_reply(&hub.push(&a.next_push(10).unwrap())).unwrap();
    assert_eq!((pushed.replays, pushed.applied, pushed.acked_through), (1, 3, 3));
    assert_eq!(hub.log().len(), 3);

    // A page that does not continue the cursor is refused whole.
    let mut page = hub.pull(&a.next_pull(10));
    page.entries.remove(0);
    let err = a.on_pull_reply(&page, 0).unwrap_err();
    assert_eq!(err.code(), "SYNC_CURSOR_GAP");
    assert_eq!(a.cursor(), 0, "a refused page leaves the cursor where it was");
    let out = a.on_pull_reply(&hub.pull(&a.next_pull(10)), 0).unwrap();
    assert_eq!(out.applied, vec![1, 2, 3]);
    assert_eq!(a.confirmed().canonical_hash(), hub.state().canonical_hash());

    // A reply from before the restore arriving late is ignored.
    let stale = PushReply::Accepted { epoch: 1, acked_through: 1, results: vec![] };
    assert!(a.on_push_reply(&stale).unwrap().stale);
    assert_eq!(a.acked_through(), 3);
    let retry = hub.push(&PushRequest { site_id: "A".into(), ops: a.outbox()[..1].to_vec() });
    assert!(matches!(
        retry,
        PushReply::Accepted { ref results, .. }
            if results[0].replay && results[0].outcome == Outcome::Applied { server_seq: 1 }
    ));
}
