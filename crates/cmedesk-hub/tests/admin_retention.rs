//! The provincial side's administration (`cmedesk-hub admin …`) and the 180-day retention of the
//! exchange log, on SQLite and on a PostgreSQL cluster of the test's own:
//! - only a prefix every known (not revoked) desk has pulled AND older than the retention is
//!   pruned; a young entry or a slow desk stops it;
//! - the merged data survives: a reopened hub has the same data hash, desks carry on pulling;
//! - a cursor before the pruned point gets `RESYNC_NEEDED` (HTTP 410), never a silent skip;
//! - revoke stops a desk's token, re-issue gives a new one; `admin desks` never shows tokens.
//!
//! `RETENTION_OPS=N` sets the size of the timed prune (default 20,000 log entries).

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use cmedesk_core::sync::DeskSync;
use cmedesk_hub::HubStore;
use common::PgCluster;
use serde_json::{Value, json};

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn push_all(store: &mut HubStore, desk: &mut DeskSync) {
    while let Some(req) = desk.next_push(500) {
        let reply = store.push(&req).unwrap();
        desk.on_push_reply(&reply).unwrap();
    }
}

/// One pull page as the HTTP handler serves it (the ask acknowledges what the desk holds).
fn pull_page(store: &mut HubStore, desk: &mut DeskSync, limit: u32) -> Result<(), cmedesk_hub::HubError> {
    let after = desk.cursor();
    let reply = store.pull(after, limit)?;
    store.note_pulled(desk.site_id(), after)?;
    desk.on_pull_reply(&reply, now_ms()).unwrap();
    Ok(())
}

fn pull_all(store: &mut HubStore, desk: &mut DeskSync) {
    loop {
        let head = store.head().unwrap();
        pull_page(store, desk, 1000).unwrap();
        if desk.cursor() >= head {
            // One more ask, as the next round would: it tells the hub the desk holds the head.
            pull_page(store, desk, 1000).unwrap();
            return;
        }
    }
}

fn swipes(desk: &mut DeskSync, prefix: &str, n: usize) {
    for i in 0..n {
        desk.record_event(format!("{prefix}-{i}"), "swipe", &format!("{prefix}-sw-{i}"), json!({"i": i}))
            .unwrap();
    }
}

/// The retention rules on one store; `age(n)` makes log entries 1..=n look 200 days old;
/// `reopen()` opens the same database again.
fn retention_scenario(mut store: HubStore, age: impl Fn(i64), reopen: impl Fn() -> HubStore) {
    for s in ["site-a", "site-b", "site-c"] {
        store.enrol(s, s, "2026-11-30").unwrap();
    }
    store.revoke("site-c", "2026-11-30").unwrap();
    let mut a = DeskSync::new("site-a");
    let mut b = DeskSync::new("site-b");
    swipes(&mut a, "a", 50);
    for i in 0..5 {
        let v = [("phone".to_string(), json!(format!("138{i}")))].into();
        a.record_fields(format!("a-f{i}"), "staff", "staff-1", v, now_ms()).unwrap();
    }
    push_all(&mut store, &mut a);
    assert_eq!(store.head().unwrap(), 55);
    pull_all(&mut store, &mut a);
    // B holds 40 entries; the hub knows it holds 20 (its last ask was "after 20").
    pull_page(&mut store, &mut b, 20).unwrap();
    pull_page(&mut store, &mut b, 20).unwrap();
    assert_eq!(b.cursor(), 40);

    // Young entries are never pruned, whatever the desks hold.
    let r = store.prune(now_ms(), 180, false).unwrap();
    assert_eq!((r.pruned, r.through, r.acknowledged_through, r.known_desks), (0, 0, 20, 2), "{r:?}");
    // Entries 1..=40 are 200 days old: the slowest known desk (B, 20) limits the prune; the
    // revoked desk C (which pulled nothing) does not hold it back.
    age(40);
    let dry = store.prune(now_ms(), 180, true).unwrap();
    assert_eq!((dry.pruned, dry.through, dry.dry_run), (20, 20, true));
    assert_eq!(store.log_info().unwrap().entries, 55, "a dry run deletes nothing");
    let t = Instant::now();
    let r = store.prune(now_ms(), 180, false).unwrap();
    assert_eq!((r.pruned, r.through), (20, 20), "{r:?}");
    let info = store.log_info().unwrap();
    assert_eq!((info.head, info.pruned_through, info.entries), (55, 20, 35));
    eprintln!("prune of 20 entries: {:?}", t.elapsed());

    // A cursor before the pruned point cannot be continued: a clear answer, not a skip.
    let mut late = DeskSync::new("site-c");
    let e = pull_page(&mut store, &mut late, 100).unwrap_err();
    assert_eq!(e.code(), "RESYNC_NEEDED");
    assert!(e.to_string().contains("重新同步"), "{e}");
    // B carries on from 40; both desks end equal to the hub, which reopens with the same data.
    pull_all(&mut store, &mut b);
    let hash = store.replica().unwrap().canonical_hash();
    assert_eq!(b.view().canonical_hash(), hash);
    assert_eq!(a.view().canonical_hash(), hash);
    // Now both hold 55; entries up to 40 are old: pruned through 40, and never past a young one.
    let r = store.prune(now_ms(), 180, false).unwrap();
    assert_eq!((r.pruned, r.through), (20, 40));
    drop(store);
    let mut again = reopen();
    assert_eq!(again.replica().unwrap().canonical_hash(), hash, "base + remaining log = the same data");
    assert_eq!(again.log_info().unwrap().pruned_through, 40);
    // New ops after the prune still reach a desk that was up to date.
    swipes(&mut a, "a2", 3);
    push_all(&mut again, &mut a);
    pull_all(&mut again, &mut b);
    assert_eq!(b.view().canonical_hash(), again.replica().unwrap().canonical_hash());
    let desks = again.desks().unwrap();
    assert_eq!(desks.len(), 3);
    assert!(desks.iter().find(|d| d.site_id == "site-c").unwrap().revoked_at.is_some());
    assert_eq!(desks.iter().find(|d| d.site_id == "site-b").unwrap().pulled_through, 58);
}

#[test]
fn retention_on_sqlite_prunes_only_what_every_desk_holds_and_is_old() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let age = |n: i64| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute("UPDATE log SET logged_at = ?1 WHERE server_seq <= ?2", (now_ms() - 200 * 86_400_000, n))
            .unwrap();
    };
    retention_scenario(HubStore::open(&db).unwrap(), age, || HubStore::open(&db).unwrap());
}

#[test]
fn retention_on_postgres_prunes_only_what_every_desk_holds_and_is_old() {
    let Some(pg) = PgCluster::start(&[]) else { return };
    let url = pg.url("postgres");
    let age = |n: i64| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.execute(
            "UPDATE log SET logged_at = $1 WHERE server_seq <= $2",
            &[&(now_ms() - 200 * 86_400_000), &n],
        )
        .unwrap();
    };
    retention_scenario(HubStore::open_postgres(&url).unwrap(), age, || {
        HubStore::open_postgres(&url).unwrap()
    });
}

/// A store to time, with the way to age its whole log.
type Timed = (&'static str, HubStore, Box<dyn Fn()>);

/// Prunes a large log (`RETENTION_OPS`, default 20,000) and prints the time, on both stores.
#[test]
fn prune_time_for_a_large_log() {
    let n: usize = std::env::var("RETENTION_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut stores: Vec<Timed> = Vec::new();
    let db2 = db.clone();
    stores.push((
        "SQLite",
        HubStore::open(&db).unwrap(),
        Box::new(move || {
            rusqlite::Connection::open(&db2).unwrap().execute("UPDATE log SET logged_at = 0", []).unwrap();
        }),
    ));
    let pg = PgCluster::start(&[]);
    if let Some(pg) = &pg {
        let url = pg.url("postgres");
        stores.push((
            "PostgreSQL",
            HubStore::open_postgres(&url).unwrap(),
            Box::new(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                c.execute("UPDATE log SET logged_at = 0", &[]).unwrap();
            }),
        ));
    }
    for (name, mut store, age) in stores {
        store.enrol("site-a", "a", "t").unwrap();
        let mut a = DeskSync::new("site-a");
        swipes(&mut a, "a", n);
        push_all(&mut store, &mut a);
        pull_all(&mut store, &mut a);
        age();
        let r = store.prune(now_ms(), 180, false).unwrap();
        assert_eq!(r.pruned, n as i64);
        assert_eq!(store.log_info().unwrap().entries, 0);
        println!("{name}: prune of {n} log entries (base of {n} events written) {} ms", r.millis);
    }
}

struct Hub {
    child: Child,
    addr: String,
}

impl Hub {
    fn start(db: &Path) -> Hub {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cmedesk-hub"))
            .env_remove("CMEDESK_HUB_ADMIN_TOKEN")
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .spawn()
            .expect("hub starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
        Hub { child, addr }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub(args: &[&str], db: &Path) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cmedesk-hub")).args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn admin(args: &[&str], db: &Path) -> Value {
    let mut all = vec!["admin"];
    all.extend_from_slice(args);
    serde_json::from_str(&hub(&all, db)).unwrap()
}

fn client(addr: &str, token: &str) -> cmedesk_sync::Client {
    cmedesk_sync::Client::new(&format!("http://{addr}"), token, Duration::from_secs(30)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_against_a_running_hub_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let token = hub(&["enrol", "--site", "site-a", "--name", "心内科工作站"], &db);
    let server = Hub::start(&db);
    let opts = cmedesk_sync::SyncOptions::default();
    let mut a = DeskSync::new("site-a");
    swipes(&mut a, "a", 30);
    let ca = client(&server.addr, &token);
    cmedesk_sync::sync_round(&ca, &mut a, &opts, now_ms).await.unwrap();
    cmedesk_sync::sync_round(&ca, &mut a, &opts, now_ms).await.unwrap();

    let desks = admin(&["desks"], &db);
    assert_eq!(desks[0]["site_id"], "site-a");
    assert_eq!(desks[0]["name"], "心内科工作站");
    assert_eq!(desks[0]["acked_through"], 30);
    assert_eq!(desks[0]["pulled_through"], 30);
    assert!(!desks.to_string().contains(&token), "admin output never shows a token");
    let log = admin(&["log"], &db);
    assert_eq!(
        (log["head"].as_i64(), log["entries"].as_i64(), log["pruned_through"].as_i64()),
        (Some(30), Some(30), Some(0))
    );

    // Revoke: the running hub refuses the token at once; re-issue: a new token works.
    admin(&["revoke", "--site", "site-a"], &db);
    let e = ca.status().await.unwrap_err();
    assert_eq!(e.code(), "UNAUTHORIZED");
    let fresh = admin(&["reissue", "--site", "site-a"], &db)["token"].as_str().unwrap().to_string();
    assert_ne!(fresh, token);
    let ca = client(&server.addr, &fresh);
    assert_eq!(ca.status().await.unwrap().head, 30);

    // Prune while the hub serves: 180 days keeps everything young; aged entries go.
    assert_eq!(admin(&["prune"], &db)["pruned"], 0);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE log SET logged_at = 0 WHERE server_seq <= 25", [])
        .unwrap();
    let r = admin(&["prune", "--days", "180"], &db);
    assert_eq!((r["pruned"].as_i64(), r["through"].as_i64()), (Some(25), Some(25)), "{r}");
    // A desk enrolled now cannot start from seq 0: HTTP 410 with the code.
    let tb = hub(&["enrol", "--site", "site-b"], &db);
    let mut b = DeskSync::new("site-b");
    let e = cmedesk_sync::sync_round(&client(&server.addr, &tb), &mut b, &opts, now_ms).await.unwrap_err();
    assert_eq!(e.code(), "RESYNC_NEEDED", "{e}");
    assert!(matches!(e, cmedesk_sync::ClientError::Server { status: 410, .. }), "{e:?}");
    // Desk A carries on; after a restart the hub's data hash still equals the desk's.
    swipes(&mut a, "a2", 5);
    cmedesk_sync::sync_round(&ca, &mut a, &opts, now_ms).await.unwrap();
    drop(server);
    let server = Hub::start(&db);
    let st = client(&server.addr, &fresh).status().await.unwrap();
    assert_eq!(st.head, 35);
    assert_eq!(st.state_hash, a.view().canonical_hash());
}
