//! The background sync loop against a real hub on loopback: while the server is down the loop
//! reports offline and backs off; once the server is up it resumes and pushes everything;
//! "sync now" runs a round at once; stopping it returns promptly. The button's round
//! (`round_now`) runs on the loop's own thread and returns that round's result; a nudge after
//! a local change syncs it without waiting for the interval; every round reaches `on_round`.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use cmedesk_core::{Actor, Desk, Operator, Role, departments, outbox};
use cmedesk_sync::{
    Client, SyncOptions,
    background::{LoopOptions, LoopStatus, SyncLoop},
};

fn admin() -> Actor {
    let operator = Operator {
        username: "admin".into(),
        display_name: "管理员".into(),
        role: Role::Admin,
        department_id: None,
    };
    Actor::new(operator, chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap())
}

fn add_department(db: &Path, name: &str) {
    let mut desk = Desk::open(db).unwrap();
    departments::add(
        &mut desk,
        &admin(),
        departments::NewDepartment { name: name.into(), ..Default::default() },
    )
    .unwrap();
}

fn wait_for(sync: &SyncLoop, what: &str, ok: impl Fn(&LoopStatus) -> bool) -> LoopStatus {
    let started = Instant::now();
    loop {
        let st = sync.status();
        if ok(&st) {
            return st;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "waiting for {what}: {st:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_loop_backs_off_while_offline_resumes_when_the_server_returns_and_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let site = Desk::create(&db).unwrap().site_id().to_string();
    add_department(&db, "心内科");
    let hub_db = dir.path().join("hub.db");
    let token = cmedesk_hub::HubStore::open(&hub_db).unwrap().enrol(&site, "一号台", "t").unwrap();
    // A port nobody listens on yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Client::new(&format!("http://{addr}"), &token, Duration::from_secs(5)).unwrap();
    let opts = LoopOptions {
        interval: Duration::from_secs(30),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        first_round_after: Duration::ZERO,
        // The loop's own backoff is under test: a round gives up at its first failure.
        round: SyncOptions { max_attempts: 1, ..Default::default() },
    };
    let owner = Desk::open(&db).unwrap();
    let sync = SyncLoop::start(
        owner.sibling().unwrap(),
        client.clone(),
        opts,
        || "2026-11-22T10:00:00+08:00".into(),
        None,
    )
    .unwrap();
    let offline = wait_for(&sync, "two failed rounds", |s| s.failures_in_a_row >= 2);
    assert!(!offline.online && offline.last_sync.is_none(), "{offline:?}");
    assert_eq!(offline.last_error_code.as_deref(), Some("SYNC_NETWORK"));

    // The server comes up on that address: the loop's next retry gets through.
    let hub_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
            let app = cmedesk_hub::router(cmedesk_hub::HubStore::open(&hub_db).unwrap(), None);
            cmedesk_hub::serve(listener, app).await.unwrap();
        });
    });
    let online = wait_for(&sync, "a successful round", |s| s.online && s.last_sync.is_some());
    assert_eq!((online.pending, online.failures_in_a_row), (0, 0), "{online:?}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let head = rt.block_on(client.status()).unwrap().head;
    assert!(head >= 1);

    // A new change is pushed by "sync now", long before the 30 s interval.
    add_department(&db, "骨科");
    let rounds = sync.status().rounds;
    sync.sync_now();
    wait_for(&sync, "the sync-now round", |s| s.rounds > rounds && s.pending == 0);
    assert_eq!(rt.block_on(client.status()).unwrap().head, head + 1);

    let stopping = Instant::now();
    sync.stop();
    assert!(stopping.elapsed() < Duration::from_secs(5), "stop waits only for a round in progress");
    drop(hub_thread); // the server thread ends with the test process
}

/// A hub on loopback in a thread of its own; its address.
fn start_hub(hub_db: std::path::PathBuf) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = cmedesk_hub::router(cmedesk_hub::HubStore::open(&hub_db).unwrap(), None);
            cmedesk_hub::serve(listener, app).await.unwrap();
        });
    });
    addr
}

#[test]
fn the_button_gets_its_own_round_from_the_loop_and_a_nudge_syncs_a_local_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut owner = Desk::create(&db).unwrap();
    let add = |desk: &mut Desk, name: &str| {
        departments::add(
            desk,
            &admin(),
            departments::NewDepartment { name: name.into(), ..Default::default() },
        )
        .unwrap();
    };
    add(&mut owner, "心内科");
    let hub_db = dir.path().join("hub.db");
    let token = cmedesk_hub::HubStore::open(&hub_db).unwrap().enrol(owner.site_id(), "一号台", "t").unwrap();
    let addr = start_hub(hub_db);
    let client = Client::new(&format!("http://{addr}"), &token, Duration::from_secs(10)).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<LoopStatus>::new()));
    let log = seen.clone();
    let opts = LoopOptions {
        // Only the button and nudges start rounds after the first within this test.
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        first_round_after: Duration::ZERO,
        round: SyncOptions::default(),
    };
    let sync = SyncLoop::start(
        owner.sibling().unwrap(),
        client.clone(),
        opts,
        || "2026-11-22T10:00:00+08:00".into(),
        Some(Box::new(move |st: &LoopStatus| log.lock().unwrap().push(st.clone()))),
    )
    .unwrap();

    // The button: a round that starts after the call, its own report back.
    add(&mut owner, "骨科");
    let report = sync.round_now(Duration::from_secs(60)).expect("a round within the minute").unwrap();
    assert_eq!(
        outbox::pending_count(&owner).unwrap(),
        0,
        "the button's round pushed the change made before it"
    );
    assert!(report.acked_through >= 2, "{report:?}");
    assert_eq!(
        cmedesk_core::sync::outbox_ops::setting(&owner, "sync.last_state").unwrap().as_deref(),
        Some("online"),
        "the state is stored with the desk for the next start"
    );

    // A local change and a nudge: synced without the button, long before the hour is up.
    let before = sync.status().rounds;
    add(&mut owner, "儿科");
    sync.nudge();
    let st = wait_for(&sync, "the nudged round", |s| s.rounds > before && s.pending == 0);
    assert!(st.online && st.last_round_ms < 30_000, "{st:?}");
    assert_eq!(outbox::pending_count(&owner).unwrap(), 0);

    // Two buttons at once and the loop: rounds still run one after the other on one thread.
    add(&mut owner, "眼科");
    let results = std::thread::scope(|s| {
        let a = s.spawn(|| sync.round_now(Duration::from_secs(60)));
        let b = s.spawn(|| sync.round_now(Duration::from_secs(60)));
        [a.join().unwrap(), b.join().unwrap()]
    });
    for r in results {
        assert!(r.expect("a round").is_ok());
    }
    assert_eq!(outbox::pending_count(&owner).unwrap(), 0);
    let log = seen.lock().unwrap().clone();
    let numbers: Vec<u64> = log.iter().map(|s| s.rounds).collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "every round reported once, in order: {numbers:?}");
    assert_eq!(log.last().unwrap().pending, 0);
    sync.stop();
}
