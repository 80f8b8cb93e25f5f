//! A page being drawn: positions in points from the *top-left* (how layouts think), turned
//! into printpdf operations (origin bottom-left). Text is placed with absolute text matrices
//! (`SetTextMatrix`; `SetTextCursor` is relative) and shown as glyph ids looked up once in the
//! cache, with each glyph's character attached so the PDF's ToUnicode map — and `pdftotext`,
//! copy-paste and screen readers — get the exact text back.

use printpdf::{
    Codepoint, Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfFontHandle,
    PdfPage, Point, Pt, Rect, TextItem, TextMatrix,
};

use crate::fonts::Glyph;

/// A4 portrait, in points.
pub const PAGE_W: f32 = 595.2756;
/// A4 portrait, in points.
pub const PAGE_H: f32 = 841.8898;

/// Millimetres to points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// One page's drawing operations: strokes first, then one text section.
#[derive(Default)]
pub struct Canvas {
    graphics: Vec<Op>,
    text: Vec<Op>,
    current_font: Option<(usize, u32)>,
    stroke_width: Option<u32>,
}

impl Canvas {
    /// An empty page.
    pub fn new() -> Self {
        Canvas::default()
    }

    /// Draws `glyphs` with its left end at `x` and its baseline at `baseline` (from the top).
    pub fn text(
        &mut self,
        font_ids: &[FontId],
        glyphs: &[Glyph],
        x: f32,
        baseline: f32,
        size: f32,
    ) {
        let y = PAGE_H - baseline;
        let mut pen = x;
        let mut i = 0;
        while i < glyphs.len() {
            let font = glyphs[i].font;
            let start = i;
            while i < glyphs.len() && glyphs[i].font == font {
                i += 1;
            }
            let run = &glyphs[start..i];
            let key = (font, size.to_bits());
            if self.current_font != Some(key) {
                let Some(id) = font_ids.get(font) else { return };
                self.text.push(Op::SetFont {
                    font: PdfFontHandle::External(id.clone()),
                    size: Pt(size),
                });
                self.current_font = Some(key);
            }
            self.text.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(pen), Pt(y)),
            });
            let codepoints = run
                .iter()
                .map(|g| Codepoint::with_cid(g.gid, 0.0, g.ch.to_string()))
                .collect();
            self.text.push(Op::ShowText {
                items: vec![TextItem::GlyphIds(codepoints)],
            });
            pen += run.iter().map(|g| g.advance_em * size).sum::<f32>();
        }
    }

    fn set_stroke(&mut self, width: f32) {
        let bits = width.to_bits();
        if self.stroke_width != Some(bits) {
            self.graphics
                .push(Op::SetOutlineThickness { pt: Pt(width) });
            self.stroke_width = Some(bits);
        }
    }

    /// A straight line from (x1, y1) to (x2, y2), top-left coordinates.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.set_stroke(width);
        let p = |x: f32, y: f32| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(PAGE_H - y),
            },
            bezier: false,
        };
        self.graphics.push(Op::DrawLine {
            line: Line {
                points: vec![p(x1, y1), p(x2, y2)],
                is_closed: false,
            },
        });
    }

    /// A rectangle outline; (x, y) is its top-left corner.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        self.set_stroke(width);
        let mut r = Rect::from_xywh(Pt(x), Pt(PAGE_H - y - h), Pt(w), Pt(h));
        r.mode = Some(PaintMode::Stroke);
        self.graphics.push(Op::DrawRectangle { rectangle: r });
    }

    /// A filled black rectangle (QR modules); (x, y) is its top-left corner.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let mut r = Rect::from_xywh(Pt(x), Pt(PAGE_H - y - h), Pt(w), Pt(h));
        r.mode = Some(PaintMode::Fill);
        self.graphics.push(Op::DrawRectangle { rectangle: r });
    }

    /// Sets the colour for following fills and strokes (grey level 0 = black, 1 = white).
    pub fn grey(&mut self, level: f32) {
        let col = Color::Greyscale(Greyscale {
            percent: level,
            icc_profile: None,
        });
        self.graphics.push(Op::SetFillColor { col: col.clone() });
        self.graphics.push(Op::SetOutlineColor { col });
    }

    /// The finished A4 page.
    pub fn into_page(self) -> PdfPage {
        let mut ops = self.graphics;
        if !self.text.is_empty() {
            ops.reserve(self.text.len() + 2);
            ops.push(Op::StartTextSection);
            ops.extend(self.text);
            ops.push(Op::EndTextSection);
        }
        PdfPage::new(Mm(210.0), Mm(297.0), ops)
    }
}
