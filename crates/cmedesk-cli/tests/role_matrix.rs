//! Issue 9, invariant 6: every role × every mutating `cmedesk` command, deny by default.
//!
//! The list of commands is not typed in: it is read from the binary's own `--help` tree, and
//! every leaf must be classified below (a new subcommand fails [`every_command_is_classified`]
//! until someone decides who may run it). Each mutating command then runs as each role on a real
//! demo desk: a role without the permission gets `FORBIDDEN` and the database gains no audit or
//! outbox row; a role with it is never refused for its role.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Command,
};

use cmedesk_core::{Permission, Role};
use serde_json::Value;

const PASSWORD: &str = "matrix2026";

/// Who may run a command.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Reads only (any signed-in role), or touches no desk at all.
    Read,
    /// Mutates the desk; needs this permission.
    Needs(Permission),
    /// Credits: officers and admins for anyone, a department secretary only for their own
    /// department (the secretary here belongs to another one, so is refused).
    Credits,
    /// Not run as a desk operator: the reason is the classification.
    Outside(#[allow(dead_code)] &'static str),
}

use Access::*;

/// Every leaf command: its access, and arguments that reach the permission check on the demo
/// desk built by [`base_desk`] (`{staff}` etc. are filled in there).
const COMMANDS: &[(&str, Access, &str)] = &[
    ("init", Outside("creates a new desk and its first admin"), ""),
    ("demo", Needs(Permission::LoadDemoData), "--staff 5"),
    ("id check", Read, ""),
    ("dept add", Needs(Permission::EditDepartments), "矩阵科"),
    ("dept list", Read, ""),
    ("dept rename", Needs(Permission::EditDepartments), "消化内科 消化科"),
    ("dept move", Needs(Permission::EditDepartments), "消化内科 --top"),
    (
        "staff add",
        Needs(Permission::EditRoster),
        "--name 矩阵 --id-number 11010519491231002X --department 心血管内科",
    ),
    ("staff list", Read, ""),
    ("staff show", Read, ""),
    ("staff update", Needs(Permission::EditRoster), "{staff} --phone 13900000001"),
    ("staff transfer", Needs(Permission::EditRoster), "{staff} --to 消化内科"),
    ("staff status", Needs(Permission::EditRoster), "{staff} 产假"),
    ("staff find", Read, ""),
    ("card issue", Needs(Permission::IssueCards), "{staff_nocard} 0099887766"),
    ("card replace", Needs(Permission::IssueCards), "{staff} 0099887767 --reason 丢失"),
    ("card revoke", Needs(Permission::IssueCards), "{card} --reason 丢失"),
    ("card lookup", Read, ""),
    (
        "approved add",
        Needs(Permission::EditProjects),
        "--code 2026-99-01-001(国) --year 2026 --name 矩阵项目 --credits 10 --hours 20",
    ),
    ("approved list", Read, ""),
    ("project create", Needs(Permission::EditProjects), "--approved {approved}"),
    ("project show", Read, ""),
    ("project list", Read, ""),
    ("project update", Needs(Permission::EditProjects), "{draft} --venue 报告厅"),
    ("project course add", Needs(Permission::EditProjects), "{draft} --title 讲座 --hours 2"),
    ("project period add", Needs(Permission::EditProjects), "{draft} --from 2026-12-01 --to 2026-12-02"),
    (
        "project window add",
        Needs(Permission::EditProjects),
        "{draft} --from 2026-12-01T08:00 --to 2026-12-01T09:00",
    ),
    ("project submit", Needs(Permission::EditProjects), "{draft}"),
    ("project approve", Needs(Permission::RecordProjectDecision), "{submitted}"),
    ("project reject", Needs(Permission::RecordProjectDecision), "{submitted} --reason 材料不全"),
    ("project revise", Needs(Permission::EditProjects), "{submitted}"),
    ("project held", Needs(Permission::EditProjects), "{approved_project}"),
    ("project close", Needs(Permission::EditProjects), "{held}"),
    ("user add", Needs(Permission::ManageUsers), "someone --role viewer --new-password abc12345x"),
    ("user list", Read, ""),
    ("user passwd", Needs(Permission::ManageUsers), "admin --new-password other2026x"),
    ("user unlock", Needs(Permission::ManageUsers), "admin"),
    ("user policy", Read, ""),
    ("attendance analyze", Read, ""),
    ("credits grant", Credits, "--project {held} --strategy any-attendance-full"),
    (
        "credits add",
        Credits,
        "--staff {staff} --category paper --name 论文 --quantity 2 --hours 0 --date 2026-04-01 --issuer 本院",
    ),
    ("credits submit", Credits, "{credit}"),
    ("credits review", Credits, "{credit} --decision approve"),
    ("credits review-person", Credits, "{staff} --year 2026 --decision approve"),
    ("credits revoke", Credits, "{credit} --reason 重复"),
    ("credits list", Read, ""),
    ("credits exempt", Credits, "{staff} --year 2026 --reason 援外"),
    ("credits rules", Read, ""),
    ("compliance", Read, ""),
    ("forecast", Read, ""),
    ("audit-log", Read, ""),
    ("backup create", Needs(Permission::ManageBackups), "--dir {dir}/backups"),
    ("backup list", Read, ""),
    ("backup verify", Read, ""),
    ("backup restore", Needs(Permission::ManageBackups), "{backup} --yes"),
    ("backup schedule", Needs(Permission::ManageBackups), "--at 06:00 --catch-up off"),
    ("backup due", Needs(Permission::ManageBackups), ""),
    ("rekey", Needs(Permission::ManageUsers), "--no-passphrase"),
    ("encrypt", Needs(Permission::ManageUsers), ""),
    ("bench", Outside("builds its own throw-away database"), ""),
    ("hub serve", Outside("the exchange server's database, not a desk"), ""),
    ("hub enrol", Outside("the exchange server's database, not a desk"), ""),
    ("hub new-epoch", Outside("the exchange server's database, not a desk"), ""),
    ("hub admin", Outside("the exchange server's database, not a desk (the provincial side)"), ""),
    ("sync status", Read, ""),
    ("sync push", Outside("authenticated by the desk's exchange token; writes only sync marks"), ""),
    ("ports", Read, ""),
    ("sim", Read, ""),
    (
        "swipe listen",
        Needs(Permission::RecordSwipes),
        "--port {dir}/no-such-port --reader em4100 --timeout 1",
    ),
    ("swipe import", Needs(Permission::RecordSwipes), "{swipe_log}"),
    ("swipe list", Read, ""),
    ("terminal pull", Needs(Permission::RecordSwipes), "--port {dir}/no-such-port"),
    ("terminal list", Read, ""),
    ("import", Needs(Permission::EditRoster), "staff-roster {roster}"),
    ("export", Read, ""),
    ("templates list", Read, ""),
    ("templates mappings", Read, ""),
    ("templates map", Needs(Permission::MapImportHeaders), "staff-roster 手机号码=phone"),
    ("templates unmap", Needs(Permission::MapImportHeaders), "staff-roster 手机号码"),
    ("review status", Read, ""),
    ("review deadline", Needs(Permission::AnnualReview), "--year 2026 --date 2026-09-10"),
    (
        "review record",
        Needs(Permission::ReviewCreditsHospital),
        "{credit} --decision approve --skip-department",
    ),
    (
        "review person",
        Needs(Permission::ReviewCreditsHospital),
        "{staff} --year 2026 --decision approve --skip-department",
    ),
    ("review mark", Needs(Permission::AnnualReview), "--year 2026 --staff {staff}"),
    ("review bureau", Needs(Permission::AnnualReview), "{staff} --year 2026 --result passed"),
    ("booklet", Read, ""),
    (
        "statement",
        Needs(Permission::IssueStatements),
        "--staff {staff} --year 2026 --out {dir}/{role}-statement.pdf --key-file {dir}/{role}.key",
    ),
    ("verify", Read, ""),
    ("key show", Read, ""),
    ("key export", Read, ""),
    ("unit", Needs(Permission::ManageUsers), "示例市第一人民医院"),
    ("sync conflicts", Read, ""),
    ("sync resolve", Needs(Permission::EditRoster), "1 --keep"),
    (
        "lan serve",
        Outside(
            "a long-running service: it refuses to start without RecordSwipes, and each check-in is a swipe the core checks again",
        ),
        "",
    ),
];

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk"));
    c.env("CMEDESK_NOW", "2026-11-22T10:00:00+08:00")
        .env("CMEDESK_PASSWORD", PASSWORD)
        .env_remove("CMEDESK_OPERATOR")
        .env_remove("CMEDESK_DB")
        .env("RUST_BACKTRACE", "0");
    c
}

/// The subcommands listed under `Commands:` in `cmedesk <path> --help`.
fn subcommands(path: &[String]) -> Vec<String> {
    let out = bin().args(path).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

fn leaves(path: Vec<String>, out: &mut BTreeSet<String>) {
    let subs = subcommands(&path);
    if subs.is_empty() {
        out.insert(path.join(" "));
    }
    for s in subs {
        let mut p = path.clone();
        p.push(s);
        leaves(p, out);
    }
}

#[test]
fn every_command_is_classified() {
    let mut found = BTreeSet::new();
    leaves(Vec::new(), &mut found);
    let listed: BTreeSet<String> = COMMANDS.iter().map(|(c, _, _)| c.to_string()).collect();
    assert_eq!(listed.len(), COMMANDS.len(), "a command is listed twice");
    let unlisted: Vec<_> = found.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(
        unlisted.is_empty(),
        "classify these commands in role_matrix.rs (who may run them?): {unlisted:?}"
    );
    assert!(gone.is_empty(), "these commands no longer exist: {gone:?}");
}

// The role × permission table itself (deny by default, each role exactly its list) is asserted
// once, in cmedesk-core's `actor::tests::roles_allow_exactly_their_permissions`; this file checks
// what the binary does with it, command by command.

fn run(db: &Path, user: &str, args: &[String]) -> (i32, Value, String) {
    let out = bin().arg("--db").arg(db).args(["--json", "--operator", user]).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    // One JSON document, or one per line for streaming commands.
    let v = serde_json::from_str(&stdout)
        .ok()
        .or_else(|| stdout.lines().rev().find_map(|l| serde_json::from_str(l).ok()))
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

fn admin_ok(db: &Path, args: &str) -> Value {
    let args: Vec<String> = args.split(' ').map(str::to_string).collect();
    let (code, v, text) = run(db, "admin", &args);
    assert_eq!(code, 0, "{args:?}: {text}");
    v
}

fn counts(db: &Path) -> (i64, i64) {
    let conn = cmedesk_core::store::connect(db).unwrap();
    let q =
        |t: &str| conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).unwrap();
    (q("audit_log"), q("outbox"))
}

/// The demo hospital, one operator per role, and an object of every kind a command needs.
fn base_desk(dir: &Path) -> (PathBuf, Vec<(String, String)>) {
    let db = dir.join("base.db");
    let out = bin().arg("--db").arg(&db).args(["--json", "demo", "--staff", "30"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The demo's admin takes CMEDESK_PASSWORD as its password.
    for (user, role, dept) in [
        ("officer1", "officer", None),
        ("secretary1", "department_secretary", Some("消化内科")),
        ("viewer1", "viewer", None),
    ] {
        let mut args = format!("user add {user} --role {role} --new-password {PASSWORD}");
        if let Some(d) = dept {
            args.push_str(&format!(" --department {d}"));
        }
        admin_ok(&db, &args);
    }
    let staff = admin_ok(&db, "staff list");
    let people = staff["staff"].as_array().unwrap();
    let with_card = people.iter().find(|p| p["card_key"].is_string()).unwrap();
    let without_card = people.iter().find(|p| p["card_key"].is_null()).unwrap();
    let projects = admin_ok(&db, "project list");
    let project = |state: &str| {
        projects["projects"].as_array().unwrap().iter().find(|p| p["state"] == state).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let approved = admin_ok(&db, "approved list");
    let free_approved = approved["approved_projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["hosted_project_id"].is_null())
        .unwrap()
        .clone();
    let credit = admin_ok(
        &db,
        &format!(
            "credits add --staff {} --category paper --name 论文 --quantity 2 --hours 0 --date 2026-04-01 --issuer 本院",
            with_card["id"].as_str().unwrap()
        ),
    );
    let backup = admin_ok(&db, &format!("backup create --dir {}/bk", dir.display()));
    let roster = dir.join("roster.xlsx");
    admin_ok(&db, &format!("export staff-roster --out {}", roster.display()));
    let swipe_log = dir.join("swipes.txt");
    std::fs::write(
        &swipe_log,
        format!(
            "{},2026-11-20 08:01:00,T1,1\n",
            with_card["card_key"].as_str().unwrap().trim_start_matches("ic:")
        ),
    )
    .unwrap();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let fill = vec![
        ("{staff}".into(), s(&with_card["id"])),
        ("{staff_nocard}".into(), s(&without_card["id"])),
        ("{card}".into(), s(&with_card["card_key"])),
        ("{draft}".into(), project("draft")),
        ("{submitted}".into(), project("submitted")),
        ("{approved_project}".into(), project("approved")),
        ("{held}".into(), project("held")),
        ("{approved}".into(), s(&free_approved["code"])),
        ("{credit}".into(), s(&credit["id"]).if_empty(|| s(&credit["credit"]["id"]))),
        ("{backup}".into(), s(&backup["path"]).if_empty(|| s(&backup["file"]))),
        ("{roster}".into(), roster.display().to_string()),
        ("{swipe_log}".into(), swipe_log.display().to_string()),
        ("{dir}".into(), dir.display().to_string()),
    ];
    for (k, v) in &fill {
        assert!(!v.is_empty(), "{k} not found on the demo desk");
    }
    (db, fill)
}

trait IfEmpty {
    fn if_empty(self, f: impl FnOnce() -> String) -> String;
}
impl IfEmpty for String {
    fn if_empty(self, f: impl FnOnce() -> String) -> String {
        if self.is_empty() { f() } else { self }
    }
}

fn copy_desk(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    // The encrypted desk's data key travels with it.
    std::fs::copy(cmedesk_core::db_key::key_path(from), cmedesk_core::db_key::key_path(to)).unwrap();
}

#[test]
fn every_role_times_every_mutating_command() {
    let dir = tempfile::tempdir().unwrap();
    let (base, fill) = base_desk(dir.path());
    let users = [
        (Role::Admin, "admin"),
        (Role::Officer, "officer1"),
        (Role::DepartmentSecretary, "secretary1"),
        (Role::Viewer, "viewer1"),
    ];
    // One thread per role (each run has its own database copy).
    let results: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = users
            .iter()
            .map(|&(role, user)| {
                let (dir, base, fill) = (dir.path(), &base, &fill);
                scope.spawn(move || run_role(dir, base, fill, role, user))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let cells: usize = results.iter().map(|r| r.0).sum();
    let denied: usize = results.iter().map(|r| r.1).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.2).collect();
    assert!(failures.is_empty(), "{} of {cells} cells wrong:\n{}", failures.len(), failures.join("\n"));
    eprintln!("role matrix: {cells} cells (role × mutating command), {denied} refused as expected");
    assert!(cells >= 4 * 35 && denied >= 2 * 35, "matrix too small: {cells} cells, {denied} denied");
}

/// Runs every mutating command as `role`: (cells, refused as expected, failures).
fn run_role(
    dir: &Path,
    base: &Path,
    fill: &[(String, String)],
    role: Role,
    user: &str,
) -> (usize, usize, Vec<String>) {
    let (mut cells, mut denied, mut failures) = (0, 0, Vec::new());
    for (i, (command, access, args)) in COMMANDS.iter().enumerate() {
        let allowed = match access {
            Needs(p) => role.allows(*p),
            Credits => matches!(role, Role::Admin | Role::Officer),
            Read | Outside(_) => continue,
        };
        cells += 1;
        let mut a: Vec<String> = command.split(' ').map(str::to_string).collect();
        // `{role}` keeps files the roles' parallel runs write apart.
        let mut filled = args.replace("{role}", role.as_str());
        for (k, v) in fill {
            filled = filled.replace(k, v);
        }
        a.extend(filled.split(' ').filter(|s| !s.is_empty()).map(str::to_string));
        // Each run on its own copy, so one command's effect never changes another's outcome.
        let db = dir.join(format!("run-{i}-{}.db", role.as_str()));
        copy_desk(base, &db);
        let before = counts(&db);
        let (code, v, text) = run(&db, user, &a);
        let got = v["error"]["code"].as_str().unwrap_or_default().to_string();
        if allowed {
            if got == "FORBIDDEN" {
                failures.push(format!("{role:?} refused `{command}`: {text}"));
            }
        } else {
            denied += 1;
            if code != 1 || got != "FORBIDDEN" {
                failures.push(format!(
                    "{role:?} ran `{command}` (expected FORBIDDEN, got exit {code} {got}): {text}"
                ));
            } else if counts(&db) != before {
                failures.push(format!("{role:?} `{command}` was refused but wrote audit/outbox rows"));
            }
        }
        let _ = std::fs::remove_file(&db);
    }
    (cells, denied, failures)
}
