//! The hub's storage in PostgreSQL (`--postgres URL`), for a hospital group or a region where
//! several hub processes may share one database. Same tables and rules as the SQLite store.
//!
//! The one thing PostgreSQL makes easy to get wrong is the pull cursor: a `SEQUENCE` hands out
//! numbers in call order, but transactions commit in any order, so a reader can see seq 7 while 6
//! is still uncommitted — a desk that moved its cursor to 7 would skip 6 for ever (and a rolled
//! back transaction leaves a hole no one fills). Here a push takes the space row `FOR UPDATE`
//! first and allocates `server_seq` from its `head`: pushes to one space serialise, commit
//! order equals sequence order, and the log has no holes. (`naive_sequence` keeps the wrong way
//! available so the concurrency test can show it catches it.)
//!
//! Each pushed op's outcome needs only the log and the event ids (no merged state): an event
//! whose id the space holds with the same data is a duplicate, an op id already logged is a
//! duplicate, anything else is logged. The merged data ([`Replica`]) for `status` is brought up
//! to date from the log on demand, in log order, so every hub process computes the same hash.

use cmedesk_core::sync::{
    LogEntry, Op, OpBody, OpResult, Outcome, PullReply, PushReply, PushRequest, Replica, Snapshot,
    hub::{PushDecision, decide},
};
use std::collections::{BTreeMap, HashMap, HashSet};

use postgres::{Client, IsolationLevel, NoTls, Transaction};

use crate::retention::{self, DeskInfo, LogInfo, PruneReport};
use crate::store::{HubError, Status, new_token, now_ms, revoked_marker, token_hash};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (space_id TEXT PRIMARY KEY, head BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sites (
    site_id        TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    token_sha256   TEXT NOT NULL UNIQUE,
    acked_through  BIGINT NOT NULL DEFAULT 0,
    quarantined_at BIGINT,
    enrolled_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS site_ops (
    site_id  TEXT NOT NULL REFERENCES sites(site_id),
    site_seq BIGINT NOT NULL,
    op_id    TEXT NOT NULL,
    hash     TEXT NOT NULL,
    result   TEXT NOT NULL,
    PRIMARY KEY (site_id, site_seq)
);
CREATE TABLE IF NOT EXISTS log (
    server_seq BIGINT PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    op         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
CREATE SEQUENCE IF NOT EXISTS naive_server_seq;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS pulled_through BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS revoked_at TEXT;
ALTER TABLE log ADD COLUMN IF NOT EXISTS logged_at BIGINT NOT NULL DEFAULT 0;
INSERT INTO hub_meta(key, value) VALUES ('epoch', '1') ON CONFLICT DO NOTHING;
INSERT INTO spaces(space_id, head) VALUES ('default', 0) ON CONFLICT DO NOTHING;
";

/// Any number; holds schema creation of concurrent first opens apart.
const SCHEMA_LOCK: i64 = 0x0063_6d65_6465_736b;

pub struct PgStore {
    client: Client,
    replica: Replica,
    replica_head: i64,
    naive_sequence: bool,
}

impl PgStore {
    /// Connects (e.g. `postgres://user@127.0.0.1:5432/cmedesk`), creates the tables if needed and
    /// reads the log into the merged data.
    pub fn open(url: &str) -> Result<PgStore, HubError> {
        let mut client = Client::connect(url, NoTls)?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        let mut store = PgStore { client, replica: Replica::new(), replica_head: 0, naive_sequence: false };
        store.refresh()?;
        Ok(store)
    }

    /// Test only: allocate `server_seq` from a sequence without the space lock, holding the
    /// transaction open `hold_ms` after taking the number — the bug the concurrency test catches.
    #[doc(hidden)]
    pub fn set_naive_sequence(&mut self, on: bool) {
        self.naive_sequence = on;
    }

    /// Applies log entries written since the last look (by this or another hub process). When
    /// a prune (here or in another process) removed entries this copy had not applied, it starts
    /// again from the stored base.
    fn refresh(&mut self) -> Result<(), HubError> {
        let pruned = pruned_through(&mut self.client)?;
        if pruned > self.replica_head {
            let base: Option<String> = self
                .client
                .query_opt("SELECT value FROM hub_meta WHERE key = 'base'", &[])?
                .map(|r| r.get(0));
            let (through, replica) = retention::read_base(Some(pruned.to_string()), base)?;
            self.replica = replica;
            self.replica_head = through;
        }
        let rows = self.client.query(
            "SELECT server_seq, op FROM log WHERE server_seq > $1 ORDER BY server_seq",
            &[&self.replica_head],
        )?;
        for row in rows {
            let seq: i64 = row.get(0);
            if seq != self.replica_head + 1 {
                break; // not committed yet (only possible with the naive sequence)
            }
            let op: Op = serde_json::from_str(row.get::<_, &str>(1))
                .map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
            self.replica.apply(&op);
            self.replica_head = seq;
        }
        Ok(())
    }

    pub fn epoch(&mut self) -> Result<u64, HubError> {
        epoch(&mut self.client)
    }

    pub fn head(&mut self) -> Result<i64, HubError> {
        Ok(self.client.query_one("SELECT head FROM spaces WHERE space_id = 'default'", &[])?.get(0))
    }

    pub fn replica(&mut self) -> Result<&Replica, HubError> {
        self.refresh()?;
        Ok(&self.replica)
    }

    pub fn new_epoch(&mut self, now_ms: u64) -> Result<u64, HubError> {
        let next = (self.epoch()? + 1).max(now_ms);
        self.client.execute("UPDATE hub_meta SET value = $1 WHERE key = 'epoch'", &[&next.to_string()])?;
        Ok(next)
    }

    pub fn enrol(&mut self, site_id: &str, name: &str, now: &str) -> Result<String, HubError> {
        let token = new_token();
        let done = self.client.execute(
            "INSERT INTO sites(site_id, name, token_sha256, enrolled_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (site_id) DO NOTHING",
            &[&site_id, &name, &token_hash(&token), &now],
        )?;
        if done == 0 {
            return Err(HubError::AlreadyEnrolled(site_id.to_string()));
        }
        Ok(token)
    }

    pub fn site_for_token(&mut self, token: &str) -> Result<Option<String>, HubError> {
        Ok(self
            .client
            .query_opt("SELECT site_id FROM sites WHERE token_sha256 = $1", &[&token_hash(token)])?
            .map(|r| r.get(0)))
    }

    pub fn status(&mut self, site_id: &str) -> Result<Status, HubError> {
        let row = self
            .client
            .query_opt("SELECT acked_through, quarantined_at FROM sites WHERE site_id = $1", &[&site_id])?;
        let (acked_through, quarantined): (i64, Option<i64>) =
            row.map_or((0, None), |r| (r.get(0), r.get(1)));
        let epoch = self.epoch()?;
        let head = self.head()?;
        let state_hash = self.replica()?.canonical_hash();
        Ok(Status { epoch, head, acked_through, quarantined: quarantined.is_some(), state_hash })
    }

    /// Settles a push in one transaction (see the module header for the space lock).
    pub fn push(&mut self, req: &PushRequest) -> Result<PushReply, HubError> {
        let naive = self.naive_sequence;
        let mut tx = self.client.transaction()?;
        let epoch = epoch_tx(&mut tx)?;
        let mut head: i64 = if naive {
            0
        } else {
            tx.query_one("SELECT head FROM spaces WHERE space_id = 'default' FOR UPDATE", &[])?.get(0)
        };
        let site = tx.query_opt(
            "SELECT acked_through, quarantined_at FROM sites WHERE site_id = $1 FOR UPDATE",
            &[&req.site_id],
        )?;
        let Some(site) = site else {
            return Err(HubError::Corrupt(format!("site {} is not enrolled", req.site_id)));
        };
        let (mut acked, quarantined): (i64, Option<i64>) = (site.get(0), site.get(1));
        if let Some(site_seq) = quarantined {
            return Ok(PushReply::Quarantined { epoch, site_seq });
        }
        let mut results = Vec::with_capacity(req.ops.len());
        let (mut gap, mut mismatch) = (None, None);
        let mut batch = Batch::read(&mut tx, &req.ops)?;
        for op in &req.ops {
            if op.site_id != req.site_id {
                mismatch = Some(op.site_seq);
                break;
            }
            let known = if let Some(k) = batch.settled.get(&op.site_seq) {
                Some(k.clone())
            } else if op.site_seq <= acked {
                tx.query_opt(
                    "SELECT op_id, hash, result FROM site_ops WHERE site_id = $1 AND site_seq = $2",
                    &[&req.site_id, &op.site_seq],
                )?
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, String>(2)))
            } else {
                None
            };
            let known_ref = known.as_ref().map(|(i, h, _)| (i.as_str(), h.as_str()));
            match decide(acked, known_ref, op) {
                PushDecision::Replay => {
                    let Some((_, _, stored)) = known else {
                        return Err(HubError::Corrupt("replay without a stored result".into()));
                    };
                    let mut result: OpResult =
                        serde_json::from_str(&stored).map_err(|e| HubError::Corrupt(e.to_string()))?;
                    result.replay = true;
                    results.push(result);
                }
                PushDecision::Apply => {
                    let outcome = match batch.settle(&mut tx, op)? {
                        Some(outcome) => outcome,
                        None => {
                            head = if naive {
                                tx.query_one("SELECT nextval('naive_server_seq')", &[])?.get(0)
                            } else {
                                head + 1
                            };
                            batch.log(head, op)?;
                            Outcome::Applied { server_seq: head }
                        }
                    };
                    let result =
                        OpResult { site_seq: op.site_seq, op_id: op.op_id.clone(), outcome, replay: false };
                    let stored =
                        serde_json::to_string(&result).map_err(|e| HubError::Corrupt(e.to_string()))?;
                    batch.settled.insert(op.site_seq, (op.op_id.clone(), op.hash(), stored));
                    acked = op.site_seq;
                    results.push(result);
                }
                PushDecision::Gap { expected } => {
                    gap = Some(expected);
                    break;
                }
                PushDecision::Mismatch => {
                    mismatch = Some(op.site_seq);
                    break;
                }
            }
        }
        batch.write(&mut tx, &req.site_id)?;
        tx.execute(
            "UPDATE sites SET acked_through = $2, quarantined_at = COALESCE($3, quarantined_at) WHERE site_id = $1",
            &[&req.site_id, &acked, &mismatch],
        )?;
        if naive {
            // A busy server: the number is taken, the commit comes a little later.
            tx.execute("SELECT pg_sleep(0.002 * (1 + (random() * 3)::int))", &[])?;
            tx.execute("UPDATE spaces SET head = GREATEST(head, $1) WHERE space_id = 'default'", &[&head])?;
        } else {
            tx.execute("UPDATE spaces SET head = $1 WHERE space_id = 'default'", &[&head])?;
        }
        tx.commit()?;
        if let Some(site_seq) = mismatch {
            return Ok(PushReply::Quarantined { epoch, site_seq });
        }
        match gap {
            Some(expected) if results.is_empty() => Ok(PushReply::Gap { epoch, expected }),
            _ => Ok(PushReply::Accepted { epoch, acked_through: acked, results }),
        }
    }

    /// The merged data at the head, from one repeatable-read transaction: the epoch, the base
    /// (if another process pruned past this copy) and the log entries since this copy's head are
    /// all read at one instant, so the data matches the `server_seq` it names.
    pub fn snapshot(&mut self) -> Result<Snapshot, HubError> {
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let epoch = epoch_tx(&mut tx)?;
        let pruned: i64 = match tx
            .query_opt("SELECT value FROM hub_meta WHERE key = 'pruned_through'", &[])?
            .map(|r| r.get::<_, String>(0))
        {
            None => 0,
            Some(t) => t.parse().map_err(|_| HubError::Corrupt(format!("pruned_through {t:?}")))?,
        };
        if pruned > self.replica_head {
            let base: Option<String> =
                tx.query_opt("SELECT value FROM hub_meta WHERE key = 'base'", &[])?.map(|r| r.get(0));
            let (through, replica) = retention::read_base(Some(pruned.to_string()), base)?;
            self.replica = replica;
            self.replica_head = through;
        }
        let head: i64 = tx.query_one("SELECT head FROM spaces WHERE space_id = 'default'", &[])?.get(0);
        let rows = tx.query(
            "SELECT server_seq, op FROM log WHERE server_seq > $1 AND server_seq <= $2 ORDER BY server_seq",
            &[&self.replica_head, &head],
        )?;
        for row in rows {
            let seq: i64 = row.get(0);
            if seq != self.replica_head + 1 {
                break; // not committed yet (only possible with the naive sequence)
            }
            let op: Op = serde_json::from_str(row.get::<_, &str>(1))
                .map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
            self.replica.apply(&op);
            self.replica_head = seq;
        }
        tx.commit()?;
        Ok(self.replica.snapshot_at(epoch, self.replica_head))
    }

    /// The consecutive log entries after `after`, at most `limit`, with the head, from one
    /// snapshot.
    pub fn pull(&mut self, after: i64, limit: u32) -> Result<PullReply, HubError> {
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let epoch = epoch_tx(&mut tx)?;
        let pruned: Option<String> =
            tx.query_opt("SELECT value FROM hub_meta WHERE key = 'pruned_through'", &[])?.map(|r| r.get(0));
        let pruned_through = pruned.and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
        if after < pruned_through {
            return Err(HubError::ResyncNeeded { after, pruned_through });
        }
        let head: i64 = tx.query_one("SELECT head FROM spaces WHERE space_id = 'default'", &[])?.get(0);
        let rows = tx.query(
            "SELECT server_seq, op FROM log WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
            &[&after, &i64::from(limit)],
        )?;
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            let server_seq: i64 = r.get(0);
            let op = serde_json::from_str(r.get::<_, &str>(1))
                .map_err(|e| HubError::Corrupt(format!("log entry {server_seq}: {e}")))?;
            entries.push(LogEntry { server_seq, op });
        }
        tx.commit()?;
        Ok(PullReply { epoch, entries, head })
    }
}

/// What one push reads once and writes once: the log's op ids and the space's events for the
/// ops of the batch, and the rows to insert (one round trip per table instead of per op).
#[derive(Default)]
struct Batch {
    logged: HashSet<String>,
    events: HashMap<(String, String), String>,
    new_events: (Vec<String>, Vec<String>, Vec<String>),
    log: (Vec<i64>, Vec<String>, Vec<String>, Vec<i64>),
    /// site_seq → (op_id, hash, result) settled in this batch.
    settled: BTreeMap<i64, (String, String, String)>,
}

impl Batch {
    fn read(tx: &mut Transaction<'_>, ops: &[Op]) -> Result<Batch, HubError> {
        let ids: Vec<&str> = ops.iter().map(|o| o.op_id.as_str()).collect();
        let mut batch = Batch::default();
        for r in tx.query("SELECT op_id FROM log WHERE op_id = ANY($1)", &[&ids])? {
            batch.logged.insert(r.get(0));
        }
        let event_ids: Vec<&str> = ops
            .iter()
            .filter(|o| matches!(o.body, OpBody::Event { .. }))
            .map(|o| o.entity_id.as_str())
            .collect();
        if !event_ids.is_empty() {
            for r in tx.query(
                "SELECT entity, entity_id, data FROM events WHERE entity_id = ANY($1)",
                &[&event_ids],
            )? {
                batch.events.insert((r.get(0), r.get(1)), r.get(2));
            }
        }
        Ok(batch)
    }

    /// The outcome of an accepted op when it is not logged (`None`: log it), as
    /// [`cmedesk_core::sync::hub::settle`] decides it from the merged data.
    fn settle(&mut self, tx: &mut Transaction<'_>, op: &Op) -> Result<Option<Outcome>, HubError> {
        if let Err(reason) = op.validate() {
            return Ok(Some(Outcome::Rejected { reason }));
        }
        if self.logged.contains(&op.op_id) {
            return Ok(Some(Outcome::Duplicate));
        }
        if let OpBody::Event { data } = &op.body {
            let text = data.to_string();
            let key = (op.entity.clone(), op.entity_id.clone());
            match self.events.get(&key) {
                Some(e) if *e == text => return Ok(Some(Outcome::Duplicate)),
                // Different data under one id: logged (the merge keeps the canonical-smaller one).
                Some(e) if text < *e => {
                    if self.new_events.1.contains(&op.entity_id) {
                        return Err(HubError::Corrupt(format!("event {} twice in one push", op.entity_id)));
                    }
                    tx.execute(
                        "UPDATE events SET data = $3 WHERE entity = $1 AND entity_id = $2",
                        &[&op.entity, &op.entity_id, &text],
                    )?;
                    self.events.insert(key, text);
                }
                Some(_) => {}
                None => {
                    self.new_events.0.push(op.entity.clone());
                    self.new_events.1.push(op.entity_id.clone());
                    self.new_events.2.push(text.clone());
                    self.events.insert(key, text);
                }
            }
        }
        Ok(None)
    }

    fn log(&mut self, server_seq: i64, op: &Op) -> Result<(), HubError> {
        let text = serde_json::to_string(op).map_err(|e| HubError::Corrupt(e.to_string()))?;
        self.logged.insert(op.op_id.clone());
        self.log.0.push(server_seq);
        self.log.1.push(op.op_id.clone());
        self.log.2.push(text);
        self.log.3.push(now_ms());
        Ok(())
    }

    fn write(self, tx: &mut Transaction<'_>, site_id: &str) -> Result<(), HubError> {
        if !self.new_events.0.is_empty() {
            tx.execute(
                "INSERT INTO events(entity, entity_id, data) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])",
                &[&self.new_events.0, &self.new_events.1, &self.new_events.2],
            )?;
        }
        if !self.log.0.is_empty() {
            tx.execute(
                "INSERT INTO log(server_seq, op_id, op, logged_at)
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[])",
                &[&self.log.0, &self.log.1, &self.log.2, &self.log.3],
            )?;
        }
        if !self.settled.is_empty() {
            let seqs: Vec<i64> = self.settled.keys().copied().collect();
            let (mut ids, mut hashes, mut results) = (Vec::new(), Vec::new(), Vec::new());
            for (id, hash, result) in self.settled.into_values() {
                ids.push(id);
                hashes.push(hash);
                results.push(result);
            }
            tx.execute(
                "INSERT INTO site_ops(site_id, site_seq, op_id, hash, result)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[])",
                &[&site_id, &seqs, &ids, &hashes, &results],
            )?;
        }
        Ok(())
    }
}

fn pruned_through(client: &mut Client) -> Result<i64, HubError> {
    let text: Option<String> =
        client.query_opt("SELECT value FROM hub_meta WHERE key = 'pruned_through'", &[])?.map(|r| r.get(0));
    match text {
        None => Ok(0),
        Some(t) => t.parse().map_err(|_| HubError::Corrupt(format!("pruned_through {t:?}"))),
    }
}

impl PgStore {
    pub fn note_pulled(&mut self, site_id: &str, after: i64) -> Result<(), HubError> {
        self.client.execute(
            "UPDATE sites SET pulled_through = $2 WHERE site_id = $1 AND pulled_through < $2",
            &[&site_id, &after],
        )?;
        Ok(())
    }

    pub fn desks(&mut self) -> Result<Vec<DeskInfo>, HubError> {
        let rows = self.client.query(
            "SELECT site_id, name, enrolled_at, acked_through, pulled_through, quarantined_at, revoked_at
             FROM sites ORDER BY site_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| DeskInfo {
                site_id: r.get(0),
                name: r.get(1),
                enrolled_at: r.get(2),
                acked_through: r.get(3),
                pulled_through: r.get(4),
                quarantined_at_site_seq: r.get(5),
                revoked_at: r.get(6),
            })
            .collect())
    }

    pub fn revoke(&mut self, site_id: &str, now: &str) -> Result<(), HubError> {
        let done = self.client.execute(
            "UPDATE sites SET token_sha256 = $2, revoked_at = $3 WHERE site_id = $1",
            &[&site_id, &revoked_marker(site_id), &now],
        )?;
        if done == 0 {
            return Err(HubError::UnknownSite(site_id.into()));
        }
        Ok(())
    }

    pub fn set_token(&mut self, site_id: &str, token: &str) -> Result<(), HubError> {
        let done = self.client.execute(
            "UPDATE sites SET token_sha256 = $2, revoked_at = NULL WHERE site_id = $1",
            &[&site_id, &token_hash(token)],
        )?;
        if done == 0 {
            return Err(HubError::UnknownSite(site_id.into()));
        }
        Ok(())
    }

    pub fn log_info(&mut self) -> Result<LogInfo, HubError> {
        let epoch = self.epoch()?;
        let head = self.head()?;
        let pruned_through = pruned_through(&mut self.client)?;
        let r = self.client.query_one("SELECT COUNT(*), MIN(logged_at) FROM log", &[])?;
        Ok(LogInfo { epoch, head, pruned_through, entries: r.get(0), oldest_logged_at_ms: r.get(1) })
    }

    /// As the SQLite store's prune; the space row lock keeps pushes out meanwhile, so the base
    /// is the merged data of exactly the log up to the head read under it.
    pub fn prune(&mut self, now_ms: i64, keep_days: i64, dry_run: bool) -> Result<PruneReport, HubError> {
        let started = std::time::Instant::now();
        let cutoff = retention::cutoff_ms(now_ms, keep_days);
        let mut tx = self.client.transaction()?;
        let head: i64 =
            tx.query_one("SELECT head FROM spaces WHERE space_id = 'default' FOR UPDATE", &[])?.get(0);
        let pruned: Option<String> =
            tx.query_opt("SELECT value FROM hub_meta WHERE key = 'pruned_through'", &[])?.map(|r| r.get(0));
        let pruned = pruned.and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
        let r = tx.query_one(
            "SELECT COUNT(*), MIN(pulled_through)::bigint FROM sites WHERE revoked_at IS NULL",
            &[],
        )?;
        let (desks, min_pulled): (i64, Option<i64>) = (r.get(0), r.get(1));
        let first_young: Option<i64> =
            tx.query_one("SELECT MIN(server_seq) FROM log WHERE logged_at > $1", &[&cutoff])?.get(0);
        let mut report =
            retention::plan(pruned, head, desks, min_pulled.unwrap_or(0), first_young, cutoff, dry_run);
        if !dry_run && report.pruned > 0 {
            // The merged data up to the head (read in this transaction, pushes held off).
            if pruned > self.replica_head {
                let base: Option<String> =
                    tx.query_opt("SELECT value FROM hub_meta WHERE key = 'base'", &[])?.map(|r| r.get(0));
                let (through, replica) = retention::read_base(Some(pruned.to_string()), base)?;
                self.replica = replica;
                self.replica_head = through;
            }
            for row in tx.query(
                "SELECT server_seq, op FROM log WHERE server_seq > $1 AND server_seq <= $2 ORDER BY server_seq",
                &[&self.replica_head, &head],
            )? {
                let seq: i64 = row.get(0);
                let op: Op = serde_json::from_str(row.get::<_, &str>(1))
                    .map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
                self.replica.apply(&op);
                self.replica_head = seq;
            }
            let base = serde_json::to_string(&self.replica.to_snapshot())
                .map_err(|e| HubError::Corrupt(e.to_string()))?;
            tx.execute("DELETE FROM log WHERE server_seq <= $1", &[&report.through])?;
            for (key, value) in [("pruned_through", report.through.to_string()), ("base", base)] {
                tx.execute(
                    "INSERT INTO hub_meta(key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&key, &value],
                )?;
            }
            tx.commit()?;
        }
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }
}

fn epoch(client: &mut Client) -> Result<u64, HubError> {
    let text: String = client.query_one("SELECT value FROM hub_meta WHERE key = 'epoch'", &[])?.get(0);
    text.parse().map_err(|_| HubError::Corrupt(format!("epoch {text:?}")))
}

fn epoch_tx(tx: &mut Transaction<'_>) -> Result<u64, HubError> {
    let text: String = tx.query_one("SELECT value FROM hub_meta WHERE key = 'epoch'", &[])?.get(0);
    text.parse().map_err(|_| HubError::Corrupt(format!("epoch {text:?}")))
}

impl PgStore {
    /// The connection, for tables kept beside the log ([`crate::submissions`]).
    pub(crate) fn client_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}
