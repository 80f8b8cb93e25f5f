//! The SQLite and PostgreSQL hubs against the reference rules: random pushes (retries, gaps,
//! out-of-order batches, a forged op that quarantines a site) and random pulls go to both
//! `cmedesk_core::sync::MemoryHub` and [`HubStore`] on a real file or a real PostgreSQL server;
//! every reply must be equal, and so must the merged data after reopening (the log replays to
//! the same state).

mod common;

use std::collections::BTreeMap;

use cmedesk_core::sync::{DeskSync, MemoryHub, PullRequest, PushReply, PushRequest};
use cmedesk_hub::HubStore;
use serde_json::json;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn sqlite_hub_answers_exactly_like_the_reference_rules() {
    check_against_reference(20, &|_seed| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        Box::new(move || {
            let _keep = &dir;
            HubStore::open(&path).unwrap()
        })
    });
}

#[test]
fn postgres_hub_answers_exactly_like_the_reference_rules() {
    let Some(pg) = common::PgCluster::start(&["-c fsync=off"]) else { return };
    check_against_reference(6, &|seed| {
        let url = pg.create_db(&format!("diff{seed}"));
        Box::new(move || HubStore::open_postgres(&url).unwrap())
    });
}

/// Runs `seeds` random sessions; `open(seed)` gives a function that (re)opens that seed's store.
fn check_against_reference(seeds: u64, open: &dyn Fn(u64) -> Box<dyn Fn() -> HubStore>) {
    // (accepted with a replay, gap, quarantined) replies seen: every rule must be exercised.
    let mut seen = [0usize; 3];
    for seed in 1..=seeds {
        let reopen = open(seed);
        let mut store = reopen();
        let mut memory = MemoryHub::new();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut desks: Vec<DeskSync> = (0..3).map(|i| DeskSync::new(format!("s{i}"))).collect();
        for d in &desks {
            store.enrol(d.site_id(), "desk", "2026-11-22").unwrap();
        }
        for step in 0..400 {
            let d = rng.below(3);
            match rng.below(10) {
                0..=3 => {
                    let desk = &mut desks[d];
                    let seq = desk.outbox().len() + 1;
                    let op_id = format!("s{d}-{seq}");
                    if rng.below(2) == 0 {
                        let field = ["phone", "title"][rng.below(2)];
                        let v = BTreeMap::from([(field.to_string(), json!(step))]);
                        let staff = format!("staff-{}", rng.below(2));
                        desk.record_fields(op_id, "staff", &staff, v, 1_000 + step as i64).unwrap();
                    } else {
                        // Shared swipe ids across desks: duplicates by id.
                        let id = format!("sw-{}", rng.below(30));
                        desk.record_event(op_id, "swipe", &id, json!({"id": id})).unwrap();
                    }
                }
                4..=7 => {
                    let desk = &desks[d];
                    let n = desk.outbox().len();
                    if n == 0 {
                        continue;
                    }
                    let start = rng.below(n + 1);
                    let len = rng.below(5);
                    let mut ops: Vec<_> = desk.outbox().iter().skip(start).take(len).cloned().collect();
                    if rng.below(8) == 0 {
                        ops.reverse();
                    }
                    if d == 2 && rng.below(40) == 0 && !ops.is_empty() {
                        ops[0].op_id.push_str("-forged");
                    }
                    let req = PushRequest { site_id: desk.site_id().to_string(), ops };
                    let a = memory.push(&req);
                    let b = store.push(&req).unwrap();
                    assert_eq!(a, b, "seed {seed} step {step}: push {req:?}");
                    match a {
                        PushReply::Accepted { results, .. } if results.iter().any(|r| r.replay) => {
                            seen[0] += 1
                        }
                        PushReply::Gap { .. } => seen[1] += 1,
                        PushReply::Quarantined { .. } => seen[2] += 1,
                        _ => {}
                    }
                }
                _ => {
                    let head = memory.log().len();
                    let req = PullRequest {
                        site_id: desks[d].site_id().to_string(),
                        after: rng.below(head + 2) as i64,
                        limit: 1 + rng.below(6) as u32,
                    };
                    let a = memory.pull(&req);
                    let b = store.pull(req.after, req.limit).unwrap();
                    assert_eq!(a, b, "seed {seed} step {step}: pull {req:?}");
                }
            }
        }
        assert_eq!(memory.state().canonical_hash(), store.replica().unwrap().canonical_hash());
        assert_eq!(memory.state().conflicts(), store.replica().unwrap().conflicts());
        drop(store);
        let mut reopened = reopen();
        assert_eq!(memory.state().canonical_hash(), reopened.replica().unwrap().canonical_hash());
        assert_eq!(memory.log().len() as i64, reopened.head().unwrap());
        for d in &desks {
            assert_eq!(
                memory.acked_through(d.site_id()),
                reopened.status(d.site_id()).unwrap().acked_through,
                "seed {seed}"
            );
            assert_eq!(memory.is_quarantined(d.site_id()), reopened.status(d.site_id()).unwrap().quarantined);
        }
    }
    assert!(seen.iter().all(|n| *n > 0), "replays, gaps, quarantines: {seen:?}");
}
