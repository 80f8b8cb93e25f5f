//! Issue 9, personal data: 身份证号 masked (`1101**********002X`) in every list, detail, audit
//! entry, export and error the `cmedesk` binary prints; shown in full only with `--show-full-id`
//! to a role holding `ViewFullIdNumbers`, and each such view written to the audit log.

use std::{path::Path, process::Command};

use calamine::{Reader, open_workbook_auto};
use serde_json::Value;

const PASSWORD: &str = "secret123";
const ID: &str = "11010519491231002X";
const MASKED: &str = "1101**********002X";

fn cmedesk(db: &Path, operator: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk"));
    c.env("CMEDESK_DB", db)
        .env("CMEDESK_PASSWORD", PASSWORD)
        .env("CMEDESK_OPERATOR", operator)
        .env("CMEDESK_NOW", "2026-11-22T10:00:00+08:00")
        .env("RUST_BACKTRACE", "0");
    c
}

/// (exit code, stdout + stderr) of a run.
fn run(db: &Path, operator: &str, args: &[&str]) -> (i32, String) {
    let out = cmedesk(db, operator).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn ok(db: &Path, operator: &str, args: &[&str]) -> String {
    let (code, text) = run(db, operator, args);
    assert_eq!(code, 0, "{args:?}: {text}");
    text
}

fn audit_views(db: &Path) -> Vec<Value> {
    let out = ok(db, "admin", &["--json", "audit-log", "--entity", "id_number_view"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["entries"].as_array().unwrap().clone()
}

fn desk(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("desk.db");
    ok(&db, "admin", &["init"]);
    ok(&db, "admin", &["dept", "add", "内科"]);
    ok(
        &db,
        "admin",
        &[
            "staff",
            "add",
            "--name",
            "王芳",
            "--id-number",
            ID,
            "--department",
            "内科",
            "--card",
            "0012345678",
        ],
    );
    for (user, role) in [("officer1", "officer"), ("viewer1", "viewer")] {
        ok(&db, "admin", &["user", "add", user, "--role", role, "--new-password", PASSWORD]);
    }
    db
}

#[test]
fn lists_details_audit_and_errors_are_masked_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = desk(dir.path());
    for args in [
        &["staff", "list"][..],
        &["staff", "find", "王"],
        &["staff", "show", ID],
        &["audit-log"],
        &["card", "lookup", &format!("rid:{ID}")],
    ] {
        for json in [false, true] {
            let mut a = args.to_vec();
            if json {
                a.insert(0, "--json");
            }
            let (code, out) = run(&db, "viewer1", &a);
            assert_eq!(code, 0, "{a:?}: {out}");
            assert!(
                !out.contains(ID) && !out.to_uppercase().contains(ID),
                "{a:?} leaks the ID number: {out}"
            );
            // The audit table shows no before/after in text; its JSON does.
            let shows_person = json || args[0] != "audit-log";
            assert!(out.contains(MASKED) || !shows_person, "{a:?} shows no masked number: {out}");
        }
    }
    // An error echoing the number (a duplicate) is masked too, in both forms.
    for json in [false, true] {
        let mut a = vec!["staff", "add", "--name", "王芳二", "--id-number", ID, "--department", "内科"];
        if json {
            a.insert(0, "--json");
        }
        let (code, out) = run(&db, "admin", &a);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("DUPLICATE") && !out.contains(ID), "{out}");
    }
    assert!(audit_views(&db).is_empty(), "nothing was shown in full");
}

#[test]
fn full_view_only_for_allowed_roles_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = desk(dir.path());
    // A viewer is refused, sees nothing, and nothing is written.
    let (code, out) = run(&db, "viewer1", &["--json", "--show-full-id", "staff", "list"]);
    assert_eq!(code, 1);
    assert!(out.contains("FORBIDDEN") && !out.contains(ID) && !out.contains("王芳"), "{out}");
    assert!(audit_views(&db).is_empty());
    // An officer sees the full number; the view is in the audit log with who and which command.
    let out = ok(&db, "officer1", &["--json", "--show-full-id", "staff", "list"]);
    assert!(out.contains(ID), "{out}");
    let views = audit_views(&db);
    assert_eq!(views.len(), 1, "{views:?}");
    let view = views[0].to_string();
    assert!(view.contains("officer1") && view.contains("cmedesk staff list"), "{view}");
    assert!(!view.contains(PASSWORD), "the audit row never holds arguments");
    ok(&db, "admin", &["--show-full-id", "staff", "show", ID]);
    assert_eq!(audit_views(&db).len(), 2);
    assert!(ok(&db, "admin", &["audit-log", "--verify"]).contains("校验通过"));
}

fn sheet_text(path: &Path) -> String {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("\t")
}

#[test]
fn exports_are_masked_unless_a_full_view_is_granted() {
    let dir = tempfile::tempdir().unwrap();
    let db = desk(dir.path());
    let masked = dir.path().join("masked.xlsx");
    ok(&db, "officer1", &["export", "staff-roster", "--out", masked.to_str().unwrap()]);
    let text = sheet_text(&masked);
    assert!(text.contains(MASKED) && !text.contains(ID), "{text}");
    let full = dir.path().join("full.xlsx");
    let (code, _) =
        run(&db, "viewer1", &["--show-full-id", "export", "staff-roster", "--out", full.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(!full.exists(), "a refused full view writes no file");
    ok(&db, "officer1", &["--show-full-id", "export", "staff-roster", "--out", full.to_str().unwrap()]);
    assert!(sheet_text(&full).contains(ID));
    assert_eq!(audit_views(&db).len(), 1);
}
