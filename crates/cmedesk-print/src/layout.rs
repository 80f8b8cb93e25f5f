//! Line breaking for table cells, Chinese rules.
//!
//! CJK text may break between any two characters, but an ASCII word (a project number such as
//! `2025-11-01-033(国)`'s digits, an English title word) is kept whole, closing punctuation
//! (`，。）」` …) never starts a line and opening punctuation (`（「《` …) never ends one. A word
//! wider than the whole cell is the one case that is cut, by character, because the
//! alternative is text running out of its cell.

use crate::fonts::Glyph;

/// Characters that must not start a line (they stick to what precedes them).
fn is_closing(ch: char) -> bool {
    matches!(
        ch,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '〕'
            | '］'
            | '｝'
            | '”'
            | '’'
            | '…'
            | '‥'
            | '・'
            | '·'
            | '％'
            | '‰'
            | '℃'
            | '〗'
            | '｠'
            | 'ー'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Characters that must not end a line (they stick to what follows them).
fn is_opening(ch: char) -> bool {
    matches!(
        ch,
        '（' | '「'
            | '『'
            | '《'
            | '〈'
            | '【'
            | '〔'
            | '［'
            | '｛'
            | '“'
            | '‘'
            | '〖'
            | '('
            | '['
            | '{'
    )
}

/// ASCII characters that form words kept whole (letters, digits, joiners inside numbers).
fn is_word_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '/' | '.' | '+' | '#' | '&' | '@' | '\'')
}

/// A range of glyphs that must stay on one line.
#[derive(Debug, Clone, Copy)]
struct Unit {
    start: usize,
    end: usize,
    width: f32,
    is_space: bool,
}

fn units(glyphs: &[Glyph], size: f32) -> Vec<Unit> {
    let w = |g: &Glyph| g.advance_em * size;
    let mut out: Vec<Unit> = Vec::new();
    let mut i = 0;
    while i < glyphs.len() {
        let ch = glyphs[i].ch;
        let start = i;
        if ch == ' ' || ch == '\u{3000}' {
            i += 1;
            out.push(Unit { start, end: i, width: w(&glyphs[start]), is_space: true });
            continue;
        }
        if is_word_char(ch) && !is_closing(ch) {
            while i < glyphs.len() && is_word_char(glyphs[i].ch) {
                i += 1;
            }
        } else {
            i += 1;
        }
        let width: f32 = glyphs[start..i].iter().map(w).sum();
        let glue_to_previous = is_closing(ch) && out.last().is_some_and(|u| !u.is_space);
        let previous_is_opening =
            out.last().is_some_and(|u| !u.is_space && u.end == u.start + 1 && is_opening(glyphs[u.start].ch));
        match out.last_mut() {
            Some(prev) if glue_to_previous || previous_is_opening => {
                prev.end = i;
                prev.width += width;
            }
            _ => out.push(Unit { start, end: i, width, is_space: false }),
        }
    }
    out
}

/// Breaks `glyphs` into lines no wider than `max_width` (pt) at font size `size`; returns
/// glyph index ranges. Spaces at a line start are dropped; an empty text gives one empty line.
pub fn break_lines(glyphs: &[Glyph], size: f32, max_width: f32) -> Vec<std::ops::Range<usize>> {
    let mut lines = Vec::new();
    let mut line_start: Option<usize> = None;
    let mut line_end = 0usize;
    let mut line_width = 0f32;
    // Trailing spaces do not count against the width (they are not drawn at a line end).
    let mut pending_space = 0f32;
    for u in units(glyphs, size) {
        if u.is_space {
            if line_start.is_some() {
                pending_space += u.width;
                line_end = u.end;
            }
            continue;
        }
        let needed = line_width + pending_space + u.width;
        if line_start.is_some() && needed <= max_width + 0.01 {
            line_width = needed;
            line_end = u.end;
            pending_space = 0.0;
            continue;
        }
        if let Some(s) = line_start.take() {
            lines.push(s..trim_end(glyphs, s, line_end));
        }
        pending_space = 0.0;
        if u.width <= max_width + 0.01 {
            line_start = Some(u.start);
            line_end = u.end;
            line_width = u.width;
        } else {
            // Wider than the cell: cut it by character.
            let mut s = u.start;
            let mut width = 0f32;
            for (i, g) in glyphs.iter().enumerate().take(u.end).skip(u.start) {
                let gw = g.advance_em * size;
                if width + gw > max_width + 0.01 && i > s {
                    lines.push(s..i);
                    s = i;
                    width = 0.0;
                }
                width += gw;
            }
            line_start = Some(s);
            line_end = u.end;
            line_width = width;
        }
    }
    if let Some(s) = line_start {
        lines.push(s..trim_end(glyphs, s, line_end));
    }
    if lines.is_empty() {
        lines.push(0..0);
    }
    lines
}

fn trim_end(glyphs: &[Glyph], start: usize, mut end: usize) -> usize {
    while end > start && matches!(glyphs[end - 1].ch, ' ' | '\u{3000}') {
        end -= 1;
    }
    end
}

/// Width of a glyph run in pt.
pub fn width(glyphs: &[Glyph], size: f32) -> f32 {
    glyphs.iter().map(|g| g.advance_em * size).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed-metric glyphs: CJK 1 em, ASCII 0.5 em; enough to test the rules without a font.
    fn glyphs(text: &str) -> Vec<Glyph> {
        text.chars()
            .map(|ch| Glyph { ch, font: 0, gid: 1, advance_em: if ch.is_ascii() { 0.5 } else { 1.0 } })
            .collect()
    }

    fn lines(text: &str, max_em: f32) -> Vec<String> {
        let g = glyphs(text);
        break_lines(&g, 10.0, max_em * 10.0)
            .into_iter()
            .map(|r| g[r].iter().map(|x| x.ch).collect())
            .collect()
    }

    #[test]
    fn cjk_breaks_anywhere() {
        assert_eq!(lines("中国急性心肌梗死救治", 4.0), vec!["中国急性", "心肌梗死", "救治"]);
    }

    #[test]
    fn ascii_words_stay_whole() {
        assert_eq!(lines("学习 Python 编程", 5.0), vec!["学习", "Python 编", "程"]);
        assert_eq!(lines("项目2025-11-01", 6.0), vec!["项目", "2025-11-01"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "研讨会" fills the line; "。" would start the next one: it takes "会" with it.
        assert_eq!(lines("学术研讨会。", 5.0), vec!["学术研讨", "会。"]);
        assert_eq!(lines("会议（一）", 4.0), vec!["会议", "（一）"]);
        for l in lines("护理学会，癌痛护理新进展学术研讨会（第二期），漯河。", 3.0)
        {
            let first = l.chars().next().unwrap_or(' ');
            assert!(!is_closing(first), "line starts with closing punctuation: {l}");
        }
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        for l in lines("一二三《四五六》七八（九十）", 4.0) {
            let last = l.chars().last().unwrap_or(' ');
            assert!(!is_opening(last), "line ends with opening punctuation: {l}");
        }
    }

    #[test]
    fn overlong_word_is_cut_and_empty_gives_one_line() {
        assert_eq!(lines("ABCDEFGHIJ", 2.0), vec!["ABCD", "EFGH", "IJ"]);
        assert_eq!(lines("", 3.0), vec![""]);
        assert_eq!(lines("   ", 3.0), vec![""]);
    }

    #[test]
    fn every_glyph_is_kept() {
        let text = "2015-08-02 继续医学教育项目：中国急性心肌梗死救治项目（漯河区）启动会, Part II.";
        let joined: String = lines(text, 6.0).concat();
        let without_spaces: String = text.chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined.replace(' ', ""), without_spaces);
    }
}
