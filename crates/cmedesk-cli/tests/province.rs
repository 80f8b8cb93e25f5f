//! The provincial side played by the hub (issue 8), with real processes: a hub served by
//! `cmedesk hub serve`, the province's facts logged by `cmedesk hub admin …` while it serves, and
//! a desk database that receives them with `cmedesk sync`:
//! - an approved project reaches the desk's approved list and a hosted project is created from it;
//! - a review decision needs a project the space shows as submitted (a draft is refused with
//!   `INVALID_TRANSITION`, a rejection needs a reason), and the decision reaches the desk's state;
//! - a remote credit arrives read-only (source remote, approved), posting it again logs nothing;
//! - the desk's data hash equals the hub's after each sync.

mod common;

use std::path::Path;

use common::{err, hub::ServedHub, ok};
use serde_json::Value;

const CODE: &str = "2026-04-08-186(国)";
const REMOTE: &str = "2026-05-01-009(国)";
const ID: &str = "440524188001010014";

fn serve(hub_db: &Path) -> (ServedHub, String) {
    let hub = ServedHub::start(hub_db);
    let url = hub.url();
    (hub, url)
}

fn sync(desk: &Path) -> Value {
    ok(desk, &["sync"])
}

/// The hub's data hash, read over HTTP with the desk's token (the serving process's view).
fn hub_hash(url: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET /v1/status HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let body: Value = serde_json::from_str(&reply[reply.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    body["state_hash"].as_str().unwrap().to_string()
}

/// Fills what submission needs (seed-004 fields, a course, a holding period).
fn ready_to_submit(desk: &Path, code: &str) {
    ok(
        desk,
        &[
            "project",
            "update",
            code,
            "--delivery",
            "继续医学教育项目",
            "--discipline2",
            "临床内科学",
            "--discipline3",
            "心血管病学",
            "--lead",
            "张主任",
            "--handler",
            "李四",
            "--handler-phone",
            "13900000000",
            "--fee",
            "0",
        ],
    );
    ok(
        desk,
        &[
            "project",
            "course",
            "add",
            code,
            "--title",
            "心梗救治",
            "--hours",
            "6",
            "--speaker-name",
            "外院专家",
        ],
    );
    ok(desk, &["project", "period", "add", code, "--from", "2026-12-10", "--to", "2026-12-11"]);
}

#[test]
fn the_provinces_facts_reach_a_desk_through_the_normal_pull() {
    let dir = tempfile::tempdir().unwrap();
    let desk = dir.path().join("desk.db");
    let hub_db = dir.path().join("hub.db");
    ok(&desk, &["init"]);
    ok(&desk, &["dept", "add", "内科"]);
    ok(&desk, &["staff", "add", "--name", "王芳", "--id-number", ID, "--department", "内科"]);
    let site = ok(&desk, &["sync", "status"])["site_id"].as_str().unwrap().to_string();
    let token = ok(&hub_db, &["hub", "enrol", "--site", &site])["token"].as_str().unwrap().to_string();
    let (_hub, url) = serve(&hub_db);
    ok(&desk, &["sync", "--server", &url, "--token", &token]);

    // 1. An approved project, logged by another process while the hub serves.
    let admin = |args: &[&str]| ok(&hub_db, &[&["hub", "admin"][..], args].concat());
    // The same entry twice, its code written once with full-width brackets: one entry.
    let approve = |code: &str| {
        admin(&[
            "approve-project",
            "--code",
            code,
            "--year",
            "2026",
            "--name",
            "心血管急症新进展",
            "--credits",
            "10",
            "--hours",
            "30",
            "--organizer",
            "省人民医院",
        ])
    };
    let posted = approve("2026-04-08-186（国）");
    assert_eq!(posted["entity"], "approved_project");
    assert!(posted["server_seq"].as_i64().unwrap() > 1, "{posted}");
    let again = approve(CODE);
    assert_eq!((again["unchanged"].as_bool(), &again["entity_id"]), (Some(true), &posted["entity_id"]));
    let (code, _) = err(
        &hub_db,
        &[
            "hub",
            "admin",
            "approve-project",
            "--code",
            "abc",
            "--year",
            "2026",
            "--name",
            "x",
            "--credits",
            "1",
            "--hours",
            "3",
        ],
    );
    assert_eq!(code, "PROJECT_CODE_FORMAT");

    let report = sync(&desk);
    assert_eq!((report["pulled"].as_i64(), report["conflicts"].as_i64()), (Some(1), Some(0)), "{report}");
    let list = ok(&desk, &["approved", "list", "--available"]);
    let entry = list["approved_projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == CODE)
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(
        (&entry["source"], &entry["organizer"], &entry["credits"]),
        (&"sync".into(), &"省人民医院".into(), &10.0.into())
    );
    assert_eq!(entry["id"], posted["entity_id"]);
    let project = ok(&desk, &["project", "create", "--approved", CODE, "--venue", "学术报告厅"]);
    assert_eq!(project["state"], "draft");

    // 2. A decision on a draft is refused by the province's own check of the state machine.
    sync(&desk);
    let (code, v) =
        err(&hub_db, &["hub", "admin", "review-decision", "--project", CODE, "--decision", "approved"]);
    assert_eq!(code, "INVALID_TRANSITION", "{v}");
    ready_to_submit(&desk, CODE);
    ok(&desk, &["project", "submit", CODE]);
    sync(&desk);
    let (code, _) =
        err(&hub_db, &["hub", "admin", "review-decision", "--project", CODE, "--decision", "rejected"]);
    assert_eq!(code, "REQUIRED", "a rejection needs a reason");
    let decided = admin(&["review-decision", "--project", CODE, "--decision", "approved"]);
    assert_eq!(decided["entity_id"], project["id"]);
    assert_eq!(ok(&desk, &["project", "show", CODE])["project"]["state"], "submitted", "not before the pull");
    sync(&desk);
    let shown = ok(&desk, &["project", "show", CODE]);
    assert_eq!(shown["project"]["state"], "approved", "{shown}");
    assert_eq!(shown["actions"], serde_json::json!(["mark_held"]), "{shown}");
    assert_eq!(ok(&desk, &["sync", "conflicts"]).as_array().unwrap().len(), 0);
    // The desk goes on from the province's decision with its own state machine.
    let (code, _) = err(&desk, &["project", "approve", CODE]);
    assert_eq!(code, "INVALID_TRANSITION", "approved once");

    // A decision the desk also recorded itself meanwhile (an officer typed what a phone call
    // said): both reach every copy, the later clock wins and the other is in the conflict log.
    const CODE2: &str = "2026-04-08-187(国)";
    admin(&[
        "approve-project",
        "--code",
        CODE2,
        "--year",
        "2026",
        "--name",
        "卒中急救",
        "--credits",
        "5",
        "--hours",
        "15",
    ]);
    sync(&desk);
    ok(&desk, &["project", "create", "--approved", CODE2, "--venue", "学术报告厅"]);
    ready_to_submit(&desk, CODE2);
    ok(&desk, &["project", "submit", CODE2]);
    sync(&desk);
    admin(&["review-decision", "--project", CODE2, "--decision", "rejected", "--reason", "课程安排不完整"]);
    ok(&desk, &["project", "approve", CODE2]);
    let report = sync(&desk);
    assert!(report["conflicts"].as_i64().unwrap() >= 1, "{report}");
    let conflicts = ok(&desk, &["sync", "conflicts"]);
    let c = conflicts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "state")
        .unwrap_or_else(|| panic!("{conflicts}"));
    let pair = [c["winner"].as_str().unwrap(), c["loser"].as_str().unwrap()];
    assert!(pair.contains(&"approved") && pair.contains(&"rejected"), "{c}");
    let state = ok(&desk, &["project", "show", CODE2])["project"]["state"].clone();
    assert_eq!(state.as_str(), Some(pair[0]), "the desk shows the winner");
    assert_eq!(
        ok(&desk, &["sync", "status"])["state_hash"].as_str().unwrap(),
        hub_hash(&url, &token),
        "desk and hub agree after the conflict"
    );
    let resolved = c["id"].as_i64().unwrap().to_string();
    ok(&desk, &["sync", "resolve", &resolved]);

    // 3. A remote credit for the person known by ID number: read-only, posted once.
    let (code, _) = err(
        &hub_db,
        &[
            "hub",
            "admin",
            "remote-credit",
            "--staff",
            "110105194912310038",
            "--project",
            REMOTE,
            "--credits",
            "2",
            "--hours",
            "6",
            "--platform",
            "华西云课堂",
        ],
    );
    assert_eq!(code, "NOT_FOUND", "a person the space does not know");
    let credit_args = [
        "remote-credit",
        "--staff",
        ID,
        "--project",
        REMOTE,
        "--credits",
        "2",
        "--hours",
        "6",
        "--platform",
        "华西云课堂",
        "--date",
        "2026-05-01",
        "--name",
        "基层心电图判读",
    ];
    let credit = admin(&credit_args);
    assert!(credit["server_seq"].as_i64().is_some(), "{credit}");
    assert_eq!(admin(&credit_args)["unchanged"], true, "posted twice, logged once");
    sync(&desk);
    let credits = ok(&desk, &["credits", "list", "--staff", ID, "--year", "2026"]);
    let rows = credits["credits"].as_array().unwrap();
    let remote = rows.iter().find(|c| c["id"] == credit["entity_id"]).unwrap_or_else(|| panic!("{credits}"));
    assert_eq!(
        (&remote["source"], &remote["review_status"], &remote["platform"]),
        (&"remote".into(), &"approved".into(), &"华西云课堂".into()),
        "{remote}"
    );
    assert_eq!((&remote["credits"], &remote["project_code"]), (&2.0.into(), &REMOTE.into()), "{remote}");
    let (code, _) = err(&desk, &["credits", "submit", remote["id"].as_str().unwrap()]);
    assert_eq!(code, "NOT_FOUND", "a remote credit is no manual credit a desk could submit or edit");

    let status = ok(&desk, &["sync", "status"]);
    assert_eq!(
        (status["pending"].as_i64(), status["open_conflicts"].as_i64()),
        (Some(0), Some(0)),
        "{status}"
    );
    assert_eq!(
        status["state_hash"].as_str().unwrap(),
        hub_hash(&url, &token),
        "the desk holds the hub's data"
    );
}
