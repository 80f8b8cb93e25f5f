//! Roster benchmarks (issue 2 targets): insert 100,000 staff in one transaction (≤ 2 s), and
//! `staff::find` by name prefix, ID number and card key among 100,000 (p95 ≤ 5 ms; criterion
//! reports the mean and spread, `cmedesk bench roster` the percentiles).

use std::{hint::black_box, time::Duration};

use chrono::DateTime;
use cmedesk_core::{Actor, Desk, Operator, departments, staff, synthetic};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const STAFF: usize = 100_000;

fn actor() -> Actor {
    Actor::new(Operator::system(), DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap())
}

/// A fresh file database with one department, and the people to insert into it.
fn setup(hospital: &synthetic::Hospital) -> (tempfile::TempDir, Desk, Vec<staff::NewStaff>) {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::create(&dir.path().join("bench.db")).unwrap();
    let d = departments::add(
        &mut desk,
        &actor(),
        departments::NewDepartment { name: "基准科室".into(), ..Default::default() },
    )
    .unwrap();
    let people = hospital
        .staff
        .iter()
        .map(|s| staff::NewStaff { department_id: d.id.clone(), ..s.person.clone() })
        .collect();
    (dir, desk, people)
}

fn insert(c: &mut Criterion) {
    let hospital = synthetic::generate(7, STAFF, actor().today());
    let mut g = c.benchmark_group("roster");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("insert_100k_staff_one_transaction", |b| {
        b.iter_batched(
            || setup(&hospital),
            // Timed to the commit (durable: the WAL is synced). The desk is handed back so that
            // closing it — which checkpoints the WAL into the file, work the app leaves to a
            // background thread — and removing the directory happen after the measurement
            // (criterion drops a routine's outputs outside the timing).
            |(dir, mut desk, people)| {
                let added = staff::add_many(&mut desk, &actor(), people).unwrap();
                (dir, desk, added)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn find(c: &mut Criterion) {
    let hospital = synthetic::generate(7, STAFF, actor().today());
    let (_dir, mut desk, people) = setup(&hospital);
    staff::add_many(&mut desk, &actor(), people).unwrap();
    let mut rng = synthetic::Rng::new(1);
    let mut pick = move || hospital.staff[rng.below(STAFF)].person.clone();
    let mut g = c.benchmark_group("find_among_100k");
    g.bench_function("name_prefix", |b| {
        b.iter_batched(
            || pick().name.chars().take(2).collect::<String>(),
            |q| black_box(staff::find(&desk, &q, 50).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("id_number", |b| {
        b.iter_batched(
            || pick().id_number,
            |q| black_box(staff::find(&desk, &q, 50).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("card_key", |b| {
        b.iter_batched(
            || loop {
                if let Some(k) = pick().card_key {
                    break k;
                }
            },
            |q| black_box(staff::find(&desk, &q, 50).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, insert, find);
criterion_main!(benches);
