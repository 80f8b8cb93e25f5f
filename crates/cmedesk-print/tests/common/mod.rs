//! Shared fixtures for the PDF tests: synthetic people and credit rows, font sets, and helpers
//! that run the real poppler tools (`pdftotext`, `pdffonts`, `pdfinfo`, `pdftoppm`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use chrono::NaiveDate;
use cmedesk_core::booklet::{Amount, BookletHeader, BookletModel, BookletRow, Subject};
use cmedesk_print::fonts::{FontSet, FontSpec, LoadedFont};

pub const WQY: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
pub const NOTO: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

pub fn wqy() -> Arc<LoadedFont> {
    LoadedFont::load(&FontSpec::new(WQY, 0))
        .unwrap_or_else(|e| panic!("{e} (apt-get install fonts-wqy-microhei)"))
}

pub fn noto() -> Arc<LoadedFont> {
    LoadedFont::load(&FontSpec::new(NOTO, 2))
        .unwrap_or_else(|e| panic!("{e} (apt-get install fonts-noto-cjk)"))
}

/// WenQuanYi primary with Noto CJK SC as fallback: the Debian default pair.
pub fn fonts() -> FontSet {
    FontSet::from_fonts(vec![wqy(), noto()]).unwrap_or_else(|e| panic!("{e}"))
}

const TITLES: [&str; 12] = [
    "中国急性心肌梗死救治项目区域启动会",
    "护理学会癌痛护理新进展学术研讨会",
    "医患沟通与健康型社会构建",
    "基层医院抗菌药物合理应用培训班（第二期）",
    "重症医学新进展：ECMO在心源性休克中的应用",
    "全国糖尿病足综合防治学习班",
    "医疗安全与法律法规（公需科目）",
    "Evidence-based Medicine 循证医学方法学",
    "儿童哮喘规范化诊治高级研修班，含病例讨论",
    "院内感染防控与手卫生依从性提升",
    "超声引导下区域神经阻滞技术",
    "临床路径管理与DRG付费改革解读",
];
const FORMS: [&str; 4] = ["继续医学教育项目", "远程教育", "学术会议", "培训班"];
const GRADES: [&str; 4] = ["I类学分", "II类学分", "合格", "国家级"];
const ORGS: [&str; 5] = [
    "示例市中心医院",
    "示例医学会",
    "华西示例远程平台",
    "示例省护理学会",
    "示例大学附属第一医院",
];

/// `n` deterministic rows; every 4th is a general subject.
pub fn rows(n: usize, year: i32) -> Vec<BookletRow> {
    (0..n)
        .map(|i| {
            let day = NaiveDate::from_ymd_opt(year, 1 + (i % 12) as u32, 1 + (i * 7 % 28) as u32)
                .unwrap_or_default();
            BookletRow {
                started_on: day,
                ended_on: if i % 3 == 0 { day.succ_opt() } else { None },
                form: FORMS[i % FORMS.len()].to_string(),
                content: format!(
                    "{}{}",
                    TITLES[i % TITLES.len()],
                    if i >= TITLES.len() {
                        format!("（{}）", i)
                    } else {
                        String::new()
                    }
                ),
                grade: GRADES[i % GRADES.len()].to_string(),
                hours: Amount::from_hundredths(300 * (1 + (i % 5) as i64)),
                credits: Amount::from_hundredths(50 * (1 + (i % 4) as i64)),
                organizer: ORGS[i % ORGS.len()].to_string(),
                subject: if i % 4 == 3 {
                    Subject::General
                } else {
                    Subject::Professional
                },
            }
        })
        .collect()
}

pub fn header(name: &str, department: &str, year: i32) -> BookletHeader {
    BookletHeader {
        unit: "示例县中医院".to_string(),
        department: department.to_string(),
        name: name.to_string(),
        card_no: "0627120049".to_string(),
        year,
    }
}

pub fn model(name: &str, n: usize) -> BookletModel {
    BookletModel::new(header(name, "心内科", 2025), rows(n, 2025))
}

pub fn out_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("cmedesk-print-tests").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (apt-get install poppler-utils)"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pdftotext` of the whole file, or of one page.
pub fn pdftotext(path: &Path, page: Option<usize>) -> String {
    let p = path.to_string_lossy();
    match page {
        Some(n) => {
            let n = n.to_string();
            run("pdftotext", &["-f", &n, "-l", &n, &p, "-"])
        }
        None => run("pdftotext", &[&p, "-"]),
    }
}

/// Text with all whitespace removed: wrapped cells come back as several lines.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn pages(path: &Path) -> usize {
    let info = run("pdfinfo", &[&path.to_string_lossy()]);
    info.lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

/// `pdffonts` rows: (name, embedded, subset, unicode).
pub fn pdffonts(path: &Path) -> Vec<(String, bool, bool, bool)> {
    let out = run("pdffonts", &[&path.to_string_lossy()]);
    out.lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let n = cols.len();
            // name type encoding emb sub uni object-id: the last five are fixed width words.
            let yes = |s: &str| s == "yes";
            (
                cols[0].to_string(),
                yes(cols[n - 5]),
                yes(cols[n - 4]),
                yes(cols[n - 3]),
            )
        })
        .collect()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    p
}
