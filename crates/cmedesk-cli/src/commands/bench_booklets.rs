//! `bench booklets`: the issue-7 figure — N booklets printed from STORED credits on all cores —
//! next to its baselines in the same run, so a loaded machine shifts them all alike:
//!
//! * `store only`: building every booklet model from the database (the queries' share);
//! * `from store`: the real pipeline, run as an officer runs it — `cmedesk booklet --all` in a
//!   process of its own (sign-in, models read on one thread, PDFs drawn by one worker per core,
//!   one file per person);
//! * `in memory`: the same models printed from memory (session 1's page-model figure).
//!
//! CPU seconds (user + system, the load-independent figure) come from /proc/self/stat here and
//! from the kernel's accounting of the child; the peak RSS is the child's own (`ru_maxrss`), so
//! the setup's generated hospital, which this process held, is not counted.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Result, ensure};
use cmedesk_core::booklet::BookletModel;
use cmedesk_core::printouts::{self, BookletScope};
use cmedesk_core::{Actor, Desk, synthetic};
use cmedesk_print::batch::{BatchMode, BatchOptions, print_booklets};
use cmedesk_print::{Printer, discover};
use serde_json::{Value, json};

/// CPU seconds this process used so far (all threads, living and ended); Linux only.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on every Linux we ship to
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

struct Phase {
    wall: f64,
    cpu: f64,
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, Phase)> {
    let (c0, t0) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let out = f()?;
    Ok((out, Phase { wall: t0.elapsed().as_secs_f64(), cpu: cpu_seconds().unwrap_or(0.0) - c0 }))
}

fn sizes(dir: &Path) -> Result<(usize, u64, u64)> {
    let (mut n, mut total, mut max) = (0usize, 0u64, 0u64);
    for e in std::fs::read_dir(dir)? {
        let len = e?.metadata()?.len();
        n += 1;
        total += len;
        max = max.max(len);
    }
    Ok((n, total, max))
}

fn phase_json(p: &Phase, n: usize) -> Value {
    json!({ "wall_s": p.wall, "cpu_s": p.cpu, "per_s": n as f64 / p.wall, "cpu_ms_each": 1e3 * p.cpu / n as f64 })
}

/// What the `cmedesk booklet --all` child reported.
struct ChildRun {
    booklets: usize,
    peak_rss_mib: Option<f64>,
}

/// Runs `cmedesk booklet --all` (this executable) on `desk`'s file, signed in as a bench admin,
/// and returns its count, its peak RSS and its wall and CPU time (the child's own figures,
/// whatever this process holds).
fn booklet_process(
    desk: &mut Desk,
    actor: &Actor,
    year: i32,
    out: &Path,
    threads: usize,
) -> Result<(ChildRun, Phase)> {
    const PASSWORD: &str = "bench-print-2026";
    let db = desk.path().ok_or_else(|| anyhow::anyhow!("the bench database has no file"))?.to_path_buf();
    if cmedesk_core::users::list(desk)?.is_empty() {
        cmedesk_core::users::bootstrap_admin(desk, PASSWORD, actor.now)?;
    }
    // Everything committed reaches the file the child opens.
    desk.checkpoint()?;
    let (stdout_file, stderr_file) = (out.with_extension("stdout.json"), out.with_extension("stderr.txt"));
    let before = children_usage();
    let t0 = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["booklet", "--all", "--json", "--year", &year.to_string(), "--threads", &threads.to_string()])
        .arg("--out")
        .arg(out)
        .arg("--db")
        .arg(&db)
        .env("CMEDESK_OPERATOR", "admin")
        .env("CMEDESK_PASSWORD", PASSWORD)
        // The bench database's key file has no passphrase.
        .env_remove("CMEDESK_DB_PASSPHRASE")
        // Its output goes to files: nothing to drain while this thread watches its memory.
        .stdout(std::fs::File::create(&stdout_file)?)
        .stderr(std::fs::File::create(&stderr_file)?)
        .spawn()?;
    // The child's high-water mark, read from its /proc status while it lives. Not ru_maxrss:
    // Linux folds the spawning process's high-water mark into a child's at exec, so that
    // would report this process's size. VmHWM only grows, and a batch frees at its end, so
    // the last reading (at most 10 ms before the exit) is the peak.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib: Option<f64> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(vm_hwm_kib) {
            peak_kib = Some(peak_kib.map_or(kib, |p: f64| p.max(kib)));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let wall = t0.elapsed().as_secs_f64();
    ensure!(
        status.success(),
        "cmedesk booklet --all failed ({status}): {}",
        std::fs::read_to_string(&stderr_file).unwrap_or_default()
    );
    let after = children_usage();
    let reply: Value = serde_json::from_slice(&std::fs::read(&stdout_file)?)?;
    let booklets = reply["booklets"].as_u64().unwrap_or(0) as usize;
    let cpu = match (before, after) {
        (Some(c0), Some(c1)) => c1 - c0,
        _ => f64::NAN,
    };
    let peak_rss_mib = peak_kib.map(|kib| kib / 1024.0);
    Ok((ChildRun { booklets, peak_rss_mib }, Phase { wall, cpu }))
}

/// `VmHWM` of a /proc status file, KiB.
fn vm_hwm_kib(status: &str) -> Option<f64> {
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds (user + system) of the terminated, waited-for children so far.
#[cfg(unix)]
fn children_usage() -> Option<f64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Some(secs(u.user_time()) + secs(u.system_time()))
}

#[cfg(not(unix))]
fn children_usage() -> Option<f64> {
    None
}

/// Runs the suite in `dir` (a scratch folder the caller removes).
pub fn run(
    dir: &Path,
    desk: &mut Desk,
    actor: &Actor,
    staff: usize,
    per_person: usize,
    threads: usize,
) -> Result<(Value, String)> {
    use chrono::Datelike;
    let year = actor.today().year();
    let (_, setup) = timed(|| {
        let h = synthetic::generate(42, staff, actor.today());
        synthetic::load(desk, actor, &h)?;
        let book = cmedesk_core::rules::RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?;
        let rule_set = book.national_for_year(year).map_err(cmedesk_core::CoreError::from)?.id.clone();
        let ids: Vec<String> =
            cmedesk_core::staff::list(desk, &Default::default())?.into_iter().map(|r| r.staff.id).collect();
        let records = synthetic::credit_records(&ids, year, &rule_set, per_person, 42);
        cmedesk_core::credits::store::record_credits(desk, actor, &book, &records)?;
        Ok(())
    })?;
    let fonts = discover(None)?;
    let scope = BookletScope::All;

    // One booklet from the store: model and PDF, warm caches (as the 2nd of a batch sees them).
    let people = printouts::booklet_people(&*desk, &scope, year)?;
    let first_id =
        people.first().ok_or_else(|| anyhow::anyhow!("the bench hospital has nobody"))?.staff.id.clone();
    drop(people);
    let first_id = first_id.as_str();
    let first = printouts::booklet(&*desk, first_id, year)?;
    let mut printer = Printer::new(fonts.clone());
    let pages = printer.booklet_pages(&first)?.len();
    printer.booklet_pdf(&first)?;
    let t = Instant::now();
    let one = printer.booklet_pdf(&printouts::booklet(&*desk, first_id, year)?)?;
    let one_ms = t.elapsed().as_secs_f64() * 1e3;

    // The queries alone.
    let ((n, rows), store) = timed(|| {
        let mut n = 0;
        let mut rows = 0;
        for m in printouts::booklet_batch(&*desk, &scope, year)? {
            rows += m?.rows.len();
            n += 1;
        }
        Ok((n, rows))
    })?;

    let options = |out: &str| BatchOptions {
        out_dir: dir.join(out),
        mode: BatchMode::PerPerson,
        threads,
        pad_to_even: false,
    };
    let cancel = AtomicBool::new(false);
    let quiet = |_| {};

    // The real pipeline, as an officer runs it: `cmedesk booklet --all` in a process of its
    // own on this database. Its peak RSS is its own (the setup above held the whole generated
    // hospital and 160,000 credit records; glibc keeps freed memory, so measuring in this
    // process would count the setup).
    let load_before = load_average();
    let (child, piped) = booklet_process(desk, actor, year, &dir.join("store"), threads)?;
    let load_after = load_average();
    ensure!(child.booklets == n, "from store: {} of {n} printed", child.booklets);
    let peak = child.peak_rss_mib;
    let (files, bytes, max_bytes) = sizes(&dir.join("store"))?;
    std::fs::remove_dir_all(dir.join("store"))?;

    // Baseline: the same models from memory.
    let models: Vec<BookletModel> =
        printouts::booklet_batch(&*desk, &scope, year)?.collect::<cmedesk_core::Result<_>>()?;
    let (report, memory) = timed(|| {
        Ok(print_booklets(&fonts, models.into_iter(), Some(n), &options("memory"), &quiet, &cancel)?)
    })?;
    ensure!(report.booklets == n, "in memory: {} of {n} printed", report.booklets);
    std::fs::remove_dir_all(dir.join("memory"))?;

    let cores = if threads == 0 {
        std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1)
    } else {
        threads
    };
    let avg_kb = bytes as f64 / files.max(1) as f64 / 1024.0;
    let text = format!(
        "{n} booklets ({rows} stored credits, {pages} pages each for the first), {cores} worker threads, load {load_before} → {load_after}\n\
         setup (hospital + credits into the store): {:.1} s\n\
         one booklet from the store: {one_ms:.1} ms, {} bytes\n\
         store only (models, no PDF):  wall {:6.2} s  CPU {:6.2} s  {:7.1} booklets/s\n\
         from store → PDF (the figure): wall {:6.2} s  CPU {:6.2} s  {:7.1} booklets/s  (target ≤ 30 s on 2 cores)\n\
         in memory → PDF (baseline):    wall {:6.2} s  CPU {:6.2} s  {:7.1} booklets/s  (store/memory CPU {:.2}×)\n\
         files {files}, average {avg_kb:.1} KB, largest {:.1} KB (≤ 50 KB); peak RSS {} MiB (≤ 150 MiB)",
        setup.wall,
        one.len(),
        store.wall,
        store.cpu,
        n as f64 / store.wall,
        piped.wall,
        piped.cpu,
        n as f64 / piped.wall,
        memory.wall,
        memory.cpu,
        n as f64 / memory.wall,
        piped.cpu / memory.cpu.max(1e-9),
        max_bytes as f64 / 1024.0,
        peak.map(|p| format!("{p:.0}")).unwrap_or_else(|| "?".into()),
    );
    let value = json!({
        "booklets": n, "credits": rows, "pages_first": pages, "threads": cores,
        "load_before": load_before, "load_after": load_after,
        "one_booklet": { "ms": one_ms, "bytes": one.len() },
        "store_only": phase_json(&store, n),
        "from_store": phase_json(&piped, n),
        "in_memory": phase_json(&memory, n),
        "files": files, "avg_kb": avg_kb, "max_kb": max_bytes as f64 / 1024.0, "peak_rss_mib": peak,
    });
    Ok((value, text))
}
