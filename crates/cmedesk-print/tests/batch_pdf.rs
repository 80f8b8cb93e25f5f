//! Batch printing on real threads and real files: naming, failures that do not sink the
//! batch, combined files of bounded size, progress and cancel.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use cmedesk_core::booklet::BookletModel;
use cmedesk_print::batch::{BatchMode, BatchOptions, BatchProgress, print_booklets};
use cmedesk_print::{FontSet, PrintError};
use common::*;

fn people(n: usize) -> Vec<BookletModel> {
    let departments = ["心内科", "儿科", "护理部", "急诊科"];
    (0..n)
        .map(|i| {
            let name = format!("测试{}", ["甲", "乙", "丙", "丁", "戊", "己"][i % 6]);
            BookletModel::new(header(&name, departments[i % 4], 2025), rows(i % 9, 2025))
        })
        .collect()
}

fn no_part_files(dir: &std::path::Path) {
    let parts = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with(".part")).count()
        })
        .unwrap_or(0);
    assert_eq!(parts, 0, "no partial files left behind");
}

#[test]
fn one_pdf_per_person_named_department_name_year() {
    let dir = out_dir("batch_per_person");
    let mut models = people(30);
    // A person whose name WenQuanYi cannot draw: this font set has no fallback.
    models[7] = BookletModel::new(header("𠮷示例", "口腔科", 2025), rows(1, 2025));
    let wqy_only = FontSet::from_fonts(vec![wqy()]).unwrap_or_else(|e| panic!("{e}"));
    let seen: Mutex<Vec<BatchProgress>> = Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let opts =
        BatchOptions { out_dir: dir.clone(), mode: BatchMode::PerPerson, threads: 2, pad_to_even: false };
    let report = print_booklets(
        &wqy_only,
        models.clone().into_iter(),
        Some(models.len()),
        &opts,
        &|p| seen.lock().map(|mut s| s.push(p)).unwrap_or(()),
        &cancel,
    )
    .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(report.booklets, 29);
    assert_eq!(report.files.len(), 29);
    assert!(!report.cancelled);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].name, "𠮷示例");
    assert!(matches!(report.failures[0].error, PrintError::MissingGlyph { ch: '𠮷', .. }));
    // People 0 and 12 and 24 share department and name: later ones get (2), (3).
    let names: Vec<String> =
        report.files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    assert_eq!(names[0], "心内科_测试甲_2025.pdf");
    assert!(names.contains(&"心内科_测试甲_2025(2).pdf".to_string()), "{names:?}");
    assert!(names.contains(&"心内科_测试甲_2025(3).pdf".to_string()));
    for f in &report.files {
        assert!(pages(f) >= 1, "{f:?} is a readable PDF");
    }
    let seen = seen.into_inner().unwrap_or_default();
    assert_eq!(seen.len(), 30);
    assert_eq!(seen.iter().map(|p| p.done).max(), Some(30));
    assert_eq!(seen.iter().map(|p| p.failed).max(), Some(1));
    no_part_files(&dir);
}

#[test]
fn combined_files_hold_at_most_n_booklets_each() {
    let dir = out_dir("batch_combined");
    let models = people(25);
    let cancel = AtomicBool::new(false);
    let opts = BatchOptions {
        out_dir: dir.clone(),
        mode: BatchMode::Combined { max_booklets_per_file: 10 },
        threads: 2,
        pad_to_even: false,
    };
    let report = print_booklets(&fonts(), models.clone().into_iter(), None, &opts, &|_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.files.len(), 3);
    assert_eq!(report.booklets, 25);
    let names: Vec<String> =
        report.files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        ["学分登记手册_2025_0001.pdf", "学分登记手册_2025_0002.pdf", "学分登记手册_2025_0003.pdf"]
    );
    // Each booklet restarts its page numbering; count them by their footers.
    let mut footers = 0;
    for f in &report.files {
        let text = pdftotext(f, None);
        footers += text.matches("第 1 页 / 共").count();
    }
    assert_eq!(footers, 25, "every booklet present exactly once");
    let third = pdftotext(&report.files[2], None);
    assert_eq!(third.matches("第 1 页 / 共").count(), 5);
}

#[test]
fn cancel_stops_the_batch_and_leaves_only_whole_files() {
    let dir = out_dir("batch_cancel");
    let models = people(200);
    let cancel = AtomicBool::new(false);
    let opts =
        BatchOptions { out_dir: dir.clone(), mode: BatchMode::PerPerson, threads: 2, pad_to_even: false };
    let report = print_booklets(
        &fonts(),
        models.into_iter(),
        Some(200),
        &opts,
        &|p| {
            if p.done >= 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.cancelled);
    assert!(report.files.len() >= 5 && report.files.len() < 200, "{}", report.files.len());
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(on_disk, report.files.len());
    no_part_files(&dir);
}

#[test]
fn unwritable_folder_is_an_error() {
    let cancel = AtomicBool::new(false);
    let opts = BatchOptions {
        out_dir: std::path::PathBuf::from("/proc/cmedesk-no-such-dir"),
        mode: BatchMode::PerPerson,
        threads: 1,
        pad_to_even: false,
    };
    let err = print_booklets(&fonts(), people(2).into_iter(), None, &opts, &|_| {}, &cancel).err();
    assert_eq!(err.map(|e| e.code()), Some("PRINT_IO"));
}

#[test]
fn duplex_padding_starts_every_booklet_on_an_odd_page() {
    let dir = out_dir("batch_duplex");
    // 1-, 2- and 3-page booklets (an empty year, a short one, a long one), twice.
    let mut models = Vec::new();
    for round in 0..2 {
        for rows in [0usize, 30, 70] {
            models.push(model(&format!("人员{round}{rows}"), rows));
        }
    }
    let cancel = AtomicBool::new(false);
    let opts = BatchOptions {
        out_dir: dir.clone(),
        mode: BatchMode::Combined { max_booklets_per_file: 100 },
        threads: 1,
        pad_to_even: true,
    };
    let report = print_booklets(&fonts(), models.into_iter(), None, &opts, &|_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.files.len(), 1);
    let file = &report.files[0];
    let n = pages(file);
    assert_eq!(n % 2, 0, "padded file has an even page count");
    let mut starts = Vec::new();
    for i in 1..=n {
        let text = pdftotext(file, Some(i));
        if text.contains("第 1 页 / 共") {
            starts.push(i);
        }
        if text.trim().is_empty() {
            // A padding page is blank, and only ever follows a booklet's odd last page.
            assert_eq!(i % 2, 0, "blank page {i} must be an even (back) page");
        }
    }
    assert_eq!(starts.len(), 6, "every booklet present once");
    assert!(starts.iter().all(|p| p % 2 == 1), "each booklet starts on a front page: {starts:?}");
}
