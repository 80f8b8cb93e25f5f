//! The `cmedesk` binary as scripts use it: exit codes, JSON replies and errors, and the
//! roster and project workflows end to end on a real database file.

mod common;

use std::path::Path;

use common::*;

fn init(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("desk.db");
    ok(&db, &["init"]);
    db
}

// domain.md §5: every vector, through the CLI.
#[test]
fn id_check_reports_every_gb11643_vector() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let valid = [
        "11010519491231002X",
        "440524188001010014",
        "370101190102039973",
        "110101202311012176",
        "110105198001010091",
        "110105198001010040",
        "11010519800101018X",
        "110105198001010059",
        "110105198001010198",
        "110105198001010067",
        "110105198001010016",
        "110105198001010075",
        "110105198001010024",
        "110105198001010083",
        "110105198001010032",
    ];
    let v = ok(&db, &[&["id", "check"][..], &valid[..]].concat());
    for (r, input) in v["results"].as_array().unwrap().iter().zip(valid) {
        assert_eq!(r["valid"], true, "{input}");
        assert_eq!(r["normalized"], input);
    }
    let invalid = [
        ("110101202311012171", "ID_NUMBER_CHECKSUM"),
        ("110105194912310021", "ID_NUMBER_CHECKSUM"),
        ("110105199902300015", "ID_NUMBER_BIRTH_DATE"),
        ("110105210001010015", "ID_NUMBER_FUTURE_BIRTH_DATE"),
    ];
    for (input, code) in invalid {
        let (exit, v) = run(&db, &["id", "check", input]);
        assert_eq!(exit, 1, "{input} must fail");
        assert_eq!(v["results"][0]["valid"], false);
        assert_eq!(v["results"][0]["code"], code, "{input}");
        assert!(!v["results"][0]["reason"].as_str().unwrap().is_empty());
    }
    let v = ok(&db, &["id", "check", "110105491231002"]);
    assert_eq!(v["results"][0]["normalized"], "11010519491231002X");
    assert_eq!(v["results"][0]["upgraded_from_15"], true);
    assert_eq!(v["results"][0]["birth_date"], "1949-12-31");
    assert_eq!(v["results"][0]["gender"], "female");
    assert!(!db.exists(), "id check needs no database");
}

#[test]
fn usage_errors_exit_2_and_user_errors_exit_1_with_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let out = cmedesk(&db).args(["staff", "add"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cmedesk(&db).args(["no-such-command"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (code, v) = err(&db, &["--password", "wrong", "staff", "list"]);
    assert_eq!(code, "AUTHENTICATION_FAILED");
    assert_eq!(v["error"]["message_zh"], "用户名或密码错误");
    let (code, _) = err(&db, &["init"]);
    assert_eq!(code, "DUPLICATE", "init refuses an existing database");
    let (code, _) = err(&dir.path().join("missing.db"), &["staff", "list"]);
    assert_eq!(code, "NOT_FOUND");
    // A person with a wrong ID: the error names the field; nothing is written.
    ok(&db, &["dept", "add", "心血管内科"]);
    let before = ok(&db, &["audit-log", "--limit", "1000"]);
    let (code, v) = err(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "李四",
            "--id-number",
            "110105194912310021",
            "--department",
            "心血管内科",
        ],
    );
    assert_eq!(code, "ID_NUMBER_CHECKSUM");
    assert_eq!(v["error"]["field"], "id_number");
    let (code, _) = err(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "李四",
            "--id-number",
            "11010519491231002X",
            "--department",
            "不存在的科室",
        ],
    );
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(ok(&db, &["audit-log", "--limit", "1000"]), before, "refused commands wrote nothing");
}

#[test]
fn a_newer_database_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    // Simulate a database written by a future version.
    cmedesk_core::store::connect(&db)
        .unwrap()
        .execute("INSERT INTO schema_migrations VALUES (999, '0999_future', 'x')", [])
        .unwrap();
    let (code, v) = err(&db, &["staff", "list"]);
    assert_eq!(code, "SCHEMA_TOO_NEW");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("请升级"));
}

#[test]
fn roster_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    ok(&db, &["dept", "add", "内科"]);
    ok(&db, &["dept", "add", "心血管内科", "--parent", "内科"]);
    ok(&db, &["dept", "add", "护理部"]);
    ok(&db, &["dept", "rename", "护理部", "护理部门"]);
    ok(&db, &["dept", "move", "护理部门", "--parent", "内科"]);
    let tree = ok(&db, &["dept", "list"]);
    assert_eq!(tree["departments"][0]["children"].as_array().unwrap().len(), 2);
    ok(&db, &["dept", "move", "护理部门", "--top"]);

    let s = ok(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "王芳",
            "--id-number",
            "11010519491231002x",
            "--department",
            "内科/心血管内科",
            "--title",
            "主治医师",
            "--title-level",
            "中级",
            "--profession",
            "医师",
            "--phone",
            "13800000000",
            "--card",
            "0012345678",
        ],
    );
    assert_eq!(s["gender"], "female");
    // Masked by default (issue 9); the full number below with --show-full-id.
    assert_eq!(s["id_number"], "1101**********002X");
    let (code, _) = err(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "王芳二",
            "--id-number",
            "11010519491231002X",
            "--department",
            "护理部门",
        ],
    );
    assert_eq!(code, "DUPLICATE");
    for query in ["王", "11010519491231002X", "110105491231002", "0012345678", "ic:0012345678"] {
        let found = ok(&db, &["staff", "find", query]);
        assert_eq!(found["count"], 1, "find {query}");
        assert_eq!(found["staff"][0]["name"], "王芳");
    }
    ok(&db, &["staff", "transfer", "11010519491231002X", "--to", "护理部门", "--reason", "工作需要"]);
    ok(&db, &["staff", "status", "11010519491231002X", "产假", "--on", "2026-11-01"]);
    let (code, _) = err(&db, &["staff", "status", "11010519491231002X", "不计达标"]);
    assert_eq!(code, "REQUIRED", "exempt needs a reason");
    ok(&db, &["staff", "update", "11010519491231002X", "--phone", "13900000000"]);
    ok(&db, &["card", "replace", "王芳", "uid:04a1b2c3", "--reason", "丢失"]);
    let show = ok(&db, &["staff", "show", "uid:04A1B2C3"]);
    assert_eq!(show["department_name"], "护理部门");
    assert_eq!(show["status"], "maternity");
    assert_eq!(show["phone"], "13900000000");
    assert_eq!(show["transfers"][0]["from_department"], "心血管内科");
    assert_eq!(show["cards"].as_array().unwrap().len(), 2);
    let lookup = ok(&db, &["card", "lookup", "0012345678"]);
    assert!(lookup["staff"].is_null(), "the replaced card maps to nobody");
    ok(&db, &["card", "revoke", "uid:04A1B2C3", "--reason", "离职"]);
    let list = ok(&db, &["staff", "list", "--status", "产假"]);
    assert_eq!(list["count"], 1);
    let log = ok(&db, &["audit-log", "--entity", "staff"]);
    let actions: Vec<&str> =
        log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["staff.update", "staff.status", "staff.transfer", "staff.add"]);
    let verify = ok(&db, &["audit-log", "--verify"]);
    assert_eq!(verify["intact"], true);
}

#[test]
fn project_workflow_with_states_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    ok(&db, &["dept", "add", "心血管内科"]);
    ok(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "张主任",
            "--id-number",
            "440524188001010014",
            "--department",
            "心血管内科",
        ],
    );
    ok(
        &db,
        &[
            "approved",
            "add",
            "--code",
            "2026-04-08-186（国）",
            "--year",
            "2026",
            "--name",
            "急性心肌梗死规范化救治进展学习班",
            "--credits",
            "4",
            "--hours",
            "12",
        ],
    );
    let list = ok(&db, &["approved", "list", "--available"]);
    assert_eq!(list["count"], 1);
    let (code, _) = err(&db, &["project", "create", "--approved", "2099-01-01-001(国)"]);
    assert_eq!(code, "NOT_FOUND", "a project is selected from the approved list, never typed in");
    let p = ok(&db, &["project", "create", "--approved", "2026-04-08-186(国)", "--venue", "学术报告厅"]);
    assert_eq!(p["state"], "draft");
    assert_eq!(p["credit_level"], "national");
    let (code, v) = err(&db, &["project", "submit", "2026-04-08-186(国)"]);
    assert_eq!(code, "INVALID_TRANSITION");
    let msg = v["error"]["message_zh"].as_str().unwrap();
    assert!(msg.contains("举办方式") && msg.contains("课程") && !msg.contains("举办地点"), "{msg}");
    ok(
        &db,
        &[
            "project",
            "update",
            "2026-04-08-186(国)",
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
            "--exam-required",
            "是",
        ],
    );
    ok(
        &db,
        &[
            "project",
            "course",
            "add",
            "2026-04-08-186(国)",
            "--title",
            "心梗救治",
            "--hours",
            "6",
            "--speaker",
            "440524188001010014",
        ],
    );
    ok(
        &db,
        &[
            "project",
            "course",
            "add",
            "2026-04-08-186(国)",
            "--title",
            "溶栓",
            "--hours",
            "6",
            "--speaker-name",
            "外院专家",
            "--speaker-unit",
            "省人民医院",
        ],
    );
    let (code, _) = err(
        &db,
        &[
            "project",
            "course",
            "add",
            "2026-04-08-186(国)",
            "--title",
            "多余",
            "--hours",
            "1",
            "--speaker-name",
            "某",
        ],
    );
    assert_eq!(code, "COURSE_HOURS_EXCEED");
    ok(
        &db,
        &["project", "period", "add", "2026-04-08-186(国)", "--from", "2026-11-10", "--to", "2026-11-11"],
    );
    let (code, _) = err(
        &db,
        &["project", "period", "add", "2026-04-08-186(国)", "--from", "2026-11-11", "--to", "2026-11-12"],
    );
    assert_eq!(code, "PERIOD_OVERLAP");
    ok(
        &db,
        &[
            "project",
            "window",
            "add",
            "2026-04-08-186(国)",
            "--from",
            "2026-11-10 07:30",
            "--to",
            "2026-11-10 09:00",
            "--label",
            "上午签到",
        ],
    );
    let (code, _) = err(
        &db,
        &[
            "project",
            "window",
            "add",
            "2026-04-08-186(国)",
            "--from",
            "2026-11-12 07:30",
            "--to",
            "2026-11-12 09:00",
        ],
    );
    assert_eq!(code, "WINDOW_OUTSIDE_PERIOD");
    let (code, _) = err(&db, &["project", "approve", "2026-04-08-186(国)"]);
    assert_eq!(code, "INVALID_TRANSITION", "a draft cannot be approved");
    ok(&db, &["project", "submit", "2026-04-08-186(国)"]);
    let (code, _) = err(&db, &["project", "reject", "2026-04-08-186(国)", "--reason", " "]);
    assert_eq!(code, "REQUIRED");
    ok(&db, &["project", "reject", "2026-04-08-186(国)", "--reason", "会议通知缺少公章"]);
    ok(&db, &["project", "revise", "2026-04-08-186(国)"]);
    ok(&db, &["project", "submit", "2026-04-08-186(国)"]);
    ok(&db, &["project", "approve", "2026-04-08-186(国)"]);
    ok(&db, &["project", "held", "2026-04-08-186(国)"]);
    let show = ok(&db, &["project", "show", "2026-04-08-186(国)"]);
    assert_eq!(show["project"]["state"], "held");
    assert_eq!(show["courses"][0]["speaker_name"], "张主任");
    assert_eq!(show["courses"][0]["speaker_unit"], "心血管内科");
    assert_eq!(show["actions"], serde_json::json!(["grant_credits"]));
    let (code, _) = err(&db, &["project", "update", "2026-04-08-186(国)", "--venue", "别处"]);
    assert_eq!(code, "INVALID_TRANSITION", "a held project's details are frozen");
}

#[test]
fn roles_are_enforced_for_cli_operators() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    ok(&db, &["dept", "add", "心血管内科"]);
    ok(&db, &["user", "add", "viewer1", "--role", "viewer", "--new-password", "look4321"]);
    ok(&db, &["user", "add", "officer1", "--role", "officer", "--new-password", "work4321"]);
    let (code, _) = err(&db, &["user", "add", "weak", "--role", "viewer", "--new-password", "short"]);
    assert_eq!(code, "PASSWORD_WEAK");
    let as_user = |user: &str, password: &str, args: &[&str]| {
        run(&db, &[&["--operator", user, "--password", password][..], args].concat())
    };
    let as_viewer = |args: &[&str]| as_user("viewer1", "look4321", args);
    let as_officer = |args: &[&str]| as_user("officer1", "work4321", args);
    let (code, v) = as_viewer(&[
        "staff",
        "add",
        "--name",
        "王芳",
        "--id-number",
        "11010519491231002X",
        "--department",
        "心血管内科",
    ]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("FORBIDDEN")));
    let (code, _) = as_viewer(&["staff", "list"]);
    assert_eq!(code, 0, "a viewer can read");
    let (code, _) = as_officer(&[
        "staff",
        "add",
        "--name",
        "王芳",
        "--id-number",
        "11010519491231002X",
        "--department",
        "心血管内科",
    ]);
    assert_eq!(code, 0);
    let (code, v) = as_officer(&["user", "add", "x", "--role", "admin", "--new-password", "abcd12345"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("FORBIDDEN")));
    let (code, _) = as_officer(&["user", "passwd", "officer1", "--new-password", "newer4321"]);
    assert_eq!(code, 0, "an operator changes their own password");
    let (code, _) = run(&db, &["--operator", "officer1", "--password", "newer4321", "staff", "list"]);
    assert_eq!(code, 0);
}

#[test]
fn demo_loads_the_synthetic_hospital_into_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let v = ok(&db, &["demo", "--staff", "300"]);
    assert_eq!(v["created"], true);
    assert_eq!(v["loaded"]["staff"], 300);
    assert!(v["loaded"]["departments"].as_u64().unwrap() >= 30);
    assert_eq!(v["loaded"]["approved_projects"], 44);
    let projects = ok(&db, &["project", "list"]);
    assert_eq!(projects["count"], 10);
    assert_eq!(ok(&db, &["audit-log", "--verify"])["intact"], true);
}

#[test]
fn backup_create_verify_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    ok(&db, &["dept", "add", "心血管内科"]);
    let made = ok(&db, &["backup", "create"]);
    let file = made["file"].as_str().unwrap().to_string();
    assert!(file.contains("/backups/desk-20261122-100000.db"), "{file}");
    assert_eq!(ok(&db, &["backup", "verify", &file])["ok"], true);
    ok(&db, &["dept", "add", "护理部"]);
    let preview = ok(&db, &["backup", "restore", &file]);
    assert_eq!(preview["restored"], false, "restore needs --yes");
    assert_eq!(ok(&db, &["dept", "list"])["departments"].as_array().unwrap().len(), 2);
    ok(&db, &["backup", "restore", &file, "--yes"]);
    assert_eq!(ok(&db, &["dept", "list"])["departments"].as_array().unwrap().len(), 1);
    assert_eq!(ok(&db, &["audit-log", "--verify"])["intact"], true);
    // A damaged copy is reported, with exit code 1.
    cmedesk_core::store::connect(std::path::Path::new(&file))
        .unwrap()
        .execute("DELETE FROM departments", [])
        .unwrap();
    let (code, v) = run(&db, &["backup", "verify", &file]);
    assert_eq!((code, v["ok"].as_bool()), (1, Some(false)));
}
