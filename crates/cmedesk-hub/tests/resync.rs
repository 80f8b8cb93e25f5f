//! `GET /v1/snapshot` and the desk's resync after `410 RESYNC_NEEDED`, on SQLite and on a
//! PostgreSQL cluster of the test's own, with real desk databases and the real HTTP client:
//! - the snapshot is the merged data at the head (its `state_hash` is the status's, its
//!   `server_seq` the head), needs a desk token, and is documented;
//! - a desk enrolled after the prune, with an unpushed department of its own, syncs: it pushes
//!   first, starts again from the snapshot, pulls on, and ends with the server's data hash like
//!   the other desk; its department exists exactly once on every desk;
//! - a snapshot whose data does not hash as announced is refused and changes nothing;
//! - the background loop (`SyncLoop`) resyncs a new desk the same way and its status says when;
//! - a hub restored from a pruned backup in a new epoch sends a desk ahead of it to resync.

mod common;

use std::{path::Path, time::Duration};

use cmedesk_core::{Actor, Desk, Operator, Role, departments, sync::resync};
use cmedesk_hub::HubStore;
use cmedesk_sync::{
    Client, SyncOptions,
    background::{LoopOptions, SyncLoop},
    sync_desk,
};
use common::PgCluster;

const NOW: &str = "2026-11-22T10:00:00+08:00";

fn admin() -> Actor {
    let operator = Operator {
        username: "admin".into(),
        display_name: "管理员".into(),
        role: Role::Admin,
        department_id: None,
    };
    Actor::new(operator, chrono::DateTime::parse_from_rfc3339(NOW).unwrap())
}

fn add_department(desk: &mut Desk, name: &str) -> String {
    departments::add(desk, &admin(), departments::NewDepartment { name: name.into(), ..Default::default() })
        .unwrap()
        .id
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn count(desk: &Desk, sql: &str) -> i64 {
    desk.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The scenario on one store: `open()` opens another handle on the same storage (as the admin
/// command does while the hub serves), `age()` makes the whole log older than the retention.
/// Store calls run on the test's thread (the PostgreSQL client is blocking), HTTP on `rt`.
fn resync_scenario(open: impl Fn() -> HubStore, age: impl Fn(), dir: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut a = Desk::create(&dir.join("a.db")).unwrap();
    let mut enroller = open();
    let ta = enroller.enrol(a.site_id(), "a", "t").unwrap();
    // The hub serves for the rest of the test process: its store (a blocking PostgreSQL
    // client) is never dropped on an async thread.
    let url = serve_forever(open());
    let ca = Client::new(&url, &ta, Duration::from_secs(30)).unwrap();
    let opts = SyncOptions::default();

    let heart = add_department(&mut a, "心血管内科");
    for i in 0..30 {
        add_department(&mut a, &format!("科室{i}"));
    }
    departments::rename(&mut a, &admin(), &heart, "心内科").unwrap();
    for _ in 0..2 {
        rt.block_on(sync_desk(&ca, &a, &opts, NOW)).unwrap();
    }
    age();
    let pruned = open().prune(now_ms(), 180, false).unwrap();
    assert!(pruned.through > 0, "{pruned:?}");

    // The snapshot is the merged data at the head.
    let status = rt.block_on(ca.status()).unwrap();
    let snap = rt.block_on(ca.snapshot()).unwrap();
    assert_eq!((snap.server_seq, &snap.state_hash), (status.head, &status.state_hash));
    assert_eq!(snap.epoch, status.epoch);
    assert!(snap.rows.iter().any(|(e, id, _)| e == "department" && *id == heart));
    let anon = Client::new(&url, "not-a-token", Duration::from_secs(30)).unwrap();
    let e = rt.block_on(anon.snapshot()).unwrap_err();
    assert_eq!(e.code(), "UNAUTHORIZED");

    // C is enrolled after the prune with a department of its own, not yet pushed.
    let mut c = Desk::create(&dir.join("c.db")).unwrap();
    let lab = add_department(&mut c, "检验科");
    let tc = enroller.enrol(c.site_id(), "c", "t").unwrap();
    let cc = Client::new(&url, &tc, Duration::from_secs(30)).unwrap();

    // A snapshot that does not hash as announced changes nothing.
    let mut bad = rt.block_on(cc.snapshot()).unwrap();
    bad.rows[0].2.values_mut().next().unwrap().value = serde_json::json!("篡改");
    let e = resync::apply_snapshot(&c, &bad, NOW).unwrap_err();
    assert!(e.to_string().contains("differs"), "{e}");
    assert_eq!(count(&c, "SELECT COUNT(*) FROM sync_fields"), 0);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM departments"), 1);
    assert!(resync::last_resync(&c).unwrap().is_none());

    let r = rt.block_on(sync_desk(&cc, &c, &opts, NOW)).unwrap();
    assert!(r.resynced, "{r:?}");
    let applied = r.resync.clone().unwrap();
    assert!(applied.server_seq >= pruned.through && applied.rows_written >= 31, "{applied:?}");
    for _ in 0..2 {
        rt.block_on(sync_desk(&ca, &a, &opts, NOW)).unwrap();
        rt.block_on(sync_desk(&cc, &c, &opts, NOW)).unwrap();
    }
    let status = rt.block_on(ca.status()).unwrap();
    for desk in [&a, &c] {
        assert_eq!(cmedesk_core::sync::pull_apply::canonical_hash(desk).unwrap(), status.state_hash);
        assert_eq!(count(desk, &format!("SELECT COUNT(*) FROM departments WHERE id = '{lab}'")), 1);
        assert_eq!(count(desk, "SELECT COUNT(*) FROM departments"), 32);
        assert_eq!(
            count(
                desk,
                &format!("SELECT COUNT(*) FROM departments WHERE id = '{heart}' AND name = '心内科'")
            ),
            1
        );
        assert!(cmedesk_core::audit_log::verify(desk).unwrap().intact);
    }
    assert_eq!(resync::last_resync(&c).unwrap().unwrap().server_seq, applied.server_seq);
    assert_eq!(
        count(&c, "SELECT COUNT(*) FROM audit_log WHERE action = 'sync.resync' AND entity = 'sync'"),
        1
    );

    // The background loop resyncs too, and its status says when.
    let e = Desk::create(&dir.join("e.db")).unwrap();
    let te = enroller.enrol(e.site_id(), "e", "t").unwrap();
    let ce = Client::new(&url, &te, Duration::from_secs(30)).unwrap();
    let lopts = LoopOptions { interval: Duration::from_secs(30), ..Default::default() };
    let sync = SyncLoop::start(e.sibling().unwrap(), ce, lopts, || NOW.into(), None).unwrap();
    let started = std::time::Instant::now();
    let st = loop {
        let st = sync.status();
        if st.rounds >= 1 {
            break st;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no round: {st:?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    sync.stop();
    assert!(st.online && st.last_error.is_none(), "{st:?}");
    assert_eq!(st.last_resync.as_deref(), Some(NOW), "{st:?}");
    assert_eq!(cmedesk_core::sync::pull_apply::canonical_hash(&e).unwrap(), status.state_hash);
}

#[test]
fn a_desk_enrolled_after_a_prune_resyncs_from_the_snapshot_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let age = || {
        rusqlite::Connection::open(&db).unwrap().execute("UPDATE log SET logged_at = 0", []).unwrap();
    };
    resync_scenario(|| HubStore::open(&db).unwrap(), age, dir.path());
}

#[test]
fn a_desk_enrolled_after_a_prune_resyncs_from_the_snapshot_on_postgres() {
    let Some(pg) = PgCluster::start(&[]) else { return };
    let url = pg.url("postgres");
    let dir = tempfile::tempdir().unwrap();
    let age = || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.execute("UPDATE log SET logged_at = 0", &[]).unwrap();
    };
    resync_scenario(|| HubStore::open_postgres(&url).unwrap(), age, dir.path());
}

/// Serves `store` on a thread of its own for the rest of the test process; its URL.
fn serve_forever(store: HubStore) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            cmedesk_hub::serve(listener, cmedesk_hub::router(store, None)).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

/// The hub file is restored from a backup taken after a prune and starts a new epoch: a desk
/// whose cursor is ahead of the restored head re-pushes what the hub lost, finds the log from
/// seq 1 pruned (`RESYNC_NEEDED`) and starts again from the snapshot, ending equal to the hub.
#[test]
fn a_hub_restored_from_a_pruned_backup_in_a_new_epoch_sends_a_desk_ahead_of_it_to_resync() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut a = Desk::create(&dir.path().join("a.db")).unwrap();
    let token = HubStore::open(&db).unwrap().enrol(a.site_id(), "a", "t").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let opts = SyncOptions::default();
    let url = serve_forever(HubStore::open(&db).unwrap());
    let client = Client::new(&url, &token, Duration::from_secs(30)).unwrap();
    for i in 0..10 {
        add_department(&mut a, &format!("科室{i}"));
    }
    for _ in 0..2 {
        rt.block_on(sync_desk(&client, &a, &opts, NOW)).unwrap();
    }
    rusqlite::Connection::open(&db).unwrap().execute("UPDATE log SET logged_at = 0", []).unwrap();
    assert!(HubStore::open(&db).unwrap().prune(now_ms(), 180, false).unwrap().through > 0);
    let backup = dir.path().join("hub-backup.db");
    rusqlite::Connection::open(&db).unwrap().execute("VACUUM INTO ?1", [backup.to_str().unwrap()]).unwrap();
    let backup_head = HubStore::open(&backup).unwrap().head().unwrap();

    // The hub moves on, then is lost; its backup is restored with a new epoch.
    for i in 10..15 {
        add_department(&mut a, &format!("科室{i}"));
    }
    rt.block_on(sync_desk(&client, &a, &opts, NOW)).unwrap();
    let cursor = cmedesk_core::sync::outbox_ops::load_marks(&a).unwrap().cursor;
    assert!(cursor > backup_head, "the desk ({cursor}) is ahead of the restored hub ({backup_head})");
    let mut restored = HubStore::open(&backup).unwrap();
    restored.new_epoch(now_ms() as u64).unwrap();
    let url = serve_forever(restored);
    let client = Client::new(&url, &token, Duration::from_secs(30)).unwrap();

    let r = rt.block_on(sync_desk(&client, &a, &opts, NOW)).unwrap();
    assert!(r.resynced, "{r:?}");
    assert!(r.pushed >= 5, "the ops the restored hub lost are pushed again: {r:?}");
    rt.block_on(sync_desk(&client, &a, &opts, NOW)).unwrap();
    let status = rt.block_on(client.status()).unwrap();
    assert_eq!(cmedesk_core::sync::pull_apply::canonical_hash(&a).unwrap(), status.state_hash);
    let snap = rt.block_on(client.snapshot()).unwrap();
    let departments = snap.rows.iter().filter(|(e, _, _)| e == "department").count();
    assert_eq!(departments, 15, "every department on the restored hub once");
    assert_eq!(count(&a, "SELECT COUNT(*) FROM departments"), 15);
}
