//! The data key (数据密钥) that encrypts a desk database at rest (SQLCipher), and the key file
//! beside the database that holds it.
//!
//! Every desk gets a random 256-bit data key when it is created. SQLCipher is given the raw key
//! (`x'…'`), so no per-open KDF runs. The key lives in `<db>.key` (mode 0600; refused when others
//! may read it, like the statement signing key), either
//! - wrapped: XOR-ed with a key derived from an admin passphrase by argon2id (own salt and cost
//!   recorded in the line) plus a check value, so a stolen disk image without the passphrase
//!   reveals nothing; the passphrase comes from `CMEDESK_DB_PASSPHRASE` or a prompt; or
//! - plain: the admin chose no passphrase (demo desks, unattended machines). Then the file only
//!   protects a copy of the database that travels without its key file (a mailed backup, a
//!   copied `desk.db`), not a stolen whole disk. The choice is recorded in the line (`plain`).
//!
//! A key file may hold more than one line: the first is the current key, later ones are kept only
//! while a rekey swaps the database file, so a crash between the two renames can always be opened.
//! Every backup gets a copy of the current line beside it (`<backup>.key`).
//!
//! - keyring: with `CMEDESK_DB_KEYRING=1` a new desk's key goes into the OS keyring
//!   (`os_keyring`) and the line says only where it is (`keyring cmedesk/<account> <check>`);
//!   without a reachable keyring the key is kept in the line as above, and the caller is told.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, Result};
use crate::os_keyring;

const HEADER: &str = "CMEDESK-DB-KEY-V1";
/// argon2id cost for wrapping: 19 MiB, 2 passes (the OWASP minimum); paid once per open.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// The 256-bit SQLCipher key of one desk. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A fresh key from the OS's randomness.
    pub fn random() -> Result<DataKey> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| CoreError::Corrupt(format!("no OS randomness: {e}")))?;
        Ok(DataKey(k))
    }

    /// The value for `PRAGMA key` / `ATTACH … KEY`: a raw key, so SQLCipher skips its own KDF.
    pub(crate) fn sql_literal(&self) -> String {
        format!("\"x'{}'\"", hex(&self.0))
    }
}

/// How the data key is kept in the key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Stored as is: whoever can read the key file can open the database.
    Plain,
    /// Wrapped with a key derived from an admin passphrase (argon2id).
    Passphrase,
    /// In the OS keyring; the key file names the entry.
    Keyring,
}

/// What unlocks a key file: the admin passphrase, when the key is wrapped. `keyring`: a new
/// desk's key goes into the OS keyring when one is reachable.
#[derive(Clone, Default)]
pub struct Unlock {
    pub passphrase: Option<String>,
    pub keyring: bool,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = if self.passphrase.is_some() { "Some(…)" } else { "None" };
        write!(f, "Unlock {{ passphrase: {p}, keyring: {} }}", self.keyring)
    }
}

impl Unlock {
    /// `CMEDESK_DB_PASSPHRASE` for scripts, tests and the desktop app's environment; an empty
    /// value counts as none. The one place the core reads the environment: every adapter's
    /// `Desk::open` then unlocks the same way.
    pub fn from_env() -> Unlock {
        Unlock {
            passphrase: std::env::var("CMEDESK_DB_PASSPHRASE").ok().filter(|p| !p.is_empty()),
            keyring: std::env::var("CMEDESK_DB_KEYRING").is_ok_and(|v| !v.is_empty() && v != "0"),
        }
    }

    pub fn with_passphrase(passphrase: impl Into<String>) -> Unlock {
        Unlock { passphrase: Some(passphrase.into()), keyring: false }
    }
}

/// `<db>.key`.
pub fn key_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    db.with_file_name(name)
}

/// Whether `db` is an SQLite file in plain text (a desk from before encryption): its first 16
/// bytes are SQLite's magic header. An encrypted file starts with its random salt instead.
/// For tools and tests looking at files nobody has open: reading a file this process has open
/// in SQLite releases the process's locks on it (opening a desk asks SQLite instead).
pub fn is_plaintext(db: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    match std::fs::File::open(db).and_then(|mut f| f.read_exact(&mut head)) {
        Ok(()) => &head == b"SQLite format 3\0",
        Err(_) => false,
    }
}

/// One line of a key file, as stored (opaque: it may hold the key unwrapped).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyLine(String);

impl std::fmt::Debug for KeyLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLine({:?})", self.protection())
    }
}

impl KeyLine {
    /// Wraps `key` for `protection` (a passphrase is required for `Passphrase`).
    pub(crate) fn seal(key: &DataKey, passphrase: Option<&str>) -> Result<KeyLine> {
        match passphrase {
            None => Ok(KeyLine(format!("plain {}", hex(&key.0)))),
            Some(p) => {
                let mut salt = [0u8; 16];
                getrandom::fill(&mut salt)
                    .map_err(|e| CoreError::Corrupt(format!("no OS randomness: {e}")))?;
                let kek = derive(p, &salt, M_COST_KIB, T_COST, P_COST)?;
                let wrapped: Vec<u8> = key.0.iter().zip(kek.iter()).map(|(a, b)| a ^ b).collect();
                Ok(KeyLine(format!(
                    "argon2id m={M_COST_KIB},t={T_COST},p={P_COST} {} {} {}",
                    hex(&salt),
                    hex(&wrapped),
                    hex(&check(&kek))
                )))
            }
        }
    }

    /// The line for a new desk as `unlock` asks: in the OS keyring when asked for and one is
    /// reachable, else as [`KeyLine::seal`]; then also why the keyring was not used.
    pub(crate) fn seal_for(key: &DataKey, unlock: &Unlock) -> Result<(KeyLine, Option<String>)> {
        if unlock.keyring {
            let mut id = [0u8; 8];
            getrandom::fill(&mut id).map_err(|e| CoreError::Corrupt(format!("no OS randomness: {e}")))?;
            let account = format!("desk-{}", hex(&id));
            match os_keyring::store(&account, &hex(&key.0)) {
                Ok(()) => {
                    let line = format!(
                        "keyring {}/{account} {}",
                        os_keyring::SERVICE,
                        hex(&os_keyring::check(&key.0))
                    );
                    return Ok((KeyLine(line), None));
                }
                Err(e) => {
                    let why = match e {
                        os_keyring::KeyringError::Unavailable(why) => why,
                        os_keyring::KeyringError::NoEntry => "no entry".into(),
                    };
                    let line = KeyLine::seal(key, unlock.passphrase.as_deref())?;
                    return Ok((line, Some(why)));
                }
            }
        }
        Ok((KeyLine::seal(key, unlock.passphrase.as_deref())?, None))
    }

    /// A line naming a new OS keyring entry that now holds `key` (stored, then read back and
    /// checked, before the line exists): `DB_KEYRING_UNAVAILABLE` when no keyring takes it.
    pub(crate) fn into_keyring(key: &DataKey, file: &Path) -> Result<KeyLine> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| CoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let account = format!("desk-{}", hex(&id));
        os_keyring::store(&account, &hex(&key.0)).map_err(|_| key_error("DB_KEYRING_UNAVAILABLE", file))?;
        let line =
            KeyLine(format!("keyring {}/{account} {}", os_keyring::SERVICE, hex(&os_keyring::check(&key.0))));
        match line.open(&Unlock::default(), file) {
            Ok(k) if &k == key => Ok(line),
            _ => {
                let _ = os_keyring::delete(&account);
                Err(key_error("DB_KEYRING_UNAVAILABLE", file))
            }
        }
    }

    /// The keyring account a `keyring` line names.
    pub(crate) fn keyring_account(&self) -> Option<&str> {
        let entry = self.0.strip_prefix("keyring ")?.split(' ').next()?;
        entry.strip_prefix(os_keyring::SERVICE)?.strip_prefix('/')
    }

    pub(crate) fn protection(&self) -> Protection {
        if self.0.starts_with("plain ") {
            Protection::Plain
        } else if self.0.starts_with("keyring ") {
            Protection::Keyring
        } else {
            Protection::Passphrase
        }
    }

    /// The data key in this line; `DB_PASSPHRASE_REQUIRED` / `DB_PASSPHRASE_WRONG` when wrapped.
    pub(crate) fn open(&self, unlock: &Unlock, file: &Path) -> Result<DataKey> {
        let damaged = || key_error("DB_KEY_DAMAGED", file);
        let parts: Vec<&str> = self.0.split(' ').collect();
        match parts.as_slice() {
            ["plain", k] => Ok(DataKey(unhex::<32>(k).ok_or_else(damaged)?)),
            ["keyring", entry, chk] => {
                let account = match entry.split_once('/') {
                    Some((service, account)) if service == os_keyring::SERVICE => account,
                    _ => return Err(damaged()),
                };
                let secret = os_keyring::load(account).map_err(|e| match e {
                    os_keyring::KeyringError::NoEntry => key_error("DB_KEYRING_NO_ENTRY", file),
                    os_keyring::KeyringError::Unavailable(_) => key_error("DB_KEYRING_UNAVAILABLE", file),
                })?;
                let k = unhex::<32>(secret.trim()).ok_or_else(damaged)?;
                if unhex::<32>(chk) != Some(os_keyring::check(&k)) {
                    return Err(key_error("DB_KEY_DAMAGED", file));
                }
                Ok(DataKey(k))
            }
            ["argon2id", params, salt, wrapped, chk] => {
                let Some(p) = &unlock.passphrase else {
                    return Err(key_error("DB_PASSPHRASE_REQUIRED", file));
                };
                let (m, t, par) = parse_params(params).ok_or_else(damaged)?;
                let salt = unhex::<16>(salt).ok_or_else(damaged)?;
                let wrapped = unhex::<32>(wrapped).ok_or_else(damaged)?;
                let chk = unhex::<32>(chk).ok_or_else(damaged)?;
                let kek = derive(p, &salt, m, t, par)?;
                if check(&kek) != chk {
                    return Err(key_error("DB_PASSPHRASE_WRONG", file));
                }
                let mut k = [0u8; 32];
                for (i, b) in k.iter_mut().enumerate() {
                    *b = wrapped[i] ^ kek[i];
                }
                Ok(DataKey(k))
            }
            _ => Err(damaged()),
        }
    }
}

/// Reads the key lines of `file` (current first). `DB_KEY_MISSING` when there is no file,
/// `DB_KEY_EXPOSED` when others may read it.
pub(crate) fn read_lines(file: &Path) -> Result<Vec<KeyLine>> {
    if !file.exists() {
        return Err(key_error("DB_KEY_MISSING", file));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(file).map_err(|_| key_error("DB_KEY_MISSING", file))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(key_error("DB_KEY_EXPOSED", file));
        }
    }
    let text = std::fs::read_to_string(file).map_err(|_| key_error("DB_KEY_DAMAGED", file))?;
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(HEADER) {
        return Err(key_error("DB_KEY_DAMAGED", file));
    }
    let out: Vec<KeyLine> =
        lines.map(str::trim).filter(|l| !l.is_empty()).map(|l| KeyLine(l.to_string())).collect();
    if out.is_empty() {
        return Err(key_error("DB_KEY_DAMAGED", file));
    }
    Ok(out)
}

/// Writes `lines` to `file` atomically (a 0600 `.part` file, synced, then renamed).
pub(crate) fn write_lines(file: &Path, lines: &[KeyLine]) -> Result<()> {
    let mut part = file.as_os_str().to_os_string();
    part.push(".part");
    let part = PathBuf::from(part);
    let io = |e: std::io::Error| CoreError::Corrupt(format!("writing key file {}: {e}", file.display()));
    let _ = std::fs::remove_file(&part);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&part).map_err(io)?;
    let mut text = format!("{HEADER}\n");
    for l in lines {
        text.push_str(&l.0);
        text.push('\n');
    }
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(io)?;
    drop(f);
    std::fs::rename(&part, file).map_err(io)?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The refusal for a key problem, with its stable code.
pub(crate) fn key_error(code: &'static str, file: &Path) -> CoreError {
    CoreError::DbKey { code, path: file.display().to_string() }
}

fn derive(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<[u8; 32]> {
    let params =
        Params::new(m, t, p, Some(32)).map_err(|e| CoreError::Corrupt(format!("argon2 params: {e}")))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| CoreError::Corrupt(format!("argon2: {e}")))?;
    Ok(out)
}

/// A value that tells a wrong passphrase from a right one without revealing the derived key.
fn check(kek: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cmedesk db key check\0");
    h.update(kek);
    h.finalize().into()
}

fn parse_params(s: &str) -> Option<(u32, u32, u32)> {
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in s.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    Some((m?, t?, p?))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_key_opens_only_with_its_passphrase() {
        let key = DataKey::random().unwrap();
        let line = KeyLine::seal(&key, Some("correct horse")).unwrap();
        assert_eq!(line.protection(), Protection::Passphrase);
        assert!(!line.0.contains(&hex(&key.0)), "the wrapped line must not hold the key");
        let f = Path::new("desk.db.key");
        assert_eq!(line.open(&Unlock::with_passphrase("correct horse"), f).unwrap(), key);
        assert_eq!(
            line.open(&Unlock::with_passphrase("wrong"), f).unwrap_err().code(),
            "DB_PASSPHRASE_WRONG"
        );
        assert_eq!(line.open(&Unlock::default(), f).unwrap_err().code(), "DB_PASSPHRASE_REQUIRED");
        let plain = KeyLine::seal(&key, None).unwrap();
        assert_eq!(plain.protection(), Protection::Plain);
        assert_eq!(plain.open(&Unlock::default(), f).unwrap(), key);
    }

    #[test]
    fn key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.db.key");
        assert_eq!(read_lines(&f).unwrap_err().code(), "DB_KEY_MISSING");
        write_lines(&f, &[KeyLine::seal(&DataKey::random().unwrap(), None).unwrap()]).unwrap();
        assert_eq!(read_lines(&f).unwrap().len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(read_lines(&f).unwrap_err().code(), "DB_KEY_EXPOSED");
        }
    }
}
