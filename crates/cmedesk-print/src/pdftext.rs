//! The visible text of a PDF, with positions: what a reader of the paper sees, as opposed to
//! the metadata. Every text-showing operator is decoded through its font's ToUnicode map and
//! placed by its text matrix; stroked table cells (`re`) are collected too, so text can be put
//! back into the cells it was printed in. Coordinates are points from the page's top-left, like
//! the layouts that drew them.
//!
//! This reads what `cmedesk-print` writes (absolute `Tm` per run, Identity-H fonts with
//! ToUnicode). A PDF rewritten by another tool may place text differently; then the statement
//! cannot be read back and verification fails closed (altered), never open.

use std::collections::{BTreeMap, HashMap};

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object};

use crate::canvas::PAGE_H;

/// A run of text shown by one operator.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// 0-based page.
    pub page: usize,
    /// Left end, pt.
    pub x: f32,
    /// Baseline, pt from the top.
    pub baseline: f32,
    /// Font size, pt.
    pub size: f32,
    /// The characters.
    pub text: String,
}

/// A rectangle drawn on a page (a table cell, a box).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRect {
    /// 0-based page.
    pub page: usize,
    /// Left, pt.
    pub x: f32,
    /// Top, pt from the page's top.
    pub top: f32,
    /// Width, pt.
    pub w: f32,
    /// Height, pt.
    pub h: f32,
}

impl CellRect {
    fn contains(&self, page: usize, x: f32, y: f32) -> bool {
        page == self.page
            && x >= self.x - 0.5
            && x <= self.x + self.w + 0.5
            && y >= self.top
            && y <= self.top + self.h
    }
}

/// Everything visible that we can read back.
#[derive(Debug, Default)]
pub struct PageText {
    /// Pages in the document.
    pub pages: usize,
    /// Text runs in drawing order.
    pub runs: Vec<TextRun>,
    /// Rectangles at least a text line high (QR modules and hairlines are left out).
    pub rects: Vec<CellRect>,
}

fn number(o: &Object) -> Option<f32> {
    o.as_float().ok()
}

/// Glyph advances of a composite (Type0) font from its descendant's `/W` array, in 1/1000 em:
/// `c [w1 w2 …]` and `c_first c_last w` entries; `/DW` (default 1000) for the rest.
struct Widths {
    map: HashMap<u32, f32>,
    default: f32,
}

impl Widths {
    fn of(doc: &Document, font: &lopdf::Dictionary) -> Widths {
        let mut w = Widths { map: HashMap::new(), default: 1000.0 };
        let resolve = |o: &Object| -> Option<Object> {
            match o {
                Object::Reference(id) => doc.get_object(*id).ok().cloned(),
                other => Some(other.clone()),
            }
        };
        let descendant = font
            .get(b"DescendantFonts")
            .ok()
            .and_then(resolve)
            .and_then(|a| a.as_array().ok().and_then(|a| a.first().cloned()))
            .and_then(|d| resolve(&d))
            .and_then(|d| d.as_dict().ok().cloned());
        let Some(cid) = descendant else { return w };
        if let Some(dw) = cid.get(b"DW").ok().and_then(number) {
            w.default = dw;
        }
        let Some(Object::Array(items)) = cid.get(b"W").ok().and_then(resolve) else { return w };
        let mut i = 0;
        while i < items.len() {
            let Some(first) = items[i].as_i64().ok() else { break };
            match items.get(i + 1).and_then(resolve) {
                Some(Object::Array(ws)) => {
                    for (k, width) in ws.iter().enumerate() {
                        if let Some(width) = number(width) {
                            w.map.insert(first as u32 + k as u32, width);
                        }
                    }
                    i += 2;
                }
                Some(last) => {
                    let (Some(last), Some(width)) = (last.as_i64().ok(), items.get(i + 2).and_then(number))
                    else {
                        break;
                    };
                    for c in first..=last {
                        w.map.insert(c as u32, width);
                    }
                    i += 3;
                }
                None => break,
            }
        }
        w
    }

    fn get(&self, code: u32) -> f32 {
        self.map.get(&code).copied().unwrap_or(self.default)
    }
}

/// Reads the visible text and cell rectangles of `bytes`, one run per glyph (placed by the
/// text matrix, the `TJ` kerning and the fonts' widths). `Err` carries why it cannot be read.
pub fn read(bytes: &[u8]) -> Result<PageText, String> {
    let doc = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let mut out = PageText::default();
    let pages: BTreeMap<u32, lopdf::ObjectId> = doc.get_pages();
    out.pages = pages.len();
    for (index, (_, page_id)) in pages.into_iter().enumerate() {
        let fonts = doc.get_page_fonts(page_id).map_err(|e| format!("page {}: fonts: {e}", index + 1))?;
        let mut encodings: HashMap<Vec<u8>, (Encoding<'_>, Widths)> = HashMap::new();
        for (name, dict) in &fonts {
            if let Ok(e) = dict.get_font_encoding(&doc) {
                encodings.insert(name.clone(), (e, Widths::of(&doc, dict)));
            }
        }
        let raw = doc.get_page_content(page_id);
        let content = Content::decode(&raw).map_err(|e| format!("page {}: content: {e}", index + 1))?;
        let mut font: Option<Vec<u8>> = None;
        let mut size = 0f32;
        let (mut x, mut y) = (0f32, 0f32);
        for op in &content.operations {
            let args = &op.operands;
            match op.operator.as_str() {
                "Tf" => {
                    font = args.first().and_then(|o| o.as_name().ok()).map(<[u8]>::to_vec);
                    size = args.get(1).and_then(number).unwrap_or(0.0);
                }
                "Tm" if args.len() == 6 => {
                    x = number(&args[4]).unwrap_or(0.0);
                    y = number(&args[5]).unwrap_or(0.0);
                }
                "Tj" | "TJ" => {
                    let Some((encoding, widths)) = font.as_ref().and_then(|f| encodings.get(f)) else {
                        return Err(format!("page {}: text in an unknown font", index + 1));
                    };
                    let items: Vec<&Object> = match args.first() {
                        Some(Object::Array(items)) => items.iter().collect(),
                        Some(o) => vec![o],
                        None => vec![],
                    };
                    for item in items {
                        if let Some(kern) = number(item) {
                            x -= kern / 1000.0 * size;
                            continue;
                        }
                        let Ok(b) = item.as_str() else { continue };
                        // Identity-H: two bytes per glyph.
                        for code in b.chunks(2) {
                            let text = Document::decode_text(encoding, code)
                                .map_err(|e| format!("page {}: text: {e}", index + 1))?;
                            let cid = code.iter().fold(0u32, |acc, b| acc * 256 + u32::from(*b));
                            out.runs.push(TextRun { page: index, x, baseline: PAGE_H - y, size, text });
                            x += widths.get(cid) / 1000.0 * size;
                        }
                    }
                }
                "re" if args.len() == 4 => {
                    let v: Vec<f32> = args.iter().filter_map(number).collect();
                    if v.len() == 4 && v[2].abs() > 10.0 && v[3].abs() > 10.0 {
                        let (rx, ry, w, h) =
                            (v[0].min(v[0] + v[2]), v[1].min(v[1] + v[3]), v[2].abs(), v[3].abs());
                        out.rects.push(CellRect { page: index, x: rx, top: PAGE_H - (ry + h), w, h });
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// A cell's text: its runs, line by line (top to bottom, left to right), joined without
/// whitespace (a printed wrap cannot tell a space from a line break).
#[derive(Debug, Clone)]
pub struct Cell {
    /// Where it is.
    pub rect: CellRect,
    /// Its text, whitespace removed.
    pub text: String,
}

/// Squashes whitespace out of `s`.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl PageText {
    /// Puts each run into the smallest rectangle holding its start; returns the cells grouped
    /// into rows (same page and top), rows in page order top to bottom, cells left to right,
    /// and the runs that are in no cell.
    pub fn table(&self) -> (Vec<Vec<Cell>>, Vec<TextRun>) {
        let mut texts: Vec<Vec<&TextRun>> = vec![Vec::new(); self.rects.len()];
        let mut loose = Vec::new();
        for run in &self.runs {
            let probe_x = run.x + 0.1;
            let probe_y = run.baseline - run.size * 0.3;
            let best = self
                .rects
                .iter()
                .enumerate()
                .filter(|(_, r)| r.contains(run.page, probe_x, probe_y))
                .min_by(|a, b| (a.1.w * a.1.h).total_cmp(&(b.1.w * b.1.h)));
            match best {
                Some((i, _)) => texts[i].push(run),
                None => loose.push(run.clone()),
            }
        }
        let mut cells: Vec<Cell> = self
            .rects
            .iter()
            .zip(texts)
            .map(|(rect, mut runs)| {
                runs.sort_by(|a, b| a.baseline.total_cmp(&b.baseline).then(a.x.total_cmp(&b.x)));
                let text = squash(&runs.iter().map(|r| r.text.as_str()).collect::<String>());
                Cell { rect: *rect, text }
            })
            .collect();
        cells.sort_by(|a, b| {
            a.rect
                .page
                .cmp(&b.rect.page)
                .then(a.rect.top.total_cmp(&b.rect.top))
                .then(a.rect.x.total_cmp(&b.rect.x))
        });
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for cell in cells {
            match rows.last_mut() {
                Some(row)
                    if row[0].rect.page == cell.rect.page
                        && (row[0].rect.top - cell.rect.top).abs() < 0.5 =>
                {
                    row.push(cell)
                }
                _ => rows.push(vec![cell]),
            }
        }
        loose.sort_by(|a, b| {
            a.page.cmp(&b.page).then(a.baseline.total_cmp(&b.baseline)).then(a.x.total_cmp(&b.x))
        });
        (rows, loose)
    }
}
