//! Import of a 100,000-row roster against calamine's bare parse of the same file (target
//! ≤ 1.3×), and export of 100,000 credit-like rows against a bare rust_xlsxwriter write of the
//! same cells (target ≤ 1.2×). Prints both ratios at the end of the run, from the medians of the
//! very samples criterion measured.
//!
//! The bare parse is calamine's streaming cell reader visiting every cell of the sheet (the
//! fastest way calamine reads them, and the way the import reads them); building a whole
//! `Range` would be slower and flatter the ratio.
//!
//! Both are measured twice: on our own export of the roster (inline strings) and on the same
//! cells saved with a shared-strings table, as Excel and WPS save files.
//!
//! The import streams the same cells, parsing the XML on a second thread while this one cleans
//! (see `read::Sheet`), so on an idle two-core machine it overlaps calamine's own parse; on a
//! loaded machine the ratio grows with the extra CPU it spends (`examples/import_phases.rs`
//! prints CPU seconds per phase).
//!
//! "Import" here is everything before the database: open, find the header, clean and validate
//! every cell (ID checksums, dates, enums), in-file duplicate checks, department lookup and
//! building the core's `NewStaff` inputs. The core's batch insert is measured once, separately,
//! and printed too (it is the core's cost, benchmarked by the core's own roster bench).

use std::{
    hint::black_box,
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use calamine::{Reader, Sheets, open_workbook_auto};
use chrono::{DateTime, Datelike, Days, NaiveDate};
use cmedesk_core::{
    Actor, Desk, Operator, Role,
    departments::{self, NewDepartment},
    id_number, staff,
};
use cmedesk_sheets::{ImportOptions, Template, Value, domain, read, write_xlsx};
use criterion::{Criterion, criterion_group};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const ROWS: usize = 100_000;
const DEPARTMENTS: usize = 12;

fn actor() -> Actor {
    Actor::new(
        Operator {
            username: "bench".into(),
            display_name: "bench".into(),
            role: Role::Admin,
            department_id: None,
        },
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("fixed time"),
    )
}

fn desk_with_departments() -> Desk {
    let mut d = Desk::open_in_memory().expect("desk");
    for i in 0..DEPARTMENTS {
        departments::add(&mut d, &actor(), NewDepartment { name: format!("科室{i}"), ..Default::default() })
            .expect("department");
    }
    d
}

/// A made-up name (the core refuses digits in names).
fn name(i: usize) -> String {
    const FAMILY: [char; 10] = ['赵', '钱', '孙', '李', '周', '吴', '郑', '王', '冯', '陈'];
    const GIVEN: [char; 10] = ['一', '明', '华', '芳', '伟', '静', '强', '丽', '军', '敏'];
    [FAMILY[i % 10], GIVEN[(i / 10) % 10], GIVEN[(i / 100) % 10]].iter().collect()
}

fn roster_rows() -> Vec<Vec<Value>> {
    let titles = [("住院医师", "junior"), ("主治医师", "intermediate"), ("副主任医师", "associate_senior")];
    (0..ROWS)
        .map(|i| {
            let birth = NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + Days::new((i / 400) as u64);
            let seq = (i % 400) as u16 * 2 + 1 + (i % 2) as u16;
            let id = id_number::compose("110105", birth, seq);
            let (title, level) = titles[i % 3];
            vec![
                Value::Text(name(i)),
                Value::Text(if seq % 2 == 1 { "male" } else { "female" }.into()),
                Value::Text(id),
                Value::Text(format!("32{:08}", i)),
                Value::Text(format!("科室{}", i % DEPARTMENTS)),
                Value::Text(title.into()),
                Value::Text(level.into()),
                Value::Text("医师".into()),
                Value::Text(format!("138{:08}", i)),
                Value::Text("active".into()),
            ]
        })
        .collect()
}

fn credit_rows() -> Vec<Vec<Value>> {
    let levels = ["national", "provincial", "municipal", "hospital"];
    let states = ["pending", "returned", "rejected", "approved"];
    (0..ROWS)
        .map(|i| {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + Days::new((i % 330) as u64);
            let birth = NaiveDate::from_ymd_opt(1970, 1, 1).expect("date") + Days::new((i % 9000) as u64);
            vec![
                Value::Text(format!("测试人员{}", i % 997)),
                Value::Text(id_number::compose("110105", birth, (i % 900) as u16 + 1)),
                Value::Date(day),
                Value::Text(format!("2026-{:02}-01-{:03}(国)", i % 30 + 1, i % 1000)),
                Value::Text(format!("第{}期心血管疾病诊疗进展学习班", i % 50)),
                Value::Text("继续医学教育项目".into()),
                Value::Text(levels[i % 4].into()),
                Value::Text("内科学".into()),
                Value::Text("培训班".into()),
                Value::Decimal(((i % 12) as f64 + 1.0) * 1.5),
                Value::Decimal(((i % 12) as f64 + 1.0) * 0.5),
                Value::Text(states[i % 4].into()),
            ]
        })
        .collect()
}

/// The same cells, already in their final form, for the bare writer.
enum Cell {
    S(String),
    N(f64),
    D(ExcelDateTime),
}

fn bare_cells(t: &Template, rows: &[Vec<Value>]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Decimal(f) => Cell::N(*f),
                    Value::Integer(n) => Cell::N(*n as f64),
                    Value::Date(d) => Cell::D(
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .expect("date"),
                    ),
                    Value::Text(s) => {
                        let c = &t.columns[i];
                        Cell::S(
                            c.choices
                                .iter()
                                .find(|x| &x.value == s)
                                .map_or_else(|| s.clone(), |x| x.label.clone()),
                        )
                    }
                    _ => Cell::S(String::new()),
                })
                .collect()
        })
        .collect()
}

/// How a workbook stores its text: inline in each cell (our exporter's constant-memory mode), or
/// in one shared-strings table the cells point into (how Excel and WPS save a file).
#[derive(Clone, Copy)]
enum Strings {
    Inline,
    Shared,
}

fn bare_write(t: &Template, cells: &[Vec<Cell>], path: &Path, strings: Strings) {
    let mut wb = Workbook::new();
    let ws = match strings {
        Strings::Inline => wb.add_worksheet_with_constant_memory(),
        Strings::Shared => Ok(wb.add_worksheet()),
    }
    .expect("worksheet");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, col) in t.columns.iter().enumerate() {
        ws.write_string(0, c as u16, &col.header).expect("header");
    }
    for (r, row) in cells.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::S(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::D(d) => ws.write_datetime_with_format(r, c, d, &date).map(|_| ()),
            }
            .expect("cell");
        }
    }
    wb.save(path).expect("save");
}

/// Per sample: wall time and this process's CPU time (all threads), per iteration.
type Samples = Arc<Mutex<Vec<(Duration, f64)>>>;

/// This process's CPU time (user + system, every thread) so far, from /proc (Linux), in seconds:
/// on a shared machine the wall-clock ratio moves with the load, the CPU ratio much less.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn timed(samples: &Samples, iters: u64, mut f: impl FnMut()) -> Duration {
    let (start, cpu0) = (Instant::now(), cpu_s());
    for _ in 0..iters {
        f();
    }
    let d = start.elapsed();
    let n = iters.max(1);
    samples.lock().expect("samples").push((d / n as u32, (cpu_s() - cpu0) / n as f64));
    d
}

/// Medians of the wall times and of the CPU times.
fn median(samples: &Samples) -> (Duration, f64) {
    let v = samples.lock().expect("samples").clone();
    let mut wall: Vec<Duration> = v.iter().map(|s| s.0).collect();
    let mut cpu: Vec<f64> = v.iter().map(|s| s.1).collect();
    wall.sort();
    cpu.sort_by(f64::total_cmp);
    (
        wall.get(wall.len() / 2).copied().unwrap_or_default(),
        cpu.get(cpu.len() / 2).copied().unwrap_or_default(),
    )
}

/// Benchmarks calamine's bare parse of `path` and the import's dry run of it, in one group;
/// returns their samples (wall, CPU).
fn import_group(c: &mut Criterion, group: &str, path: &Path, desk: &Desk) -> (Samples, Samples) {
    let roster_t = Template::get("staff-roster").expect("template");
    let today = actor().today();
    let (bare_parse, import): (Samples, Samples) = Default::default();
    let mut g = c.benchmark_group(group);
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    g.bench_function("calamine_bare_parse", |b| {
        b.iter_custom(|iters| {
            timed(&bare_parse, iters, || {
                // calamine's fastest read of every cell the import reads: its streaming cell
                // reader, each value looked at once (the import reads the same stream).
                let Sheets::Xlsx(mut wb) = open_workbook_auto(path).expect("open") else {
                    panic!("an .xlsx file");
                };
                let name = wb.sheet_names()[0].clone();
                let mut cells = wb.worksheet_cells_reader(&name).expect("sheet");
                let mut n = 0usize;
                while let Some(c) = cells.next_cell().expect("cell") {
                    black_box(c.get_value());
                    n += 1;
                }
                assert_eq!(n, (ROWS + 1) * roster_t.columns.len());
            })
        })
    });
    g.bench_function("import_dry_run", |b| {
        b.iter_custom(|iters| {
            timed(&import, iters, || {
                // The import's own path: each person built as its row completes (parse_streaming).
                let sheet = read::open(path).expect("open");
                let mut roster = domain::StaffInputs::new(desk, &roster_t).expect("roster");
                let parsed = read::parse_streaming(
                    &roster_t,
                    &sheet,
                    today,
                    &Default::default(),
                    &mut |_, _| {},
                    &mut |r, p| roster.take(r, p),
                )
                .expect("parse");
                let inputs = roster.finish();
                assert_eq!((inputs.len(), parsed.rejected.len()), (ROWS, 0));
                black_box(inputs);
            })
        })
    });
    g.finish();
    (bare_parse, import)
}

/// Prints one import ratio line, wall and CPU, from the medians of the samples.
fn print_import(label: &str, (bare_parse, import): &(Samples, Samples)) {
    let ((p, p_cpu), (i, i_cpu)) = (median(bare_parse), median(import));
    println!(
        "import roster ({label}): calamine bare parse {:.3} s, import (dry run, to NewStaff) {:.3} s, ratio {:.2}x (target <= 1.30x); CPU {p_cpu:.3} s vs {i_cpu:.3} s, ratio {:.2}x",
        p.as_secs_f64(),
        i.as_secs_f64(),
        i.as_secs_f64() / p.as_secs_f64(),
        i_cpu / p_cpu.max(1e-9),
    );
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let roster_t = Template::get("staff-roster").expect("template");
    let roster = roster_rows();
    // Our own export of the roster (inline strings), and the same cells saved the way Excel and
    // WPS save them (a shared-strings table): officers import both kinds.
    let roster_path = dir.path().join("roster-100k.xlsx");
    write_xlsx(&roster_t, &roster, &roster_path).expect("roster file");
    let shared_path = dir.path().join("roster-100k-shared-strings.xlsx");
    bare_write(&roster_t, &bare_cells(&roster_t, &roster), &shared_path, Strings::Shared);
    drop(roster);
    let desk = desk_with_departments();
    let inline = import_group(c, "import_roster_100k", &roster_path, &desk);
    let shared = import_group(c, "import_roster_100k_shared_strings", &shared_path, &desk);

    let credit_t = Template::get("credit-list").expect("template");
    let rows = credit_rows();
    let cells = bare_cells(&credit_t, &rows);
    let (bare_write_s, export): (Samples, Samples) = Default::default();
    let out = dir.path().join("credits.xlsx");
    let mut g = c.benchmark_group("export_credits_100k");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    g.bench_function("rust_xlsxwriter_bare_write", |b| {
        b.iter_custom(|iters| {
            timed(&bare_write_s, iters, || bare_write(&credit_t, &cells, &out, Strings::Inline))
        })
    });
    g.bench_function("export", |b| {
        b.iter_custom(|iters| {
            timed(&export, iters, || {
                write_xlsx(&credit_t, &rows, &out).expect("export");
            })
        })
    });
    g.finish();

    // The full import once, commit included (the core's batch insert of 100,000 people).
    let mut d = desk_with_departments();
    let start = Instant::now();
    let r = cmedesk_sheets::import(
        &mut d,
        &actor(),
        &roster_t,
        &roster_path,
        &ImportOptions::default(),
        &mut |_, _| {},
    )
    .expect("import");
    let full = start.elapsed();
    assert_eq!((r.imported, staff::count(&d).expect("count")), (ROWS, ROWS as i64));

    let ((w, _), (e, _)) = (median(&bare_write_s), median(&export));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\n=== cmedesk-sheets, {ROWS} rows (medians of the samples above) ===");
    print_import("inline strings, our export", &inline);
    print_import("shared strings, as Excel/WPS save", &shared);
    println!("load average {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    println!(
        "export credits: bare rust_xlsxwriter write {:.3} s, export {:.3} s, ratio {:.2}x (target <= 1.20x)",
        w.as_secs_f64(),
        e.as_secs_f64(),
        e.as_secs_f64() / w.as_secs_f64()
    );
    println!("full import with the core's commit of {ROWS} people (once): {:.3} s", full.as_secs_f64());
}

criterion_group!(sheets, benches);

fn main() {
    sheets();
    Criterion::default().configure_from_args().final_summary();
}
