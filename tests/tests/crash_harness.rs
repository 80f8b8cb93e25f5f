//! Issue 9, crash harness: the CLI's long operations run in a child process that is killed with
//! SIGKILL at a random moment; after each kill the database must pass `integrity_check`, keep its
//! audit chain intact with audit and outbox rows one for one, and hold each operation either in
//! full or not at all. Operations: import of a large roster sheet, swipe import of a large log,
//! grant for a large project, pull from a storing terminal (simulated on a pty), sync push to a
//! real exchange server on loopback, and backup.
//!
//! `CRASH_RUNS` sets the total number of kills (default 50, spread over the operations);
//! `CRASH_SEED` replays a sequence of kill moments (the seed is printed with every failure).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use cmedesk_e2e::{cmedesk, count, integrity_check, json};

const PASSWORD: &str = "crash2026";
const STAFF: usize = 800;

/// xorshift64*: enough randomness for kill moments, replayable from the seed.
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    // The encrypted desk's data key travels with it.
    std::fs::copy(cmedesk_core::db_key::key_path(from), cmedesk_core::db_key::key_path(to)).unwrap();
}

fn run_ok(db: &Path, args: &[&str]) -> serde_json::Value {
    json(db, PASSWORD, args)
}

/// What every killed run must leave behind, whatever the operation.
fn common_checks(db: &Path, at: &str) {
    assert_eq!(integrity_check(db), "ok", "{at}");
    assert_eq!(count(db, "audit_log"), count(db, "outbox"), "{at}: audit and outbox rows one for one");
    let verify = run_ok(db, &["audit-log", "--verify"]);
    assert_eq!(verify["intact"], true, "{at}: {verify}");
    let max: i64 = cmedesk_core::store::connect(db)
        .unwrap()
        .query_row("SELECT COALESCE(MAX(site_seq), 0) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(max, count(db, "outbox"), "{at}: outbox site_seq has a gap");
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    ImportRoster,
    SwipeImport,
    Grant,
    TerminalPull,
    SyncPush,
    Backup,
}

const OPS: [Op; 6] =
    [Op::ImportRoster, Op::SwipeImport, Op::Grant, Op::TerminalPull, Op::SyncPush, Op::Backup];

struct Fixture {
    dir: PathBuf,
    /// Desk before each operation.
    base: Vec<(Op, PathBuf)>,
    roster: PathBuf,
    swipe_log: PathBuf,
    held_project: String,
    /// Rows an undisturbed run adds: staff, swipes, credits, pulled swipes.
    roster_rows: i64,
    log_swipes: i64,
    granted: i64,
    terminal_swipes: i64,
    /// Undisturbed durations, to place the kills inside the operation.
    took: Vec<(Op, Duration)>,
}

fn base(f: &Fixture, op: Op) -> &Path {
    &f.base.iter().find(|(o, _)| *o == op).unwrap().1
}

fn took(f: &Fixture, op: Op) -> Duration {
    f.took.iter().find(|(o, _)| *o == op).unwrap().1
}

/// A storing terminal on a pty holding `n` swipes; returns it and its port.
fn terminal_sim(dir: &Path, db: &Path, n: i64) -> (Child, String) {
    let script = dir.join("terminal.txt");
    std::fs::write(&script, format!("swipes {n}\n")).unwrap();
    let mut sim = cmedesk(db, PASSWORD)
        .args(["sim", "terminal", "--baud", "0", "--script"])
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(sim.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
    (sim, first.trim().to_string())
}

/// An exchange server on loopback with its own database; returns it and its address.
fn hub(dir: &Path, name: &str) -> (Child, String) {
    let db = dir.join(format!("{name}-hub.db"));
    let mut hub = cmedesk(&db, PASSWORD)
        .args(["hub", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(hub.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
    let addr = first.trim().trim_start_matches("listening on ").to_string();
    (hub, format!("http://{addr}"))
}

fn enrol(dir: &Path, name: &str, desk: &Path) -> String {
    let site = run_ok(desk, &["sync", "status"])["site_id"].as_str().unwrap().to_string();
    let hub_db = dir.join(format!("{name}-hub.db"));
    run_ok(&hub_db, &["hub", "enrol", "--site", &site])["token"].as_str().unwrap().to_string()
}

/// The devices an operation talks to (a simulated terminal, an exchange server), started once
/// per run so a rerun after the kill talks to the same ones; and the operation's arguments.
struct Env {
    helpers: Vec<Child>,
    args: Vec<String>,
}

impl Drop for Env {
    fn drop(&mut self) {
        for h in &mut self.helpers {
            let _ = h.kill();
            let _ = h.wait();
        }
    }
}

fn env(f: &Fixture, op: Op, db: &Path, tag: &str) -> Env {
    let dir = f.dir.join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let plain = |args| Env { helpers: vec![], args };
    match op {
        Op::ImportRoster => plain(s(&["import", "staff-roster", &path(&f.roster)])),
        Op::SwipeImport => plain(s(&["swipe", "import", "--project", &f.held_project, &path(&f.swipe_log)])),
        Op::Grant => {
            plain(s(&["credits", "grant", "--project", &f.held_project, "--strategy", "any-attendance-full"]))
        }
        Op::TerminalPull => {
            let (sim, port) = terminal_sim(&dir, db, f.terminal_swipes);
            Env { helpers: vec![sim], args: s(&["terminal", "pull", "--port", &port]) }
        }
        Op::SyncPush => {
            let (h, url) = hub(&dir, "push");
            let token = enrol(&dir, "push", db);
            Env {
                helpers: vec![h],
                args: s(&["sync", "push", "--server", &url, "--token", &token, "--batch", "200"]),
            }
        }
        Op::Backup => plain(s(&["backup", "create", "--dir", &path(&dir.join("backups"))])),
    }
}

/// Starts the operation on `db` as a child process.
fn start(db: &Path, env: &Env) -> Child {
    cmedesk(db, PASSWORD).args(&env.args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// Rows the operation adds: the all-or-nothing measure.
fn measure(db: &Path, op: Op, f: &Fixture) -> i64 {
    match op {
        Op::ImportRoster => count(db, "staff"),
        Op::SwipeImport | Op::TerminalPull => count(db, "swipes"),
        Op::Grant => cmedesk_core::store::connect(db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM credits WHERE project_id = ?1", [&f.held_project], |r| r.get(0))
            .unwrap(),
        Op::SyncPush | Op::Backup => count(db, "audit_log"),
    }
}

fn expected_added(f: &Fixture, op: Op) -> i64 {
    match op {
        Op::ImportRoster => f.roster_rows,
        Op::SwipeImport => f.log_swipes,
        Op::Grant => f.granted,
        Op::TerminalPull => f.terminal_swipes,
        // Neither changes the desk's domain rows.
        Op::SyncPush | Op::Backup => 0,
    }
}

fn fixture(dir: &Path) -> Fixture {
    let src = dir.join("src.db");
    run_ok(&src, &["demo", "--staff", &STAFF.to_string()]);
    // The large sheet: the whole roster with full ID numbers (an admin, audited), imported into
    // a desk with the same departments and almost nobody on its roster.
    let roster = dir.join("roster.xlsx");
    run_ok(&src, &["--show-full-id", "export", "staff-roster", "--out", roster.to_str().unwrap()]);
    // (`demo --staff 0` cannot make one: its projects need staff as speakers and leads.)
    let import_base = dir.join("import-base.db");
    run_ok(&import_base, &["init"]);
    let tree = run_ok(&src, &["dept", "list"]);
    let mut stack: Vec<(Option<String>, serde_json::Value)> =
        tree["departments"].as_array().unwrap().iter().rev().map(|d| (None, d.clone())).collect();
    while let Some((parent, d)) = stack.pop() {
        let name = d["name"].as_str().unwrap().to_string();
        let mut args = vec!["dept", "add", &name];
        if let Some(p) = &parent {
            args.extend(["--parent", p]);
        }
        let added = run_ok(&import_base, &args);
        let id = added["id"].as_str().unwrap().to_string();
        for child in d["children"].as_array().unwrap().iter().rev() {
            stack.push((Some(id.clone()), child.clone()));
        }
    }

    // A held project, and a log with every card in each of its windows.
    let projects = run_ok(&src, &["project", "list"]);
    let held = projects["projects"].as_array().unwrap().iter().find(|p| p["state"] == "held").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = run_ok(&src, &["project", "show", &held]);
    let staff = run_ok(&src, &["staff", "list", "--limit", "100000"]);
    let mut log = String::new();
    let mut seq = 0;
    for w in detail["attendance_windows"].as_array().unwrap() {
        let start = w["starts_at"].as_str().unwrap().replace('T', " ");
        let minute = &start[..16];
        for p in staff["staff"].as_array().unwrap() {
            if let Some(card) = p["card_key"].as_str().and_then(|c| c.strip_prefix("ic:")) {
                seq += 1;
                log.push_str(&format!("{card},{minute}:30,T1,{seq}\n"));
            }
        }
    }
    let swipe_log = dir.join("swipes.txt");
    std::fs::write(&swipe_log, log).unwrap();

    let mut f = Fixture {
        dir: dir.to_path_buf(),
        base: vec![
            (Op::ImportRoster, import_base),
            (Op::SwipeImport, src.clone()),
            (Op::TerminalPull, src.clone()),
            (Op::SyncPush, src.clone()),
        ],
        roster,
        swipe_log,
        held_project: held,
        roster_rows: STAFF as i64,
        log_swipes: seq,
        granted: 0,
        terminal_swipes: 1500,
        took: Vec::new(),
    };
    // Undisturbed runs: how long each takes, and what it adds. The swipe import's result is the
    // grant's starting point, the grant's the backup's.
    for op in OPS {
        let tag = format!("clean-{op:?}");
        std::fs::create_dir_all(dir.join(&tag)).unwrap();
        let db = dir.join(format!("{tag}.db"));
        let from = match op {
            Op::Grant => dir.join("clean-SwipeImport.db"),
            Op::Backup => dir.join("clean-Grant.db"),
            _ => base(&f, op).to_path_buf(),
        };
        copy(&from, &db);
        let before = measure(&db, op, &f);
        let env = env(&f, op, &db, &tag);
        let started = Instant::now();
        let status = start(&db, &env).wait().unwrap();
        f.took.push((op, started.elapsed()));
        drop(env);
        assert!(status.success(), "{op:?} failed undisturbed");
        let added = measure(&db, op, &f) - before;
        match op {
            Op::Grant => {
                assert!(added > 0, "the grant granted nothing");
                f.granted = added;
            }
            _ => assert_eq!(added, expected_added(&f, op), "{op:?} undisturbed"),
        }
        if op == Op::SwipeImport {
            f.base.push((Op::Grant, db.clone()));
        }
        if op == Op::Grant {
            f.base.push((Op::Backup, db.clone()));
        }
    }
    f
}

/// After a kill, finishing the operation must give exactly the undisturbed result.
fn finish_and_check(f: &Fixture, op: Op, db: &Path, env: &Env, tag: &str, before: i64, at: &str) {
    match op {
        Op::TerminalPull | Op::SyncPush => {
            // Run again to completion against the same device or server: nothing lost, nothing
            // twice.
            let status = start(db, env).wait().unwrap();
            assert!(status.success(), "{at}: the rerun failed");
            common_checks(db, &format!("{at}, after the rerun"));
            if op == Op::TerminalPull {
                assert_eq!(measure(db, op, f) - before, f.terminal_swipes, "{at}: rerun pull");
            } else {
                let status = run_ok(db, &["sync", "status"]);
                assert_eq!(status["pending"], 0, "{at}: {status}");
            }
        }
        Op::Backup => {
            // A file listed as a backup verifies; a cut copy is only ever a `.part`.
            for entry in std::fs::read_dir(f.dir.join(tag).join("backups")).into_iter().flatten() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "db") {
                    let v = run_ok(db, &["backup", "verify", path.to_str().unwrap()]);
                    assert_eq!(v["ok"], true, "{at}: {} is listed but does not verify: {v}", path.display());
                }
            }
        }
        _ => {}
    }
}

#[test]
fn long_operations_killed_at_random_moments_leave_all_or_nothing() {
    let runs: usize = std::env::var("CRASH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    let seed: u64 = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let f = fixture(dir.path());
    let setup = started.elapsed();
    let mut interrupted = vec![0usize; OPS.len()];
    for run in 0..runs {
        let i = run % OPS.len();
        let op = OPS[i];
        let tag = format!("run{run}");
        let db = dir.path().join(format!("{tag}.db"));
        copy(base(&f, op), &db);
        let before = measure(&db, op, &f);
        let env = env(&f, op, &db, &tag);
        let mut child = start(&db, &env);
        // Uniform over the undisturbed duration, a little past its end too.
        let fraction = rng.next_f64() * 1.05;
        std::thread::sleep(took(&f, op).mul_f64(fraction));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !status.success() {
            interrupted[i] += 1;
        }
        let at = format!("CRASH_SEED={seed} run {run}: {op:?} killed at {:.0}% ({status})", fraction * 100.0);
        common_checks(&db, &at);
        let added = measure(&db, op, &f) - before;
        let full = expected_added(&f, op);
        assert!(added == 0 || added == full, "{at}: {added} of {full} rows: a partial operation");
        finish_and_check(&f, op, &db, &env, &tag, before, &at);
        drop(env);
        let _ = std::fs::remove_file(&db);
    }
    let total: usize = interrupted.iter().sum();
    eprintln!(
        "crash harness: {runs} kills (seed {seed}), {total} mid-operation {:?}, undisturbed {:?}, setup {:.1}s, \
         total {:.1}s; 0 corrupt databases, 0 partial operations",
        OPS.iter().zip(&interrupted).collect::<Vec<_>>(),
        f.took,
        setup.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(total * 2 >= runs, "only {total} of {runs} kills landed inside an operation");
}
