//! Errors of the printing crate, with stable codes for the UI and `--json`.

use std::path::PathBuf;

/// Why a booklet or statement could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No CJK font on the system and no override given.
    #[error(
        "未找到中文字体，请安装 Noto Sans CJK / 文泉驿微米黑，或在设置中指定字体文件 / no CJK font found (looked in: {searched})"
    )]
    NoFont {
        /// The paths that were tried, for the message.
        searched: String,
    },
    /// A font file that cannot be read or parsed.
    #[error("字体文件无法读取: {path} ({reason}) / cannot load font {path}: {reason}")]
    BadFont {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The font's OS/2 fsType forbids embedding (or subsetting) it in a document.
    #[error("字体 {path} 的授权不允许嵌入 PDF (fsType {fs_type:#06x}) / font licence forbids embedding")]
    EmbeddingForbidden {
        /// The font file.
        path: PathBuf,
        /// The OS/2 fsType value found.
        fs_type: u16,
    },
    /// A character no available font can draw: printing it would silently drop it.
    #[error(
        "字符“{ch}”(U+{codepoint:04X}) 在所有字体中都不存在 ({fonts})，无法打印“{text}” / no font has the character {ch} (U+{codepoint:04X}) in {text:?}"
    )]
    MissingGlyph {
        /// The character.
        ch: char,
        /// Its code point.
        codepoint: u32,
        /// The text it appears in (a name, a project title), so the officer can find it.
        text: String,
        /// The fonts that were tried.
        fonts: String,
    },
    /// The QR code could not be built (payload too large for a QR symbol).
    #[error("二维码生成失败: {0} / QR code failed: {0}")]
    Qr(String),
    /// The statement could not be signed.
    #[error(transparent)]
    Statement(#[from] cmedesk_core::statement::StatementError),
    /// The statement-signing key file cannot be read, created or parsed.
    #[error("签名密钥文件 {path} 无法使用: {reason} / signing key file {path}: {reason}")]
    SigningKey {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The signing key file is readable by others: anyone could sign statements with it.
    #[error(
        "签名密钥文件 {path} 的权限过宽 ({mode:o})，请执行 chmod 600 / signing key file {path} is readable by others (mode {mode:o})"
    )]
    SigningKeyExposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Writing an output file failed.
    #[error("写入 {path} 失败: {source} / cannot write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl PrintError {
    /// Stable SCREAMING_SNAKE code.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::NoFont { .. } => "PRINT_NO_FONT",
            PrintError::BadFont { .. } => "PRINT_BAD_FONT",
            PrintError::EmbeddingForbidden { .. } => "PRINT_FONT_EMBEDDING_FORBIDDEN",
            PrintError::MissingGlyph { .. } => "PRINT_MISSING_GLYPH",
            PrintError::Qr(_) => "PRINT_QR_FAILED",
            PrintError::Statement(e) => e.code(),
            PrintError::SigningKey { .. } => "PRINT_SIGNING_KEY",
            PrintError::SigningKeyExposed { .. } => "PRINT_SIGNING_KEY_EXPOSED",
            PrintError::Io { .. } => "PRINT_IO",
        }
    }
}
