//! Issue 2's insert figure: 100,000 staff (each with a card) added in one transaction to a fresh
//! file database, timed to the commit; then the WAL checkpoint the commit leaves for later, and a
//! baseline of bare INSERTs of the same staff and card rows (no audit log, no outbox, no checks)
//! into the same schema, with the ratio. Run in release:
//! `cargo run --release -p cmedesk-core --example roster_insert [-- STAFF [RUNS]]`.
//! Desks are encrypted (SQLCipher) like real ones; `ROSTER_PLAINTEXT=1` measures without.
//! For profiling: `ROSTER_NO_BARE=1` skips the baseline, `ROSTER_CACHE_KIB=N` sets the desk's
//! page cache, `ROSTER_KEEP=DIR` keeps the last run's database (and WAL) there.

use std::time::Instant;

use chrono::DateTime;
use cmedesk_core::{Actor, Desk, Operator, departments, staff, synthetic};

fn actor() -> Actor {
    Actor::new(Operator::system(), DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap())
}

/// The calling thread's time on a CPU and waiting for one, in seconds (`/proc/thread-self/schedstat`):
/// on a shared machine the wall time alone says more about the neighbours than about this code.
fn sched() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let mut f = text.split_whitespace().map(|x| x.parse::<f64>().unwrap_or(0.0) / 1e9);
    (f.next().unwrap_or(0.0), f.next().unwrap_or(0.0))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A fresh desk as `cmedesk init` makes it (encrypted), or plaintext with `ROSTER_PLAINTEXT=1`.
fn create(path: &std::path::Path) -> Desk {
    let encrypted = std::env::var_os("ROSTER_PLAINTEXT").is_none();
    Desk::create_with(path, &cmedesk_core::db_key::Unlock::default(), encrypted).unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|s| s.parse().expect("STAFF")).unwrap_or(100_000);
    let runs: usize = args.next().map(|s| s.parse().expect("RUNS")).unwrap_or(3);
    let hospital = synthetic::generate(7, count, actor().today());
    for run in 1..=runs {
        let dir = tempfile::tempdir().unwrap();
        // ROSTER_KEEP=DIR keeps the last run's database there, to look at its tables.
        let keep = std::env::var_os("ROSTER_KEEP").map(std::path::PathBuf::from);
        let path = dir.path().join("bench.db");
        let mut desk = create(&path);
        if let Some(kib) = std::env::var("ROSTER_CACHE_KIB").ok().and_then(|v| v.parse::<i64>().ok()) {
            desk.conn().pragma_update(None, "cache_size", -kib).unwrap();
        }
        let d = departments::add(
            &mut desk,
            &actor(),
            departments::NewDepartment { name: "基准科室".into(), ..Default::default() },
        )
        .unwrap();
        let people: Vec<_> = hospital
            .staff
            .iter()
            .map(|s| staff::NewStaff { department_id: d.id.clone(), ..s.person.clone() })
            .collect();
        let cards = people.iter().filter(|p| p.card_key.is_some()).count();
        let load_before = load_average();
        let (cpu0, wait0) = sched();
        let t = Instant::now();
        let added = staff::add_many(&mut desk, &actor(), people).unwrap();
        let insert = t.elapsed().as_secs_f64();
        let (cpu1, wait1) = sched();
        let t = Instant::now();
        desk.checkpoint().unwrap();
        let checkpoint = t.elapsed().as_secs_f64();
        if run == runs {
            print_find_percentiles(&desk, &hospital);
        }
        if let Some(keep) = &keep {
            // The checkpoint may leave frames in the WAL (the background checkpointer reads too).
            for suffix in ["", "-wal"] {
                let from = dir.path().join(format!("bench.db{suffix}"));
                if from.exists() {
                    std::fs::copy(&from, keep.join(format!("bench.db{suffix}"))).unwrap();
                }
            }
        }
        let (baseline, baseline_cpu) = if std::env::var_os("ROSTER_NO_BARE").is_some() {
            (f64::NAN, f64::NAN)
        } else {
            bare_inserts(&dir.path().join("bare.db"), &desk, &added)
        };
        println!(
            "run {run}: {count} staff ({cards} cards) in one transaction: {insert:.3} s to commit \
             (on CPU {:.3} s, waiting for a CPU {:.3} s, the rest I/O); checkpoint afterwards {checkpoint:.3} s; \
             bare INSERTs of the same rows {baseline:.3} s (on CPU {baseline_cpu:.3} s); ratio {:.2}× wall, \
             {:.2}× CPU; load average before {load_before}, after {}",
            cpu1 - cpu0,
            wait1 - wait0,
            insert / baseline,
            (cpu1 - cpu0) / baseline_cpu,
            load_average()
        );
    }
}

/// `staff::find` among the people just added (on the same encrypted or plaintext desk): p50 and
/// p95 over 2,000 random queries each by name prefix, ID number and card key (target p95 ≤ 5 ms).
fn print_find_percentiles(desk: &Desk, hospital: &synthetic::Hospital) {
    let mut rng = synthetic::Rng::new(1);
    let people = &hospital.staff;
    let mut by = |query: &dyn Fn(&staff::NewStaff) -> Option<String>| {
        let mut ms = Vec::with_capacity(2_000);
        while ms.len() < 2_000 {
            let Some(q) = query(&people[rng.below(people.len())].person) else { continue };
            let t = Instant::now();
            std::hint::black_box(staff::find(desk, &q, 50).unwrap());
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        (ms[ms.len() / 2], ms[ms.len() * 95 / 100])
    };
    let name = by(&|p| Some(p.name.chars().take(2).collect()));
    let id = by(&|p| Some(p.id_number.clone()));
    let card = by(&|p| p.card_key.clone());
    println!(
        "find p50/p95 among {} (target p95 ≤ 5 ms): name prefix {:.3}/{:.3} ms, ID number {:.3}/{:.3} ms, \
         card key {:.3}/{:.3} ms; load average {}",
        people.len(),
        name.0,
        name.1,
        id.0,
        id.1,
        card.0,
        card.1,
        load_average()
    );
}

/// The same staff and card rows as plain INSERTs in one transaction, into a fresh file with the
/// same schema and pragmas: what SQLite alone costs.
fn bare_inserts(path: &std::path::Path, desk: &Desk, added: &[staff::Staff]) -> (f64, f64) {
    drop(create(path));
    let conn = cmedesk_core::store::connect(path).unwrap();
    for (k, v) in
        [("journal_mode", "WAL"), ("synchronous", "FULL"), ("foreign_keys", "ON"), ("cache_size", "-65536")]
    {
        conn.pragma_update(None, k, v).unwrap();
    }
    let dept: String = desk.conn().query_row("SELECT id FROM departments", [], |r| r.get(0)).unwrap();
    conn.execute(
        "INSERT INTO departments(id, name, created_at, updated_at) VALUES (?1, 'x', 'now', 'now')",
        [&dept],
    )
    .unwrap();
    let cards: Vec<(String, String)> = desk
        .conn()
        .prepare("SELECT card_key, staff_id FROM cards")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let (cpu0, _) = sched();
    let t = Instant::now();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    {
        let mut st = conn
            .prepare(
                "INSERT INTO staff(id, name, gender, id_number, birth_date, department_id, title, title_level,
                                   profession, phone, status, note, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active', ?11, ?12, ?12)",
            )
            .unwrap();
        for s in added {
            st.execute(rusqlite::params![
                s.id,
                s.name,
                s.gender.as_str(),
                s.id_number,
                s.birth_date.to_string(),
                s.department_id,
                s.title,
                s.title_level.map(|l| l.as_str()),
                s.profession,
                s.phone,
                s.note,
                "2026-11-22T10:00:00.000+08:00"
            ])
            .unwrap();
        }
        let mut st =
            conn.prepare("INSERT INTO cards(card_key, staff_id, issued_at) VALUES (?1, ?2, ?3)").unwrap();
        for (key, staff_id) in &cards {
            st.execute(rusqlite::params![key, staff_id, "2026-11-22T10:00:00.000+08:00"]).unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    (t.elapsed().as_secs_f64(), sched().0 - cpu0)
}
