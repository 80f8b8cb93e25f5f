//! The exchange API's provincial paths on both stores (SQLite, and a PostgreSQL cluster of the
//! test's own when its binaries are installed), served by the real `cmedesk-hub` process:
//! - `GET /v1/approved-projects`, `/v1/review-decisions`, `/v1/remote-credits` show the merged
//!   data with the province's facts (logged by `cmedesk-hub admin …` processes);
//! - `POST /v1/submissions` is keyed by the event id (a retry stores nothing new, other content
//!   under the same id is `SUBMISSION_MISMATCH`), with ONE submitter per space (a second desk gets
//!   403 `NOT_THE_SUBMITTER`); `GET /v1/submissions/{id}` answers the desk that asks before
//!   retrying; `cmedesk-hub admin submissions` lists them.

mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
};

use cmedesk_core::sync::{DeskSync, PushReply};
use cmedesk_hub::HubStore;
use common::PgCluster;
use serde_json::{Value, json};

const ID: &str = "440524188001010014";

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hub(storage: &[&str], args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk-hub"));
    c.args(args).args(storage);
    c
}

fn admin(storage: &[&str], args: &[&str]) -> (bool, String) {
    let out = hub(storage, &[&["admin"][..], args].concat()).output().unwrap();
    let text = if out.status.success() { out.stdout } else { out.stderr };
    (out.status.success(), String::from_utf8_lossy(&text).into_owned())
}

fn http(addr: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let text = &reply[reply.find("\r\n\r\n").unwrap() + 4..];
    (status, serde_json::from_str(text).unwrap_or(Value::Null))
}

/// The whole scenario against one store; `open` opens it in this process.
fn scenario(storage: &[&str], open: impl Fn() -> HubStore) {
    let now =
        || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (token_a, token_b);
    {
        let mut store = open();
        token_a = store.enrol("site-a", "一号台", "t").unwrap();
        token_b = store.enrol("site-b", "二号台", "t").unwrap();
        // Desk A's person and submitted project, as its pushes bring them.
        let mut a = DeskSync::new("site-a");
        let staff = [("id".to_string(), json!("s1")), ("id_number".to_string(), json!(ID))].into();
        a.record_fields("a-1", "staff", "s1", staff, now()).unwrap();
        let project =
            [("code".to_string(), json!("2026-04-08-186(国)")), ("state".to_string(), json!("submitted"))]
                .into();
        a.record_fields("a-2", "project", "p1", project, now()).unwrap();
        let req = a.next_push(10).unwrap();
        assert!(matches!(store.push(&req).unwrap(), PushReply::Accepted { acked_through: 2, .. }));
    }
    let mut child =
        hub(storage, &["serve", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _served = Served(child);
    let addr = line.trim().strip_prefix("listening on ").unwrap().to_string();

    // The province's facts, logged by admin processes while the hub serves.
    let (done, out) = admin(
        storage,
        &[
            "approve-project",
            "--code",
            "2026-09-01-001(省)",
            "--year",
            "2026",
            "--name",
            "社区护理",
            "--credits",
            "5",
            "--hours",
            "30",
        ],
    );
    assert!(done, "{out}");
    let (done, out) =
        admin(storage, &["review-decision", "--project", "2026-04-08-186(国)", "--decision", "rejected"]);
    assert!(!done && out.contains("退回原因"), "a rejection needs a reason: {out}");
    let (done, out) = admin(
        storage,
        &[
            "review-decision",
            "--project",
            "2026-04-08-186(国)",
            "--decision",
            "rejected",
            "--reason",
            "材料不全",
        ],
    );
    assert!(done, "{out}");
    let (done, out) = admin(
        storage,
        &[
            "remote-credit",
            "--staff",
            ID,
            "--project",
            "2026-05-01-009(国)",
            "--credits",
            "2",
            "--hours",
            "6",
            "--platform",
            "华西云课堂",
            "--date",
            "2026-05-01",
        ],
    );
    assert!(done, "{out}");

    let (code, v) = http(&addr, "GET", "/v1/approved-projects", &token_b, None);
    assert_eq!(code, 200, "{v}");
    let list = v["approved_projects"].as_array().unwrap();
    assert_eq!(
        (list.len(), &list[0]["code"], &list[0]["credit_level"]),
        (1, &json!("2026-09-01-001(省)"), &json!("provincial"))
    );
    let (_, v) = http(&addr, "GET", "/v1/review-decisions", &token_b, None);
    assert_eq!(
        (
            &v["review_decisions"][0]["project_id"],
            &v["review_decisions"][0]["decision"],
            &v["review_decisions"][0]["reason"]
        ),
        (&json!("p1"), &json!("rejected"), &json!("材料不全")),
        "{v}"
    );
    let (_, v) = http(&addr, "GET", "/v1/remote-credits", &token_a, None);
    let credits = v["remote_credits"].as_array().unwrap();
    assert_eq!(
        (credits.len(), &credits[0]["staff_id"], &credits[0]["source"]),
        (1, &json!("s1"), &json!("remote"))
    );
    let (code, v) = http(&addr, "GET", "/v1/remote-credits", "not-a-token", None);
    assert_eq!((code, v["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")));

    // Submissions: one submitter per space, keyed by the event id.
    let sub = json!({"event_id": "0194-ev-1", "kind": "credits", "payload": {"credit_ids": ["c1", "c2"]}});
    let (code, first) = http(&addr, "POST", "/v1/submissions", &token_a, Some(&sub));
    assert_eq!((code, first["duplicate"].as_bool()), (201, Some(false)), "{first}");
    let (code, v) = http(&addr, "GET", "/v1/submissions/0194-ev-1", &token_a, None);
    assert_eq!((code, &v["payload_sha256"]), (200, &first["payload_sha256"]), "asked before retrying");
    let (code, again) = http(&addr, "POST", "/v1/submissions", &token_a, Some(&sub));
    assert_eq!(
        (code, again["duplicate"].as_bool(), &again["received_at_ms"]),
        (200, Some(true), &first["received_at_ms"])
    );
    let other = json!({"event_id": "0194-ev-1", "kind": "credits", "payload": {"credit_ids": ["c3"]}});
    let (code, v) = http(&addr, "POST", "/v1/submissions", &token_a, Some(&other));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("SUBMISSION_MISMATCH")));
    let from_b = json!({"event_id": "0194-ev-2", "kind": "attendance", "payload": {}});
    let (code, v) = http(&addr, "POST", "/v1/submissions", &token_b, Some(&from_b));
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("NOT_THE_SUBMITTER")), "{v}");
    let bad = json!({"event_id": "0194-ev-3", "kind": "gossip", "payload": {}});
    assert_eq!(http(&addr, "POST", "/v1/submissions", &token_a, Some(&bad)).0, 400);
    let (code, v) = http(&addr, "GET", "/v1/submissions/0194-ev-9", &token_a, None);
    assert_eq!((code, v["error"]["code"].as_str()), (404, Some("SUBMISSION_NOT_FOUND")));
    let (done, out) = admin(storage, &["submissions"]);
    assert!(done, "{out}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!((&listed[0]["event_id"], &listed[0]["site_id"]), (&json!("0194-ev-1"), &json!("site-a")));
    // The province's site is listed, with no usable token, and not waited for by retention.
    let (_, desks) = admin(storage, &["desks"]);
    let desks: Value = serde_json::from_str(&desks).unwrap();
    let province = desks.as_array().unwrap().iter().find(|d| d["site_id"] == "province").unwrap();
    assert!(province["revoked_at"].is_string(), "{province}");
}

#[test]
fn provincial_paths_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let path = db.to_str().unwrap().to_string();
    scenario(&["--db", &path], || HubStore::open(&db).unwrap());
}

#[test]
fn provincial_paths_on_postgres() {
    let Some(pg) = PgCluster::start(&[]) else { return };
    let url = pg.url("postgres");
    scenario(&["--postgres", &url], || HubStore::open_postgres(&url).unwrap());
}

/// Provincial posts from several admin processes at once: each gets the next `site_seq` (never
/// two with one number, which would quarantine the province as a copied desk).
fn concurrent_posts(storage: &[&str], open: impl Fn() -> HubStore) {
    let storage: Vec<String> = storage.iter().map(|s| s.to_string()).collect();
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let storage = storage.clone();
            std::thread::spawn(move || {
                let storage: Vec<&str> = storage.iter().map(String::as_str).collect();
                for i in 0..5 {
                    let code = format!("2026-10-0{w}-00{i}(省)");
                    let (done, out) = admin(
                        &storage,
                        &[
                            "approve-project",
                            "--code",
                            &code,
                            "--year",
                            "2026",
                            "--name",
                            "并发",
                            "--credits",
                            "1",
                            "--hours",
                            "6",
                        ],
                    );
                    assert!(done, "{code}: {out}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut store = open();
    let province = store.desks().unwrap().into_iter().find(|d| d.site_id == "province").unwrap();
    assert_eq!((province.acked_through, province.quarantined_at_site_seq), (15, None));
    assert_eq!(store.head().unwrap(), 15);
    assert_eq!(cmedesk_hub::province::approved_projects(store.replica().unwrap()).len(), 15);
}

#[test]
fn concurrent_provincial_posts_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let path = db.to_str().unwrap().to_string();
    concurrent_posts(&["--db", &path], || HubStore::open(&db).unwrap());
    if let Some(pg) = PgCluster::start(&[]) {
        let url = pg.url("postgres");
        concurrent_posts(&["--postgres", &url], || HubStore::open_postgres(&url).unwrap());
    }
}
