//! Benchmark: N two-page booklets as one PDF per person, all cores.
//!
//! `cargo run --release -p cmedesk-print --example bench_booklets -- [N] [OUT_DIR]`
//! Run under `/usr/bin/time -v` for peak RSS. Prints one booklet's size and time, then the
//! batch's wall time, files, average and largest size.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::NaiveDate;
use cmedesk_core::booklet::{Amount, BookletHeader, BookletModel, BookletRow, Subject};
use cmedesk_print::batch::{BatchMode, BatchOptions, print_booklets};
use cmedesk_print::{Printer, discover};

const TITLES: [&str; 6] = [
    "中国急性心肌梗死救治项目区域启动会",
    "护理学会癌痛护理新进展学术研讨会",
    "基层医院抗菌药物合理应用培训班（第二期）",
    "重症医学新进展：ECMO在心源性休克中的应用",
    "医疗安全与法律法规（公需科目）",
    "临床路径管理与DRG付费改革解读",
];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲燕红晶雪琳喆堃赟玥珺";

fn model(i: usize, rows: usize) -> BookletModel {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let name = format!("{}{}{}", s[i % s.len()], g[(i / 7) % g.len()], g[(i / 3 + 5) % g.len()]);
    let header = BookletHeader {
        unit: "示例市第一人民医院".into(),
        department: ["心内科", "儿科", "护理部", "急诊科", "检验科"][i % 5].into(),
        name,
        card_no: format!("{:010}", 1_627_120_000 + i),
        year: 2025,
    };
    let rows = (0..rows)
        .map(|k| BookletRow {
            started_on: NaiveDate::from_ymd_opt(2025, 1 + (k % 12) as u32, 1 + ((k * 5 + i) % 28) as u32)
                .unwrap_or_default(),
            ended_on: None,
            form: ["继续医学教育项目", "远程教育", "学术会议"][k % 3].into(),
            content: TITLES[(k + i) % TITLES.len()].into(),
            grade: ["I类学分", "II类学分", "合格"][k % 3].into(),
            hours: Amount::from_hundredths(300 * (1 + (k % 4) as i64)),
            credits: Amount::from_hundredths(100 * (1 + (k % 3) as i64)),
            organizer: ["示例市中心医院", "示例医学会", "华医示例平台"][k % 3].into(),
            subject: if k % 5 == 0 { Subject::General } else { Subject::Professional },
        })
        .collect();
    BookletModel::new(header, rows)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5000);
    let out = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("cmedesk-bench"));
    let rows = 26;

    let t = Instant::now();
    let fonts = discover(None)?;
    println!(
        "fonts: {} (loaded in {:.0} ms)",
        fonts.fonts.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(" + "),
        t.elapsed().as_secs_f64() * 1e3
    );

    let mut printer = Printer::new(fonts.clone());
    let one = model(0, rows);
    let pages = printer.booklet_pages(&one)?.len();
    anyhow::ensure!(pages == 2, "benchmark booklet should be 2 pages, is {pages}");
    let _ = printer.booklet_pdf(&one)?; // warm the glyph caches
    let t = Instant::now();
    let reps = 20;
    let mut size = 0;
    for i in 0..reps {
        size = printer.booklet_pdf(&model(i + 1, rows))?.len();
    }
    println!("one 2-page booklet: {:.1} ms, {} bytes", t.elapsed().as_secs_f64() * 1e3 / reps as f64, size);

    let _ = std::fs::remove_dir_all(&out);
    let cancel = AtomicBool::new(false);
    let opts =
        BatchOptions { out_dir: out.clone(), mode: BatchMode::PerPerson, threads: 0, pad_to_even: false };
    let t = Instant::now();
    let report = print_booklets(&fonts, (0..n).map(|i| model(i, rows)), Some(n), &opts, &|_| {}, &cancel)?;
    let secs = t.elapsed().as_secs_f64();
    let sizes: Vec<u64> = report.files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).collect();
    let total: u64 = sizes.iter().sum();
    println!(
        "batch: {} booklets in {:.2} s ({:.1} ms each), {} failures, avg {} bytes, max {} bytes, total {:.1} MB -> {}",
        report.booklets,
        secs,
        secs * 1e3 / report.booklets.max(1) as f64,
        report.failures.len(),
        total / sizes.len().max(1) as u64,
        sizes.iter().max().copied().unwrap_or(0),
        total as f64 / 1e6,
        out.display()
    );
    Ok(())
}
