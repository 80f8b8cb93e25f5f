//! Booklet PDFs checked with poppler: exact text back, fonts embedded as subsets with unicode
//! maps, pagination with repeated headers and footers, empty years, rare characters.

mod common;

use cmedesk_core::booklet::BookletModel;
use cmedesk_print::booklet::{COLUMNS, EMPTY_YEAR_TEXT, TITLE};
use cmedesk_print::{FontSet, PrintError, Printer};
use common::*;

fn assert_rows_present(model: &BookletModel, text: &str) {
    let flat = squash(text);
    for r in &model.rows {
        for cell in [
            r.period_text(),
            r.form.clone(),
            r.content.clone(),
            r.grade.clone(),
            r.hours_credits_text(),
            r.organizer.clone(),
        ] {
            assert!(flat.contains(&squash(&cell)), "cell {cell:?} missing from the PDF text");
        }
    }
    let t = &model.totals;
    for total in [
        format!("公需科目 {}", t.general.text()),
        format!("专业科目 {}", t.professional.text()),
        format!("年度累计完成 {}", t.year.text()),
    ] {
        assert!(flat.contains(&squash(&total)), "total {total:?} missing");
    }
}

#[test]
fn booklet_text_comes_back_exactly_with_subset_unicode_fonts() {
    let dir = out_dir("booklet_text");
    let model = model("陈示例", 8);
    let mut printer = Printer::new(fonts());
    let bytes = printer.booklet_pdf(&model).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, &model.file_name(), &bytes);
    let text = pdftotext(&path, None);
    // Header lines come back character for character.
    for line in [
        TITLE,
        "所在单位：示例县中医院（盖章）",
        "姓名：陈示例",
        "卡号：0627120049",
        "年度：2025",
        "陈示例 0627120049 第 1 页 / 共 1 页",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    for c in COLUMNS {
        assert!(text.contains(c), "column {c}");
    }
    assert_rows_present(&model, &text);
    // Hand-checked totals of the 8 synthetic rows (rows 3 and 7 are 公需科目).
    assert!(text.contains("公需科目 21.00 学时（4.00分）"), "{text}");
    assert!(text.contains("专业科目 42.00 学时（6.00分）"));
    assert!(text.contains("年度累计完成 63.00 学时（10.00分）"));
    let fonts = pdffonts(&path);
    assert!(!fonts.is_empty());
    for (name, emb, sub, uni) in &fonts {
        assert!(*emb && *sub && *uni, "font {name} must be embedded+subset+unicode");
        assert!(name.contains('+'), "subset tag on {name}");
    }
    assert!(bytes.len() < 50_000, "one-page booklet is {} bytes", bytes.len());
}

#[test]
fn long_year_spans_pages_with_header_and_footer_on_every_page() {
    let dir = out_dir("booklet_long");
    let mut m = model("欧阳示例", 70);
    // One absurdly long title: the row wraps over many lines but stays one row.
    m.rows[5].content =
        "超长项目名称测试：".to_string() + &"心血管疾病介入诊疗技术规范化培训与质量控制，".repeat(12);
    let m = BookletModel::new(m.header.clone(), m.rows.clone());
    let mut printer = Printer::new(fonts());
    let bytes = printer.booklet_pdf(&m).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, &m.file_name(), &bytes);
    let n = pages(&path);
    assert!(n >= 3, "70 rows should need several pages, got {n}");
    for i in 1..=n {
        let page = pdftotext(&path, Some(i));
        for c in COLUMNS {
            assert!(page.contains(c), "page {i} lacks the table header {c}");
        }
        assert!(page.contains(&format!("欧阳示例 0627120049 第 {i} 页 / 共 {n} 页")), "footer on page {i}");
        if i > 1 {
            assert!(page.contains("（续）"), "running title on page {i}");
        }
    }
    // Every row is somewhere, and a row never straddles two pages: each date cell text
    // appears on exactly the page that holds its whole row.
    let all = pdftotext(&path, None);
    assert_rows_present(&m, &all);
    let per_page: Vec<String> = (1..=n).map(|i| squash(&pdftotext(&path, Some(i)))).collect();
    for r in &m.rows {
        let content = squash(&r.content);
        assert!(per_page.iter().any(|p| p.contains(&content)), "row {:?} split across pages", r.content);
    }
    let last = &per_page[n - 1];
    assert!(last.contains("年度累计完成") && last.contains("单位盖章"), "totals and stamp on the last page");
    render_first_page(&path, &dir);
}

fn render_first_page(pdf: &std::path::Path, dir: &std::path::Path) {
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "2"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .unwrap_or_else(|e| panic!("pdftoppm: {e}"));
    assert!(out.success());
    let png = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".png"));
    let len = png.and_then(|p| p.metadata().ok()).map(|m| m.len()).unwrap_or(0);
    assert!(len > 10_000, "rendered page is suspiciously small ({len} bytes): blank?");
}

#[test]
fn empty_year_still_prints_and_says_so() {
    let dir = out_dir("booklet_empty");
    let m = BookletModel::new(header("林示例", "儿科", 2025), Vec::new());
    let mut printer = Printer::new(fonts());
    let bytes = printer.booklet_pdf(&m).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, &m.file_name(), &bytes);
    assert_eq!(
        path.file_name().map(|n| n.to_string_lossy().into_owned()),
        Some("儿科_林示例_2025.pdf".into())
    );
    let text = pdftotext(&path, None);
    assert!(text.contains(EMPTY_YEAR_TEXT), "{text}");
    assert!(text.contains("年度累计完成 0.00 学时（0.00分）"));
    assert_eq!(pages(&path), 1);
    render_first_page(&path, &dir);
}

#[test]
fn rare_name_characters_use_the_fallback_font_or_fail_naming_the_character() {
    let dir = out_dir("booklet_rare");
    // 𠮷 (U+20BB7, Ext-B) and 䶮 (U+4DAE, Ext-A): WenQuanYi has neither.
    let m = BookletModel::new(header("𠮷䶮", "口腔科", 2025), rows(2, 2025));

    let wqy_only = FontSet::from_fonts(vec![wqy()]).unwrap_or_else(|e| panic!("{e}"));
    let err = Printer::new(wqy_only).booklet_pdf(&m).err();
    match err {
        Some(PrintError::MissingGlyph { ch, codepoint, .. }) => {
            assert_eq!(ch, '𠮷');
            assert_eq!(codepoint, 0x20BB7);
            let msg = PrintError::MissingGlyph { ch, codepoint, text: "𠮷䶮".into(), fonts: "x".into() }
                .to_string();
            assert!(msg.contains("𠮷") && msg.contains("U+20BB7"), "{msg}");
        }
        other => panic!("expected MissingGlyph, got {other:?}"),
    }

    let bytes = Printer::new(fonts()).booklet_pdf(&m).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, &m.file_name(), &bytes);
    let text = pdftotext(&path, None);
    assert!(text.contains("姓名：𠮷䶮"), "rare characters must come back: {text}");
    let fonts = pdffonts(&path);
    assert_eq!(fonts.len(), 2, "primary + fallback embedded: {fonts:?}");
    assert!(fonts.iter().all(|(_, e, s, u)| *e && *s && *u));
}

#[test]
fn system_discovery_finds_a_cjk_font_here() {
    let set = cmedesk_print::discover(None).unwrap_or_else(|e| panic!("{e}"));
    assert!(!set.fonts.is_empty());
    set.covers("继续医学教育学分登记手册 喆堃赟玥珺 0123456789").unwrap_or_else(|e| panic!("{e}"));
}
