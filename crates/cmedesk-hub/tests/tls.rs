//! HTTPS between desk and hub with a generated certificate (rcgen): the hub serves with a
//! certificate signed by a test CA; a desk configured with that CA pushes and pulls; a desk that
//! does not trust the CA, and a plain-HTTP request to the TLS port, get nowhere.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use cmedesk_core::sync::DeskSync;
use cmedesk_sync::{Client, SyncOptions, sync_round};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::json;

struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_trusting_the_hospital_ca_syncs_over_https_and_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // The hospital's CA and the hub's certificate for 127.0.0.1 / localhost.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "CME Desk test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let hub_key = KeyPair::generate().unwrap();
    let hub_params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let hub_cert = hub_params.signed_by(&hub_key, &issuer).unwrap();
    let (cert_file, key_file) = (dir.path().join("hub.pem"), dir.path().join("hub.key"));
    std::fs::write(&cert_file, hub_cert.pem()).unwrap();
    std::fs::write(&key_file, hub_key.serialize_pem()).unwrap();

    let db = dir.path().join("hub.db");
    let enrol = Command::new(env!("CARGO_BIN_EXE_cmedesk-hub"))
        .args(["enrol", "--site", "site-a", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let token = String::from_utf8(enrol.stdout).unwrap().trim().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cmedesk-hub"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--tls-cert")
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _hub = Hub(child);
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_string();

    let url = format!("https://{addr}");
    let trusted = Client::with_ca(&url, &token, Duration::from_secs(10), ca_cert.pem().as_bytes()).unwrap();
    let mut desk = DeskSync::new("site-a");
    desk.record_event("op-1", "swipe", "sw-1", json!({"card_key": "ic:0012345678"})).unwrap();
    desk.record_fields("op-2", "staff", "s1", [("phone".to_string(), json!("13800000000"))].into(), now_ms())
        .unwrap();
    let report = sync_round(&trusted, &mut desk, &SyncOptions::default(), now_ms).await.unwrap();
    assert_eq!((report.pushed, report.pulled, report.cursor), (2, 2, 2), "{report:?}");
    let status = trusted.status().await.unwrap();
    assert_eq!(status.state_hash, desk.confirmed().canonical_hash());

    // The system's CAs do not vouch for the hospital's: the handshake fails, nothing is sent.
    let untrusted = Client::new(&url, &token, Duration::from_secs(10)).unwrap();
    let err = untrusted.status().await.unwrap_err();
    assert_eq!(err.code(), "SYNC_NETWORK", "{err}");
    // Nor does a CA of someone else.
    let other_key = KeyPair::generate().unwrap();
    let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
    other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other_ca = other.self_signed(&other_key).unwrap();
    let stranger = Client::with_ca(&url, &token, Duration::from_secs(10), other_ca.pem().as_bytes()).unwrap();
    assert_eq!(stranger.status().await.unwrap_err().code(), "SYNC_NETWORK");
    // Plain HTTP to the TLS port gets no answer.
    let plain = Client::new(&format!("http://{addr}"), &token, Duration::from_secs(3)).unwrap();
    assert!(plain.status().await.is_err());
}
