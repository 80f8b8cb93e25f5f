//! `bench`: times the core's hot paths on a scratch database, with the targets of their issues.

use std::time::{Duration, Instant};

use anyhow::Result;
use clap::{Args, ValueEnum};
use cmedesk_core::{Actor, Desk, Operator, staff, synthetic};
use serde_json::json;

use crate::context::{Context, Reply};

#[derive(Clone, Copy, ValueEnum)]
pub enum Suite {
    /// Insert N staff in one transaction; find by name prefix, ID number and card key
    Roster,
    /// Generate and load the demo hospital (what `cmedesk demo` does)
    Demo,
    /// Print every person's booklet from stored credits (--staff default 5,000), with baselines
    Booklets,
}

#[derive(Args)]
pub struct BenchArgs {
    #[arg(value_enum)]
    suite: Suite,
    /// Staff to generate [default: 100,000; booklets: 5,000]
    #[arg(long)]
    staff: Option<usize>,
    /// Booklets: stored credits per person (32 fill two pages)
    #[arg(long, default_value_t = 32)]
    credits_per_person: usize,
    /// Booklets: worker threads [default: one per core]
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Queries per kind for the find figures
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

pub fn run(ctx: &mut Context, args: BenchArgs) -> Result<Reply> {
    let now = ctx.now()?;
    let actor = Actor::new(Operator::system(), now);
    let dir = std::env::temp_dir().join(format!("cmedesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.db");
    let result = (|| -> Result<Reply> {
        let mut desk = Desk::create(&path)?;
        match args.suite {
            Suite::Booklets => {
                let staff = args.staff.unwrap_or(5_000);
                let (value, text) = super::bench_booklets::run(
                    &dir,
                    &mut desk,
                    &actor,
                    staff,
                    args.credits_per_person,
                    args.threads,
                )?;
                Ok(Reply::new(value, text))
            }
            Suite::Demo => {
                let t = Instant::now();
                let h = synthetic::generate(42, 2000, actor.today());
                let report = synthetic::load(&mut desk, &actor, &h)?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                Ok(Reply::new(
                    json!({ "demo_load_ms": ms, "staff": report.staff }),
                    format!("demo load (2,000 staff, file db): {ms:.0} ms"),
                ))
            }
            Suite::Roster => {
                let staff_n = args.staff.unwrap_or(100_000);
                let h = synthetic::generate(7, staff_n, actor.today());
                let d = cmedesk_core::departments::add(
                    &mut desk,
                    &actor,
                    cmedesk_core::departments::NewDepartment {
                        name: "基准科室".into(),
                        ..Default::default()
                    },
                )?;
                let people: Vec<_> = h
                    .staff
                    .iter()
                    .map(|s| staff::NewStaff { department_id: d.id.clone(), ..s.person.clone() })
                    .collect();
                let t = Instant::now();
                staff::add_many(&mut desk, &actor, people)?;
                let insert_s = t.elapsed().as_secs_f64();
                let mut rng = synthetic::Rng::new(1);
                let mut time = |q: &dyn Fn(&mut synthetic::Rng) -> String| -> Result<(f64, f64)> {
                    let mut samples = Vec::with_capacity(args.queries);
                    for _ in 0..args.queries {
                        let query = q(&mut rng);
                        let t = Instant::now();
                        let found = staff::find(&desk, &query, 50)?;
                        samples.push(t.elapsed());
                        anyhow::ensure!(!found.is_empty(), "bench query {query} found nobody");
                    }
                    Ok((percentile(&mut samples, 0.5), percentile(&mut samples, 0.95)))
                };
                let pick = |r: &mut synthetic::Rng| &h.staff[r.below(h.staff.len())].person;
                let by_name = time(&|r| pick(r).name.chars().take(2).collect())?;
                let by_id = time(&|r| pick(r).id_number.clone())?;
                let by_card = time(&|r| loop {
                    if let Some(c) = &pick(r).card_key {
                        break c.clone();
                    }
                })?;
                let text = format!(
                    "insert {} staff in one transaction: {insert_s:.2} s (target ≤ 2 s)\n\
                     find p50/p95 (target p95 ≤ 5 ms): name prefix {:.3}/{:.3} ms, ID number {:.3}/{:.3} ms, card key {:.3}/{:.3} ms",
                    staff_n, by_name.0, by_name.1, by_id.0, by_id.1, by_card.0, by_card.1
                );
                Ok(Reply::new(
                    json!({
                        "staff": staff_n, "insert_s": insert_s,
                        "find_name_prefix_ms": { "p50": by_name.0, "p95": by_name.1 },
                        "find_id_number_ms": { "p50": by_id.0, "p95": by_id.1 },
                        "find_card_key_ms": { "p50": by_card.0, "p95": by_card.1 },
                    }),
                    text,
                ))
            }
        }
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
