//! `cmedesk review` end to end on a real database file (annual review, domain.md W7): the
//! deadline (10 September by default), per-record and per-person initial review refused after
//! it, marking for the health bureau, the lock on the marked year, the bureau's result, status.

mod common;

use std::{path::Path, process::Command};

use common::{cmedesk, err_with, ok_with};
use serde_json::Value;

/// The binary at 10:00 on `day` (the review deadline is a date).
fn on(db: &Path, day: &str) -> Command {
    let mut c = cmedesk(db);
    c.env("CMEDESK_NOW", format!("{day}T10:00:00+08:00"));
    c
}

fn ok(db: &Path, day: &str, args: &[&str]) -> Value {
    ok_with(on(db, day), args)
}

fn err(db: &Path, day: &str, args: &[&str]) -> String {
    err_with(on(db, day), args).0
}

fn submit_paper(db: &Path, evidence: &Path, who: &str) -> String {
    let m = ok(
        db,
        "2026-05-01",
        &[
            "credits",
            "add",
            "--staff",
            who,
            "--category",
            "paper",
            "--name",
            "基层慢病管理研究",
            "--quantity",
            "1",
            "--date",
            "2026-04-01",
            "--issuer",
            "中华医学杂志",
            "--evidence",
            evidence.to_str().expect("utf-8 path"),
            "--submit",
        ],
    );
    m["credit"]["id"].as_str().expect("credit id").to_string()
}

#[test]
fn w7_annual_review_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("desk.db");
    ok(&db, "2026-04-01", &["demo", "--staff", "40"]);
    let staff = ok(&db, "2026-04-01", &["staff", "list"]);
    let people: Vec<String> = staff["staff"]
        .as_array()
        .expect("staff array")
        .iter()
        .filter(|s| s["status"] == "active")
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect();
    let (a, b) = (people[0].as_str(), people[1].as_str());
    let evidence = dir.path().join("封面.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 synthetic").expect("write evidence");
    let a1 = submit_paper(&db, &evidence, a);
    submit_paper(&db, &evidence, b);

    let cal = ok(&db, "2026-09-01", &["review", "deadline", "--year", "2026"]);
    assert_eq!(
        (cal["initial_review_by"].as_str(), cal["configured"].as_bool()),
        (Some("2026-09-10"), Some(false))
    );

    // Per record before the deadline; per person refused the day after it.
    let r = ok(&db, "2026-09-10", &["review", "record", &a1, "--decision", "approve", "--skip-department"]);
    assert_eq!(r["credit"]["review_status"], "approved");
    let late = "2026-09-11";
    assert_eq!(
        err(
            &db,
            late,
            &["review", "person", b, "--year", "2026", "--decision", "approve", "--skip-department"]
        ),
        "ANNUAL_REVIEW_CLOSED"
    );

    // Mark everybody ready: B still waits for the initial review and is listed, not marked.
    let m = ok(&db, late, &["review", "mark", "--year", "2026"]);
    let skipped = m["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        (skipped[0]["staff_id"].as_str(), skipped[0]["code"].as_str()),
        (Some(b), Some("ANNUAL_REVIEW_PENDING"))
    );
    let marked_a =
        m["marked"].as_array().expect("marked").iter().find(|r| r["staff_id"] == a).expect("A").clone();
    assert_eq!(
        (marked_a["compliance"].as_str(), marked_a["credits"].as_f64()),
        (Some("non_compliant"), Some(2.0))
    );

    // A's year is locked.
    assert_eq!(err(&db, late, &["credits", "revoke", &a1, "--reason", "录入错误"]), "ANNUAL_REVIEW_LOCKED");
    assert_eq!(
        err(&db, late, &["credits", "exempt", a, "--year", "2026", "--reason", "援外"]),
        "ANNUAL_REVIEW_LOCKED"
    );

    // The bureau's result, once.
    assert_eq!(err(&db, late, &["review", "bureau", a, "--year", "2026", "--result", "failed"]), "REQUIRED");
    let r =
        ok(&db, late, &["review", "bureau", a, "--year", "2026", "--result", "不合格", "--note", "学分不足"]);
    assert_eq!(r["bureau_result"], "failed");
    assert_eq!(
        err(&db, late, &["review", "bureau", a, "--year", "2026", "--result", "passed"]),
        "ANNUAL_REVIEW_FINAL"
    );

    let st = ok(&db, late, &["review", "status", "--year", "2026"]);
    assert_eq!((st["initial_review_open"].as_bool(), st["awaiting_review"].as_u64()), (Some(false), Some(1)));
    assert_eq!(st["bureau_recorded"], 1);
    let audit = ok(&db, late, &["audit-log", "--verify"]);
    assert_eq!(audit["intact"], true, "{audit}");
}
