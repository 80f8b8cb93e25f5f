//! A 100,000-row roster import against calamine's bare parse of the same file, the two measured
//! in turn so a noisy machine shifts both alike (a quicker aid than the criterion benchmark, for
//! profiling): `cargo run --release -p cmedesk-sheets --example import_phases [REPETITIONS]`.

use std::{hint::black_box, time::Instant};

use calamine::{Reader, Sheets, open_workbook_auto};
use chrono::{Days, NaiveDate};
use cmedesk_core::{
    Actor, Desk, Operator, Role,
    departments::{self, NewDepartment},
    id_number,
};
use cmedesk_sheets::{Template, Value, domain, read, write_xlsx};

/// This process's CPU time (user + system) so far, from /proc (Linux), in seconds.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() {
    let rows = 100_000usize;
    let actor = Actor::new(
        Operator { username: "p".into(), display_name: "p".into(), role: Role::Admin, department_id: None },
        chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("time"),
    );
    let t = Template::get("staff-roster").expect("template");
    let data: Vec<Vec<Value>> = (0..rows)
        .map(|i| {
            let birth = NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + Days::new((i / 400) as u64);
            let seq = (i % 400) as u16 * 2 + 1 + (i % 2) as u16;
            vec![
                Value::Text(["赵明", "钱华", "孙芳"][i % 3].into()),
                Value::Text(if seq % 2 == 1 { "male" } else { "female" }.into()),
                Value::Text(id_number::compose("110105", birth, seq)),
                Value::Text(format!("32{i:08}")),
                Value::Text(format!("科室{}", i % 12)),
                Value::Text("主治医师".into()),
                Value::Text("intermediate".into()),
                Value::Text("医师".into()),
                Value::Text(format!("138{i:08}")),
                Value::Text("active".into()),
            ]
        })
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("r.xlsx");
    write_xlsx(&t, &data, &path).expect("write");
    let mut desk = Desk::open_in_memory().expect("desk");
    for i in 0..12 {
        departments::add(&mut desk, &actor, NewDepartment { name: format!("科室{i}"), ..Default::default() })
            .expect("dept");
    }
    let reps: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let (mut bares, mut imports, mut bare_cpu, mut import_cpu) = (vec![], vec![], vec![], vec![]);
    for _ in 0..reps {
        let c0 = cpu();
        let s = Instant::now();
        let Sheets::Xlsx(mut wb) = open_workbook_auto(&path).expect("open") else { panic!() };
        let name = wb.sheet_names()[0].clone();
        let mut cells = wb.worksheet_cells_reader(&name).expect("sheet");
        while let Some(c) = cells.next_cell().expect("cell") {
            black_box(c.get_value());
        }
        drop(cells);
        let bare = s.elapsed();
        let c1 = cpu();
        // The import's own path, as the criterion bench runs it: each person built as its row
        // completes (parse_streaming), then the inputs handed over.
        let s = Instant::now();
        let sheet = read::open(&path).expect("open");
        let opened = s.elapsed();
        let mut roster = domain::StaffInputs::new(&desk, &t).expect("roster");
        let parsed = read::parse_streaming(
            &t,
            &sheet,
            actor.today(),
            &Default::default(),
            &mut |_, _| {},
            &mut |r, p| roster.take(r, p),
        )
        .expect("parse");
        let parse = s.elapsed();
        let inputs = roster.finish();
        assert_eq!(inputs.len(), rows);
        drop(inputs);
        drop(parsed);
        let dropped = s.elapsed();
        let c2 = cpu();
        println!(
            "bare {:.3} s ({:.2} CPU)  import: open {:.3}  parse+domain {:.3}  +drop {:.3} s ({:.2} CPU)",
            bare.as_secs_f64(),
            c1 - c0,
            opened.as_secs_f64(),
            parse.as_secs_f64(),
            dropped.as_secs_f64(),
            c2 - c1
        );
        bares.push(bare.as_secs_f64());
        imports.push(dropped.as_secs_f64());
        bare_cpu.push(c1 - c0);
        import_cpu.push(c2 - c1);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (b, i) = (median(&mut bares), median(&mut imports));
    let (bc, ic) = (median(&mut bare_cpu), median(&mut import_cpu));
    println!("median: bare {b:.3} s, import {i:.3} s, ratio {:.2}x; CPU ratio {:.2}x", i / b, ic / bc);
}
