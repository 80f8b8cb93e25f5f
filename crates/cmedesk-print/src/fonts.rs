//! CJK font discovery, licence check, glyph coverage and cached glyph lookup.
//!
//! printpdf draws nothing for a character its font lacks and says nothing about it, so every
//! character goes through [`FontSet::shape`] first: it is looked up in the primary font, then
//! in the fallbacks, and a character none of them has is an error that names it. Lookups are
//! cached per font because the cmap lookup of a 65,000-glyph CJK font dominates print time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use printpdf::ParsedFont;

use crate::error::PrintError;

/// A font file and the face inside it (`.ttc` collections hold several faces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontSpec {
    /// The font file.
    pub path: PathBuf,
    /// Face index inside a collection; 0 for a plain `.ttf`/`.otf`.
    pub face_index: usize,
}

impl FontSpec {
    /// A font file and face.
    pub fn new(path: impl Into<PathBuf>, face_index: usize) -> Self {
        FontSpec {
            path: path.into(),
            face_index,
        }
    }
}

/// Where CJK fonts live, in order of preference. Simplified-Chinese faces first; every entry
/// is a face known to carry GB 18030's common set. (Noto Sans CJK `.ttc` face 2 is SC.)
pub fn system_candidates() -> Vec<FontSpec> {
    let mut v = Vec::new();
    if cfg!(windows) {
        let windir = std::env::var_os("WINDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\Windows"));
        let fonts = windir.join("Fonts");
        v.push(FontSpec::new(fonts.join("msyh.ttc"), 0)); // Microsoft YaHei
        v.push(FontSpec::new(fonts.join("simsun.ttc"), 0)); // SimSun
        v.push(FontSpec::new(fonts.join("simhei.ttf"), 0));
        v.push(FontSpec::new(fonts.join("simsunb.ttf"), 0)); // SimSun-ExtB: rare Ext-B names
    } else if cfg!(target_os = "macos") {
        v.push(FontSpec::new("/System/Library/Fonts/PingFang.ttc", 0));
        v.push(FontSpec::new("/Library/Fonts/Arial Unicode.ttf", 0));
    } else {
        for dir in [
            "/usr/share/fonts/truetype/wqy",
            "/usr/share/fonts/wqy-microhei",
            "/usr/share/fonts/wenquanyi",
        ] {
            v.push(FontSpec::new(Path::new(dir).join("wqy-microhei.ttc"), 0));
        }
        for dir in [
            "/usr/share/fonts/opentype/noto",
            "/usr/share/fonts/noto-cjk",
            "/usr/share/fonts/google-noto-cjk",
        ] {
            v.push(FontSpec::new(
                Path::new(dir).join("NotoSansCJK-Regular.ttc"),
                2,
            ));
        }
        v.push(FontSpec::new(
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            0,
        ));
    }
    v
}

/// Builds the font set: the override (if any) first, then the system candidates that exist.
/// The first usable font is primary; up to two more distinct files are fallbacks for
/// characters the primary lacks (WenQuanYi has no 𠮷 or 䶮; Noto CJK has them).
pub fn discover(override_font: Option<&FontSpec>) -> Result<FontSet, PrintError> {
    let mut specs = Vec::new();
    if let Some(o) = override_font {
        // An explicit choice that cannot be used is an error, not a silent fallback.
        specs.push(LoadedFont::load(o)?);
    }
    let mut searched = Vec::new();
    for spec in system_candidates() {
        if specs.len() >= 3 {
            break;
        }
        searched.push(spec.path.display().to_string());
        if !spec.path.is_file()
            || specs
                .iter()
                .any(|s: &Arc<LoadedFont>| s.spec.path == spec.path)
        {
            continue;
        }
        // A system font that is broken or forbids embedding is skipped: others may do.
        if let Ok(f) = LoadedFont::load(&spec) {
            specs.push(f);
        }
    }
    if specs.is_empty() {
        return Err(PrintError::NoFont {
            searched: searched.join(", "),
        });
    }
    Ok(FontSet { fonts: specs })
}

/// Reads OS/2 `fsType` of one face. `None` when the font has no OS/2 table (old Mac fonts):
/// then nothing restricts embedding.
pub fn fs_type(bytes: &[u8], face_index: usize) -> Result<Option<u16>, String> {
    let be16 = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let be32 = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut dir = 0usize;
    if bytes.get(0..4) == Some(b"ttcf") {
        let count = be32(8).ok_or("truncated collection header")? as usize;
        if face_index >= count {
            return Err(format!(
                "face {face_index} requested, collection has {count}"
            ));
        }
        dir = be32(12 + 4 * face_index).ok_or("truncated collection offsets")? as usize;
    }
    let tables = be16(dir + 4).ok_or("truncated table directory")? as usize;
    for i in 0..tables {
        let rec = dir + 12 + 16 * i;
        let tag = bytes.get(rec..rec + 4).ok_or("truncated table record")?;
        if tag == b"OS/2" {
            let offset = be32(rec + 8).ok_or("truncated table record")? as usize;
            return Ok(Some(be16(offset + 8).ok_or("truncated OS/2 table")?));
        }
    }
    Ok(None)
}

/// Whether `fs_type` allows us to embed a subset: restricted-licence (bit 1), no-subsetting
/// (bit 8) and bitmap-only (bit 9) fonts are refused.
pub fn embedding_allowed(fs_type: u16) -> bool {
    fs_type & 0x0002 == 0 && fs_type & 0x0100 == 0 && fs_type & 0x0200 == 0
}

/// A glyph resolved for drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    /// The character.
    pub ch: char,
    /// Index of the font in the [`FontSet`].
    pub font: usize,
    /// Glyph id in that font.
    pub gid: u16,
    /// Advance width in em (multiply by the font size in pt).
    pub advance_em: f32,
}

/// One parsed font face with its glyph cache.
pub struct LoadedFont {
    /// Where it came from.
    pub spec: FontSpec,
    /// The face name (PostScript name) for messages.
    pub name: String,
    /// printpdf's parsed face (holds the bytes for subsetting).
    pub parsed: ParsedFont,
    units_per_em: f32,
    cache: RwLock<HashMap<char, Option<(u16, f32)>>>,
}

impl std::fmt::Debug for LoadedFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedFont")
            .field("spec", &self.spec)
            .field("name", &self.name)
            .finish()
    }
}

impl LoadedFont {
    /// Reads, licence-checks and parses one face.
    pub fn load(spec: &FontSpec) -> Result<Arc<LoadedFont>, PrintError> {
        let bad = |reason: String| PrintError::BadFont {
            path: spec.path.clone(),
            reason,
        };
        let bytes = std::fs::read(&spec.path).map_err(|e| bad(e.to_string()))?;
        if let Some(fs) = fs_type(&bytes, spec.face_index).map_err(bad)?
            && !embedding_allowed(fs)
        {
            return Err(PrintError::EmbeddingForbidden {
                path: spec.path.clone(),
                fs_type: fs,
            });
        }
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&bytes, spec.face_index, &mut warnings)
            .ok_or_else(|| bad(format!("unparseable face {}", spec.face_index)))?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let name = parsed.font_name.clone().unwrap_or_else(|| {
            spec.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Arc::new(LoadedFont {
            spec: spec.clone(),
            name,
            parsed,
            units_per_em,
            cache: RwLock::new(HashMap::new()),
        }))
    }

    /// The glyph id and advance (em) of `ch`, or `None` when the face lacks it. Cached.
    pub fn glyph(&self, ch: char) -> Option<(u16, f32)> {
        if let Ok(cache) = self.cache.read()
            && let Some(hit) = cache.get(&ch)
        {
            return *hit;
        }
        let found = self
            .parsed
            .lookup_glyph_index(u32::from(ch))
            .filter(|&gid| gid != 0)
            .map(|gid| {
                (
                    gid,
                    f32::from(self.parsed.get_horizontal_advance(gid)) / self.units_per_em,
                )
            });
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(ch, found);
        }
        found
    }
}

/// The fonts a document draws with: `fonts[0]` is primary, the rest are per-character fallbacks.
#[derive(Debug, Clone)]
pub struct FontSet {
    /// Primary first.
    pub fonts: Vec<Arc<LoadedFont>>,
}

impl FontSet {
    /// A set from explicit fonts (primary first), e.g. for tests or a settings page.
    pub fn from_fonts(fonts: Vec<Arc<LoadedFont>>) -> Result<FontSet, PrintError> {
        if fonts.is_empty() {
            return Err(PrintError::NoFont {
                searched: String::from("(none given)"),
            });
        }
        Ok(FontSet { fonts })
    }

    /// Resolves every character of `text`; control characters become spaces. Fails on the
    /// first character no font has, naming it and the text it is in.
    pub fn shape(&self, text: &str) -> Result<Vec<Glyph>, PrintError> {
        let mut out = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let ch = if ch.is_control() { ' ' } else { ch };
            out.push(self.glyph(ch).ok_or_else(|| self.missing(ch, text))?);
        }
        Ok(out)
    }

    fn glyph(&self, ch: char) -> Option<Glyph> {
        self.fonts.iter().enumerate().find_map(|(i, f)| {
            f.glyph(ch).map(|(gid, advance_em)| Glyph {
                ch,
                font: i,
                gid,
                advance_em,
            })
        })
    }

    fn missing(&self, ch: char, text: &str) -> PrintError {
        PrintError::MissingGlyph {
            ch,
            codepoint: u32::from(ch),
            text: text.to_string(),
            fonts: self
                .fonts
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Whether all of `text` can be drawn (for a pre-flight check over a whole batch).
    pub fn covers(&self, text: &str) -> Result<(), PrintError> {
        self.shape(text).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedding_bits() {
        assert!(embedding_allowed(0)); // installable
        assert!(embedding_allowed(0x0004)); // preview & print
        assert!(embedding_allowed(0x0008)); // editable
        assert!(!embedding_allowed(0x0002)); // restricted licence
        assert!(!embedding_allowed(0x0104)); // no subsetting
        assert!(!embedding_allowed(0x0208)); // bitmap only
    }

    #[test]
    fn fs_type_rejects_garbage_without_panicking() {
        assert!(fs_type(b"", 0).is_err());
        assert!(fs_type(b"ttcf\0\0\0\0\0\0\0\x05", 9).is_err());
        assert!(fs_type(&[0u8; 3], 0).is_err());
    }

    #[test]
    fn missing_override_is_an_error_not_a_fallback() {
        let spec = FontSpec::new("/nonexistent/font.ttf", 0);
        let err = discover(Some(&spec)).err().map(|e| e.code());
        assert_eq!(err, Some("PRINT_BAD_FONT"));
    }
}
