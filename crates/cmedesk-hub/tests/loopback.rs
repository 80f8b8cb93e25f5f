//! The exchange server and the sync client as real processes on loopback: desks edit the same
//! staff and swipe offline, then sync in random order through a small TCP proxy that cuts
//! connections after the server committed, truncates replies and sends garbage; the server is
//! killed with SIGKILL mid-push and restarted, and restored from a backup (a new epoch).
//! After faults stop and sync settles: every op is in the server log exactly once, every desk's
//! data hash equals the server's, and no cursor skipped a seq (`DeskSync` refuses such a page).

mod common;

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use cmedesk_core::sync::{DeskSync, OpBody};
use cmedesk_sync::{Client, SyncOptions, sync_round};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

struct Hub {
    child: Child,
    addr: String,
}

impl Hub {
    fn start(db: &Path) -> Hub {
        Hub::start_with_admin(db, None)
    }

    fn start_with_admin(db: &Path, admin: Option<&str>) -> Hub {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmedesk-hub"));
        cmd.env_remove("CMEDESK_HUB_ADMIN_TOKEN");
        if let Some(t) = admin {
            cmd.env("CMEDESK_HUB_ADMIN_TOKEN", t);
        }
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .spawn()
            .expect("hub starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected hub output {line:?}"))
            .to_string();
        Hub { child, addr }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub_cmd(args: &[&str], db: &Path) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cmedesk-hub")).args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn enrol(db: &Path, site: &str) -> String {
    hub_cmd(&["enrol", "--site", site], db)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    /// Forward the request, wait for the server's reply, then close without forwarding it.
    CutAfterCommit,
    /// Forward only the first half of the reply.
    Truncate,
    /// Answer with a well-formed HTTP header and a body that is not JSON.
    Garbage,
}

/// A TCP proxy between the desks and the hub: faults every `every`-th connection (0: never).
struct Proxy {
    addr: String,
    upstream: Arc<Mutex<String>>,
    faults: Arc<AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: &str, every: usize) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let upstream = Arc::new(Mutex::new(upstream.to_string()));
        let faults = Arc::new(AtomicUsize::new(0));
        let (up, f) = (upstream.clone(), faults.clone());
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                n += 1;
                let fault = if every > 0 && n.is_multiple_of(every) {
                    f.fetch_add(1, Ordering::SeqCst);
                    [Fault::CutAfterCommit, Fault::Truncate, Fault::Garbage][(n / every) % 3]
                } else {
                    Fault::None
                };
                let target = up.lock().unwrap().clone();
                tokio::spawn(relay(client, target, fault));
            }
        });
        Proxy { addr, upstream, faults }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn point_to(&self, upstream: &str) {
        *self.upstream.lock().unwrap() = upstream.to_string();
    }
}

async fn relay(mut client: TcpStream, target: String, fault: Fault) {
    let Ok(mut server) = TcpStream::connect(&target).await else {
        return;
    };
    if fault == Fault::None {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    // One request per connection (the test clients keep no idle connections).
    let mut buf = vec![0u8; 1 << 20];
    let mut request = Vec::new();
    loop {
        let Ok(n) =
            tokio::time::timeout(Duration::from_millis(200), client.read(&mut buf)).await.unwrap_or(Ok(0))
        else {
            return;
        };
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
        if server.write_all(&buf[..n]).await.is_err() {
            return;
        }
        if complete_http_message(&request) {
            break;
        }
    }
    let mut reply = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), server.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                reply.extend_from_slice(&buf[..n]);
                if complete_http_message(&reply) {
                    break;
                }
            }
            _ => break,
        }
    }
    match fault {
        Fault::CutAfterCommit => {}
        Fault::Truncate => {
            let _ = client.write_all(&reply[..reply.len() / 2]).await;
        }
        Fault::Garbage => {
            let body = b"\x00\xffnot json at all{{{";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = client.write_all(head.as_bytes()).await;
            let _ = client.write_all(body).await;
        }
        Fault::None => unreachable!(),
    }
    let _ = client.shutdown().await;
}

/// True once `bytes` holds a whole HTTP/1.1 message with a content-length body.
fn complete_http_message(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    bytes.len() >= end + 4 + len
}

fn client(url: &str, token: &str) -> Client {
    cmedesk_sync::install_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    Client::with_http(url, token, http)
}

fn opts() -> SyncOptions {
    SyncOptions {
        push_batch: 200,
        pull_page: 200,
        max_attempts: 40,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(500),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn offline_work(rng: &mut Rng, desk: &mut DeskSync, d: usize, round: usize) {
    for i in 0..10 {
        let seq = desk.outbox().len() + 1;
        let op_id = format!("{}-{seq}", desk.site_id());
        if rng.below(2) == 0 {
            let field = ["phone", "title", "department_id"][rng.below(3)];
            let values = BTreeMap::from([(field.to_string(), json!(format!("d{d}r{round}i{i}")))]);
            let staff = format!("staff-{}", rng.below(3));
            desk.record_fields(op_id, "staff", &staff, values, now_ms()).unwrap();
        } else {
            let id = format!("swipe-{d}-{seq}");
            desk.record_event(op_id, "swipe", &id, json!({"card_key": format!("c{}", rng.below(9))}))
                .unwrap();
        }
    }
}

/// Settles every desk and checks the invariants against the server.
async fn settle_and_check(url: &str, desks: &mut [(DeskSync, String)]) {
    for _ in 0..2 {
        for (desk, token) in desks.iter_mut() {
            sync_round(&client(url, token), desk, &opts(), now_ms).await.unwrap();
        }
    }
    let (first, token) = &desks[0];
    let status = client(url, token).status().await.unwrap();
    // The whole log, read once more: every op exactly once.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = client(url, token).pull(after, 1000).await.unwrap();
        if page.entries.is_empty() {
            break;
        }
        for e in &page.entries {
            assert_eq!(e.server_seq, after + 1, "log has a gap");
            after = e.server_seq;
            *counts.entry(e.op.op_id.clone()).or_default() += 1;
        }
    }
    assert_eq!(after, status.head);
    assert!(counts.values().all(|n| *n == 1), "an op is logged twice");
    for (desk, _) in desks.iter() {
        assert_eq!(desk.pending().len(), 0);
        assert_eq!(desk.cursor(), status.head);
        assert_eq!(desk.confirmed().canonical_hash(), status.state_hash);
        assert_eq!(desk.view().canonical_hash(), status.state_hash);
        for op in desk.outbox() {
            let logged = counts.get(&op.op_id) == Some(&1);
            let dup_event = matches!(&op.body, OpBody::Event { data }
                if first.confirmed().event(&op.entity, &op.entity_id) == Some(data));
            assert!(logged || dup_event, "op {} is not on the server", op.op_id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_desks_sync_in_random_order_through_a_faulty_network() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let tokens: Vec<String> = (0..3).map(|i| enrol(&db, &format!("site-{i}"))).collect();
    let hub = Hub::start(&db);
    let proxy = Proxy::start(&hub.addr, 3).await;
    let mut desks: Vec<(DeskSync, String)> =
        tokens.iter().enumerate().map(|(i, t)| (DeskSync::new(format!("site-{i}")), t.clone())).collect();
    let mut rng = Rng(0x5eed_1234);
    for round in 0..6 {
        for (d, (desk, _)) in desks.iter_mut().enumerate() {
            offline_work(&mut rng, desk, d, round);
        }
        let mut order = vec![0, 1, 2];
        for i in (1..3).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for d in order {
            let (desk, token) = &mut desks[d];
            sync_round(&client(&proxy.url(), token), desk, &opts(), now_ms).await.unwrap();
        }
    }
    assert!(proxy.faults.load(Ordering::SeqCst) >= 10, "faults were injected");
    // Faults stop: settle straight to the hub.
    settle_and_check(&format!("http://{}", hub.addr), &mut desks).await;
    let conflicts = desks[0].0.confirmed().conflicts().len();
    assert!(conflicts > 0, "three desks editing three staff must conflict");
    drop(hub);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_killed_mid_push_and_restored_from_a_backup_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let token = enrol(&db, "site-a");
    let other_token = enrol(&db, "site-b");
    let hub = Hub::start(&db);
    let proxy = Proxy::start(&hub.addr, 0).await;
    let mut desk = DeskSync::new("site-a");
    for i in 1..=20_000 {
        desk.record_event(format!("a-{i}"), "swipe", &format!("sw-{i}"), json!({"n": i})).unwrap();
    }
    let url = proxy.url();
    let pushing = tokio::spawn({
        let url = url.clone();
        let token = token.clone();
        async move {
            let r = sync_round(&client(&url, &token), &mut desk, &opts(), now_ms).await;
            (desk, r)
        }
    });
    // Kill the server once it is part-way through the push.
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let st = client(&url, &other_token).status().await;
        if st.is_ok_and(|s| s.head > 2_000) || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    hub.kill9();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hub = Hub::start(&db);
    proxy.point_to(&hub.addr);
    let (mut desk, result) = pushing.await.unwrap();
    let report = result.unwrap();
    assert!(report.retries > 0, "the kill must have interrupted the round");
    let status = client(&url, &token).status().await.unwrap();
    assert_eq!(status.acked_through, 20_000);
    let mut desks = vec![(desk.clone(), token.clone())];
    settle_and_check(&url, &mut desks).await;

    // Back up, push more, then lose the server and restore the backup with a new epoch.
    let backup = dir.path().join("backup.db");
    hub.kill9();
    // The process is dead, so its files are a consistent copy (the WAL holds the latest pages).
    for ext in ["", "-wal"] {
        std::fs::copy(format!("{}{ext}", db.display()), format!("{}{ext}", backup.display())).unwrap();
    }
    let hub = Hub::start(&db);
    proxy.point_to(&hub.addr);
    for i in 20_001..=20_500 {
        desk.record_event(format!("a-{i}"), "swipe", &format!("sw-{i}"), json!({"n": i})).unwrap();
    }
    sync_round(&client(&url, &token), &mut desk, &opts(), now_ms).await.unwrap();
    hub.kill9();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    for ext in ["", "-wal"] {
        std::fs::copy(format!("{}{ext}", backup.display()), format!("{}{ext}", db.display())).unwrap();
    }
    hub_cmd(&["new-epoch"], &db);
    let hub = Hub::start(&db);
    proxy.point_to(&hub.addr);
    let before = client(&url, &token).status().await.unwrap();
    assert_eq!((before.acked_through, before.head), (20_000, 20_000));
    assert!(before.epoch > 1, "the restored hub runs a new epoch");
    let mut desks = vec![(desk, token)];
    settle_and_check(&url, &mut desks).await;
    let after = client(&url, &desks[0].1).status().await.unwrap();
    assert_eq!((after.acked_through, after.head), (20_500, 20_500));
    drop(hub);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_stable_codes_and_a_copied_desk_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let token = enrol(&db, "site-a");
    let hub = Hub::start(&db);
    let url = format!("http://{}", hub.addr);
    cmedesk_sync::install_crypto_provider();
    let http = reqwest::Client::new();
    let r = http.get(format!("{url}/v1/status")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "UNAUTHORIZED");
    let r = http
        .post(format!("{url}/v1/push"))
        .bearer_auth(&token)
        .body(vec![b'x'; cmedesk_hub::MAX_BODY_BYTES + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "PAYLOAD_TOO_LARGE");
    let r =
        http.post(format!("{url}/v1/push")).bearer_auth(&token).body("{\"site_id\": 3").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{url}/v1/push"))
        .bearer_auth(&token)
        .json(&json!({"site_id": "site-b", "ops": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "SITE_MISMATCH");
    // The provincial views are for enrolled desks only (they were 501 stubs before issue 8).
    let r = http.get(format!("{url}/v1/approved-projects")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.get(format!("{url}/v1/approved-projects")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // A copied desk database: same identity, diverging history → 422 and quarantine.
    let c = client(&url, &token);
    let mut desk = DeskSync::new("site-a");
    desk.record_event("a1", "swipe", "sw1", json!({"n": 1})).unwrap();
    sync_round(&c, &mut desk, &opts(), now_ms).await.unwrap();
    let mut copy = desk.cloned_database();
    desk.record_event("a2", "swipe", "sw2", json!({"n": 2})).unwrap();
    copy.record_event("a2-copy", "swipe", "sw3", json!({"n": 3})).unwrap();
    sync_round(&c, &mut desk, &opts(), now_ms).await.unwrap();
    let err = sync_round(&c, &mut copy, &opts(), now_ms).await.unwrap_err();
    assert_eq!(err.code(), "SYNC_SITE_QUARANTINED");
    assert!(c.status().await.unwrap().quarantined);
}

/// `cargo test --release -p cmedesk-hub --test loopback -- --ignored --nocapture figures`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release for the figures"]
async fn figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let token = enrol(&db, "site-a");
    let other = enrol(&db, "site-b");
    let hub = Hub::start(&db);
    let url = format!("http://{}", hub.addr);
    // A real desk database first, while the log is small: 10 changes, push and pull.
    let desk_times = common::desk_rounds(&url, |site| enrol(&db, site)).await;
    println!(
        "SQLite, desk database: incremental round with 10 changes (push + pull) median {:.1} ms (min {:.1}, max {:.1})",
        desk_times[3].as_secs_f64() * 1e3,
        desk_times[0].as_secs_f64() * 1e3,
        desk_times[6].as_secs_f64() * 1e3
    );
    let c = Client::new(&url, &token, Duration::from_secs(60)).unwrap();
    let mut desk = DeskSync::new("site-a");
    for i in 1..=100_000 {
        desk.record_event(format!("a-{i}"), "swipe", &format!("sw-{i}"), json!({"card_key": format!("c{}", i % 5000), "terminal": "t1", "at": "2026-11-22T08:00:00+08:00"}))
            .unwrap();
    }
    let big = SyncOptions { push_batch: 2_000, pull_page: 5_000, ..opts() };
    let t = Instant::now();
    while let Some(req) = desk.next_push(big.push_batch) {
        let reply = c.push(&req).await.unwrap();
        desk.on_push_reply(&reply).unwrap();
    }
    let push = t.elapsed();
    let t = Instant::now();
    let mut b = DeskSync::new("site-b");
    let cb = Client::new(&url, &other, Duration::from_secs(60)).unwrap();
    sync_round(&cb, &mut b, &big, now_ms).await.unwrap();
    let pull = t.elapsed();
    sync_round(&c, &mut desk, &big, now_ms).await.unwrap();
    let mut times = Vec::new();
    for round in 0..5 {
        for i in 0..10 {
            let values = BTreeMap::from([("phone".to_string(), json!(format!("r{round}i{i}")))]);
            let op_id = format!("b-{round}-{i}");
            b.record_fields(op_id, "staff", &format!("staff-{i}"), values, now_ms()).unwrap();
        }
        let t = Instant::now();
        let r = sync_round(&cb, &mut b, &big, now_ms).await.unwrap();
        times.push(t.elapsed());
        assert_eq!(r.pushed, 10);
    }
    times.sort();
    // A restart rebuilds the merged data from the log: time until it listens again.
    drop(cb);
    let t = Instant::now();
    drop(hub);
    let hub = Hub::start(&db);
    let restart = t.elapsed();
    println!("hub restart with a 100,010-entry log: {:.2} s", restart.as_secs_f64());
    println!(
        "initial push of 100,000 swipes: {:.2} s; pull of them to a second desk: {:.2} s; incremental round with 10 changes: median {:.1} ms (min {:.1}, max {:.1})",
        push.as_secs_f64(),
        pull.as_secs_f64(),
        times[2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[4].as_secs_f64() * 1e3
    );
    drop(hub);
}

/// Four desks push in small batches at once while a fifth pulls small pages: every page the
/// reader gets must continue its cursor (a server that numbered the log before committing would
/// let a later seq become visible first, and a cursor at "the max seen" would skip the earlier
/// one for good). In the end the reader holds every op exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_writers_never_make_a_reader_skip_a_seq() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let tokens: Vec<String> = (0..5).map(|i| enrol(&db, &format!("site-{i}"))).collect();
    let hub = Hub::start(&db);
    let url = format!("http://{}", hub.addr);
    let small = SyncOptions { push_batch: 7, pull_page: 5, ..opts() };
    let mut writers = Vec::new();
    for (w, token) in tokens.iter().take(4).enumerate() {
        let (url, token, small) = (url.clone(), token.clone(), small.clone());
        writers.push(tokio::spawn(async move {
            let mut desk = DeskSync::new(format!("site-{w}"));
            let c = client(&url, &token);
            for i in 1..=300 {
                let op_id = format!("w{w}-{i}");
                if i % 3 == 0 {
                    let v = BTreeMap::from([("phone".to_string(), json!(format!("{w}-{i}")))]);
                    desk.record_fields(op_id, "staff", "staff-shared", v, now_ms()).unwrap();
                } else {
                    desk.record_event(op_id, "swipe", &format!("sw-{w}-{i}"), json!({"i": i})).unwrap();
                }
                if i % 20 == 0 {
                    sync_round(&c, &mut desk, &small, now_ms).await.unwrap();
                }
            }
            desk
        }));
    }
    let reader = client(&url, &tokens[4]);
    let mut r = DeskSync::new("site-4");
    let mut pages = 0;
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let page = reader.pull(r.cursor(), 5).await.unwrap();
        for (i, e) in page.entries.iter().enumerate() {
            assert_eq!(e.server_seq, r.cursor() + 1 + i as i64, "a page skipped a seq");
        }
        let out = r.on_pull_reply(&page, now_ms()).unwrap();
        pages += 1;
        if done && out.applied.is_empty() && r.cursor() == page.head {
            break;
        }
    }
    let mut desks = Vec::new();
    for w in writers {
        desks.push(w.await.unwrap());
    }
    assert!(pages > 50, "the reader pulled while the writers pushed");
    for (w, desk) in desks.iter_mut().enumerate() {
        sync_round(&client(&url, &tokens[w]), desk, &small, now_ms).await.unwrap();
    }
    let page = reader.pull(r.cursor(), 5).await.unwrap();
    r.on_pull_reply(&page, now_ms()).unwrap();
    let status = reader.status().await.unwrap();
    assert_eq!(status.head, 1_200);
    assert_eq!(r.cursor(), 1_200);
    assert_eq!(r.confirmed().canonical_hash(), status.state_hash);
    for desk in &desks {
        assert_eq!(desk.confirmed().canonical_hash(), status.state_hash);
    }
    drop(hub);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_over_http_needs_the_admin_token_and_happens_once() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start_with_admin(&dir.path().join("hub.db"), Some("admin-secret"));
    let url = format!("http://{}", hub.addr);
    cmedesk_sync::install_crypto_provider();
    let http = reqwest::Client::new();
    let enrol = |token: &'static str| {
        http.post(format!("{url}/v1/enrol"))
            .bearer_auth(token)
            .json(&json!({"site_id": "site-x", "name": "一号台"}))
            .send()
    };
    let r = enrol("wrong").await.unwrap();
    assert_eq!(r.status(), 401);
    let r = enrol("admin-secret").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    let st = client(&url, token).status().await.unwrap();
    assert_eq!((st.epoch, st.head, st.acked_through), (1, 0, 0));
    let r = enrol("admin-secret").await.unwrap();
    assert_eq!(r.status(), 409);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SITE_ALREADY_ENROLLED");
}
