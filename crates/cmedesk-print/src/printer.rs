//! [`Printer`]: one PDF document shell with the fonts registered once, reused for every
//! booklet a worker prints. printpdf clones a parsed font into each document it is added to;
//! keeping one shell per thread and swapping its pages avoids that per booklet.

use cmedesk_core::booklet::BookletModel;
use cmedesk_core::statement::{Statement, VerificationCode};
use printpdf::{FontId, PdfDocument, PdfPage, PdfSaveOptions, PdfWarnMsg};

use crate::error::PrintError;
use crate::fonts::FontSet;

/// Renders booklets and statements to PDF bytes. Not `Sync`: make one per thread.
pub struct Printer {
    fonts: FontSet,
    font_ids: Vec<FontId>,
    doc: PdfDocument,
    options: PdfSaveOptions,
}

impl Printer {
    /// A printer drawing with `fonts` (primary first, then fallbacks).
    pub fn new(fonts: FontSet) -> Printer {
        let mut doc = PdfDocument::new("CME Desk");
        let font_ids = fonts.fonts.iter().map(|f| doc.add_font(&f.parsed)).collect();
        doc.metadata.info.creator = "CME Desk".to_string();
        doc.metadata.info.producer = "CME Desk (printpdf)".to_string();
        // Subsetting is what keeps a booklet in tens of KB instead of the whole 5–20 MB font.
        // Streams are compressed here, not by printpdf's `optimize` (see [`compress_streams`]).
        let options = PdfSaveOptions { subset_fonts: true, optimize: false, ..PdfSaveOptions::default() };
        Printer { fonts, font_ids, doc, options }
    }

    /// The fonts in use.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// The pages of one booklet (for previews or custom assembly).
    pub fn booklet_pages(&self, model: &BookletModel) -> Result<Vec<PdfPage>, PrintError> {
        crate::booklet::booklet_pages(model, &self.fonts, &self.font_ids)
    }

    /// One booklet as a PDF file's bytes.
    pub fn booklet_pdf(&mut self, model: &BookletModel) -> Result<Vec<u8>, PrintError> {
        let pages = self.booklet_pages(model)?;
        let title = format!("学分登记手册 {} {}", model.header.name, model.header.year);
        Ok(self.save(&title, "", pages))
    }

    /// Several booklets in one PDF (each keeps its own page numbering). All pages of the
    /// document are held in memory until it is written: callers bound `models.len()`.
    pub fn booklets_pdf(&mut self, models: &[BookletModel], title: &str) -> Result<Vec<u8>, PrintError> {
        let mut pages = Vec::new();
        for m in models {
            pages.extend(self.booklet_pages(m)?);
        }
        Ok(self.save(title, "", pages))
    }

    /// A signed credit statement as PDF bytes; the verification code also goes into the
    /// document's Subject so `verify` can read it back from the file.
    pub fn statement_pdf(
        &mut self,
        statement: &Statement,
        code: &VerificationCode,
    ) -> Result<Vec<u8>, PrintError> {
        let pages = crate::statement::statement_pages(statement, code, &self.fonts, &self.font_ids)?;
        let title = format!("学分记录明细表 {}", statement.name);
        Ok(self.save(&title, &code.to_text(), pages))
    }

    /// Writes already laid-out pages (e.g. several booklets) as one PDF.
    pub fn save_pages(&mut self, title: &str, pages: Vec<PdfPage>) -> Vec<u8> {
        self.save(title, "", pages)
    }

    fn save(&mut self, title: &str, subject: &str, pages: Vec<PdfPage>) -> Vec<u8> {
        self.doc.metadata.info.document_title = title.to_string();
        self.doc.metadata.info.subject = subject.to_string();
        self.doc.pages = pages;
        let mut warnings: Vec<PdfWarnMsg> = Vec::new();
        let mut doc = self.doc.to_lopdf_document(&self.options, &mut warnings);
        self.doc.pages = Vec::new();
        compress_streams(&mut doc);
        let mut bytes = Vec::new();
        // Writing into memory cannot fail; an empty result would fail the caller's checks.
        let _ = doc.save_to(&mut bytes);
        bytes
    }
}

/// zlib level for the PDF's streams. printpdf's `optimize` compresses with lopdf's
/// `Compression::best()` (level 9): a profile of 1,000 booklets put a third of all CPU time in
/// its lazy-match search (zlib-rs `longest_match_slow`). Level 6 (zlib's default) costs a
/// fraction of that for files within a few per cent of the size.
pub const COMPRESSION_LEVEL: u32 = 6;

/// Compresses every stream that allows it (what lopdf's `Document::compress` does, at
/// [`COMPRESSION_LEVEL`]); a stream that would not shrink stays as it is.
fn compress_streams(doc: &mut lopdf::Document) {
    use std::io::Write;
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else { continue };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(COMPRESSION_LEVEL));
        let Ok(compressed) = z.write_all(&stream.content).and_then(|()| z.finish()) else { continue };
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}
