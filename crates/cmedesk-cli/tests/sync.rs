//! `cmedesk hub` and `cmedesk sync` as scripts use them: enrol a desk on a hub database, serve
//! it on loopback as a real process and ask it for the desk's status with the printed token;
//! the desk's sync status counts the outbox of a real desk database.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Command, Stdio},
};

use serde_json::Value;

fn cmedesk(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk"));
    c.env("CMEDESK_DB", db)
        .env("CMEDESK_PASSWORD", "secret123")
        .env("CMEDESK_NOW", "2026-11-22T10:00:00+08:00")
        .env_remove("CMEDESK_OPERATOR")
        .env_remove("CMEDESK_HUB_ADMIN_TOKEN");
    c
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let out = cmedesk(db).arg("--json").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn http_get(addr: &str, path: &str, token: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = &reply[reply.find("\r\n\r\n").unwrap() + 4..];
    (status, serde_json::from_str(body).unwrap())
}

#[test]
fn sync_status_counts_the_outbox_and_a_served_hub_knows_the_enrolled_desk() {
    let dir = tempfile::tempdir().unwrap();
    let desk_db = dir.path().join("desk.db");
    ok(&desk_db, &["init"]);
    let status = ok(&desk_db, &["sync", "status"]);
    let site = status["site_id"].as_str().unwrap().to_string();
    assert!(status["pending"].as_i64().unwrap() >= 1, "init records the admin user: {status}");
    assert_eq!(status["pending"], status["last_site_seq"]);

    let hub_db = dir.path().join("hub.db");
    let enrolled = ok(&hub_db, &["hub", "enrol", "--site", &site, "--name", "一号台"]);
    let token = enrolled["token"].as_str().unwrap().to_string();
    let again = cmedesk(&hub_db).args(["--json", "hub", "enrol", "--site", &site]).output().unwrap();
    assert_eq!(again.status.code(), Some(1), "a site is enrolled once");

    let mut hub = cmedesk(&hub_db)
        .args(["hub", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hub.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap().to_string();
    let (code, body) = http_get(&addr, "/v1/status", &token);
    assert_eq!(code, 200, "{body}");
    assert_eq!((body["acked_through"].as_i64(), body["head"].as_i64()), (Some(0), Some(0)));
    let (code, body) = http_get(&addr, "/v1/status", "not-a-token");
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")));
    hub.kill().unwrap();
    hub.wait().unwrap();

    let epoch = ok(&hub_db, &["hub", "new-epoch"]);
    assert!(epoch["epoch"].as_u64().unwrap() > enrolled["epoch"].as_u64().unwrap());
}

/// `cmedesk sync push` killed with SIGKILL mid-push, then run again: the server ends with every
/// outbox row of the desk exactly once, and the desk knows all of them are acknowledged.
#[test]
fn a_desk_killed_mid_push_resumes_and_nothing_is_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let desk_db = dir.path().join("desk.db");
    ok(&desk_db, &["demo", "--staff", "1500"]);
    let status = ok(&desk_db, &["sync", "status"]);
    let site = status["site_id"].as_str().unwrap().to_string();
    let last = status["last_site_seq"].as_i64().unwrap();
    assert!(last > 1_500, "{status}");

    let hub_db = dir.path().join("hub.db");
    let token = ok(&hub_db, &["hub", "enrol", "--site", &site])["token"].as_str().unwrap().to_string();
    let mut hub = cmedesk(&hub_db)
        .args(["hub", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hub.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap().to_string();
    let url = format!("http://{addr}");

    let mut pusher = cmedesk(&desk_db)
        .args(["sync", "push", "--server", &url, "--token", &token, "--batch", "20"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let (_, st) = http_get(&addr, "/v1/status", &token);
        if st["acked_through"].as_i64().unwrap_or(0) >= 200 {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "the push never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    pusher.kill().unwrap(); // SIGKILL
    pusher.wait().unwrap();
    let (_, mid) = http_get(&addr, "/v1/status", &token);
    let acked_mid = mid["acked_through"].as_i64().unwrap();
    assert!(acked_mid < last, "killed before the end ({acked_mid} of {last})");

    let report = ok(&desk_db, &["sync", "push", "--server", &url, "--token", &token]);
    assert_eq!(report["acked_through"].as_i64(), Some(last), "{report}");
    let (_, end) = http_get(&addr, "/v1/status", &token);
    assert_eq!(end["acked_through"].as_i64(), Some(last));
    assert_eq!(end["head"].as_i64(), Some(last), "every op logged once");
    let mut seen = std::collections::BTreeSet::new();
    let mut after = 0;
    while after < last {
        let (_, page) = http_get(&addr, &format!("/v1/pull?after={after}&limit=5000"), &token);
        for e in page["entries"].as_array().unwrap() {
            assert_eq!(e["server_seq"].as_i64(), Some(after + 1));
            after += 1;
            assert!(seen.insert(e["op"]["op_id"].as_str().unwrap().to_string()), "an op is logged twice");
        }
    }
    let desk_status = ok(&desk_db, &["sync", "status"]);
    assert_eq!(desk_status["pending"].as_i64(), Some(0), "{desk_status}");
    assert_eq!(desk_status["acked_through"].as_i64(), Some(last));
    hub.kill().unwrap();
    hub.wait().unwrap();
}
