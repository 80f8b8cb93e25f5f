//! The installation's LAN identity, made on first start and kept in the state folder: a
//! self-signed TLS certificate (rcgen) with its key, and a 32-byte secret that signs QR tokens
//! and form tickets. The certificate's SHA-256 fingerprint is what the kiosk shows, so staff can
//! compare it with what their phone's browser reports for the self-signed certificate.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

const CERT: &str = "lan-cert.der";
const KEY: &str = "lan-key.der";
const SECRET: &str = "lan-secret";

/// Certificate, key and token secret of this installation.
pub struct Identity {
    pub cert_der: Vec<u8>,
    /// PKCS#8 private key of the certificate.
    pub key_der: Vec<u8>,
    pub secret: [u8; 32],
    /// SHA-256 of the certificate, `AB:CD:…`.
    pub fingerprint: String,
    pub dir: PathBuf,
}

/// `AB:CD:…` of the SHA-256 of `der`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("part");
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    }
    fs::rename(&tmp, path)?;
    Ok(())
}

/// Loads the identity from `dir`, creating what is missing. `names` go into the certificate's
/// subject alternative names when it is first made (the listen address, `localhost`).
pub fn load_or_create(dir: &Path, names: &[String]) -> Result<Identity> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (cert_path, key_path, secret_path) = (dir.join(CERT), dir.join(KEY), dir.join(SECRET));
    if !(cert_path.exists() && key_path.exists()) {
        let made =
            rcgen::generate_simple_self_signed(names.to_vec()).context("making the TLS certificate")?;
        write_private(&key_path, &made.signing_key.serialize_der())?;
        write_private(&cert_path, made.cert.der())?;
    }
    if !secret_path.exists() {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("random secret: {e}"))?;
        write_private(&secret_path, &secret)?;
    }
    let cert_der = fs::read(&cert_path)?;
    let key_der = fs::read(&key_path)?;
    let secret: [u8; 32] = fs::read(&secret_path)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("{} is damaged: delete it to make a new one", secret_path.display()))?;
    Ok(Identity { fingerprint: fingerprint(&cert_der), cert_der, key_der, secret, dir: dir.to_path_buf() })
}
