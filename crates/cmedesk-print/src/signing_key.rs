//! The installation's statement-signing key: an Ed25519 key generated once from OS randomness
//! and kept in a file beside the desk database (`statement-signing.key`, mode 0600), never in
//! the database — so it is in no backup, no outbox and no sync. The public key is exported as a
//! small text file that other desks (or an auditor) pass to `cmedesk verify --trust`.
//!
//! Formats, one line each after a header line, hex so a person can compare them by eye:
//! `CMEDESK-STATEMENT-KEY-V1` + the 32-byte seed, `CMEDESK-STATEMENT-PUBLIC-V1` + the public key.

use std::io::Write;
use std::path::{Path, PathBuf};

use cmedesk_core::statement::{key_id, signing_key_from_seed, verifying_key_from_bytes};
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::PrintError;

const SECRET_HEADER: &str = "CMEDESK-STATEMENT-KEY-V1";
const PUBLIC_HEADER: &str = "CMEDESK-STATEMENT-PUBLIC-V1";
/// The key file's name beside the database.
pub const FILE_NAME: &str = "statement-signing.key";

/// Where the key lives when no path is given: beside the database file (whose default place
/// is the platform's data dir, e.g. `~/.local/share/cmedesk/`).
pub fn default_path(db: &Path) -> PathBuf {
    db.parent().map(Path::to_path_buf).unwrap_or_default().join(FILE_NAME)
}

fn key_error(path: &Path, reason: impl Into<String>) -> PrintError {
    PrintError::SigningKey { path: path.to_path_buf(), reason: reason.into() }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Loads the key at `path`, generating it first when the file does not exist yet.
/// Returns the key and whether it was just created.
pub fn load_or_create(path: &Path) -> Result<(SigningKey, bool), PrintError> {
    if path.exists() {
        return load(path).map(|k| (k, false));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| key_error(path, format!("no OS randomness: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| key_error(path, e.to_string()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    // create_new: two processes racing to create the key cannot overwrite each other's.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return load(path).map(|k| (k, false)),
        Err(e) => return Err(key_error(path, e.to_string())),
    };
    let text = format!("{SECRET_HEADER}\n{}\n", hex(&seed));
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| key_error(path, e.to_string()))?;
    Ok((signing_key_from_seed(&seed), true))
}

/// Loads an existing key; refuses a file others can read (like ssh does), because anyone with
/// it can sign statements in this hospital's name.
pub fn load(path: &Path) -> Result<SigningKey, PrintError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| key_error(path, e.to_string()))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(PrintError::SigningKeyExposed { path: path.to_path_buf(), mode });
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| key_error(path, e.to_string()))?;
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(SECRET_HEADER) {
        return Err(key_error(path, "not a CME Desk signing key file"));
    }
    let seed = lines.next().and_then(unhex::<32>).ok_or_else(|| key_error(path, "damaged key line"))?;
    Ok(signing_key_from_seed(&seed))
}

/// The public key as the exported text file's contents.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_HEADER}\n{}\n", hex(key.as_bytes()))
}

/// Reads an exported public key (a file written from [`public_key_text`]).
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, PrintError> {
    let text = std::fs::read_to_string(path).map_err(|e| key_error(path, e.to_string()))?;
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(PUBLIC_HEADER) {
        return Err(key_error(path, "not a CME Desk public key file"));
    }
    let bytes = lines.next().and_then(unhex::<32>).ok_or_else(|| key_error(path, "damaged key line"))?;
    Ok(verifying_key_from_bytes(&bytes)?)
}

/// The key id as printed on statements (8 hex digits).
pub fn key_id_hex(key: &VerifyingKey) -> String {
    hex(&key_id(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_private_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("cmedesk-key-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(FILE_NAME);
        let (a, created) = load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(created);
        let (b, created) = load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!created);
        assert_eq!(a.to_bytes(), b.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(load(&path).err().map(|e| e.code()), Some("PRINT_SIGNING_KEY_EXPOSED"));
        }
        let public = dir.join("public.txt");
        std::fs::write(&public, public_key_text(&a.verifying_key())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_public_key(&public).ok(), Some(a.verifying_key()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
