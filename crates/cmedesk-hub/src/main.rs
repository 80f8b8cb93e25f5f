//! `cmedesk-hub`: runs the exchange server, enrols desks and starts a new epoch after a restore.
//!
//! ```text
//! cmedesk-hub serve --listen 127.0.0.1:8787 --db hub.db     # prints "listening on ADDR"
//! cmedesk-hub serve --postgres postgres://u@127.0.0.1/hub    # (every command takes --postgres)
//! cmedesk-hub serve ... --tls-cert chain.pem --tls-key key.pem # HTTPS
//! cmedesk-hub enrol --db hub.db --site SITE_ID [--name NAME] # prints the desk token once
//! cmedesk-hub new-epoch --db hub.db                          # after restoring a backup
//! cmedesk-hub admin desks --db hub.db                         # enrolled desks (JSON, no tokens)
//! cmedesk-hub admin revoke --db hub.db --site SITE_ID         # the desk's token stops working
//! cmedesk-hub admin reissue --db hub.db --site SITE_ID        # a new token, printed once
//! cmedesk-hub admin log --db hub.db                           # epoch, head, retention state
//! cmedesk-hub admin prune --db hub.db [--days 180] [--dry-run] # exchange-log retention
//! # the provincial side (省级平台), for tests and demos: facts logged as the province's ops
//! cmedesk-hub admin approve-project --db hub.db --code C --year Y --name N --credits X --hours H
//!     [--level national|provincial|…] [--discipline D] [--organizer O] [--lead L] [--venue V]
//!     [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--enrolment N]
//! cmedesk-hub admin review-decision --db hub.db --project CODE --decision approved|rejected [--reason R]
//! cmedesk-hub admin remote-credit --db hub.db --staff ID_NUMBER --project CODE --credits X --hours H
//!     --platform P [--date YYYY-MM-DD] [--year Y] [--name N] [--level L] [--class I|II] [--issuer I] [--rule-set R]
//! ```
//! `CMEDESK_HUB_ADMIN_TOKEN` enables enrolment over HTTP.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, bail};
use cmedesk_hub::{HubStore, router, serve};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let open = || -> anyhow::Result<HubStore> {
        if let Some(url) = arg(&args, "--postgres") {
            return HubStore::open_postgres(&url).context("connecting to PostgreSQL");
        }
        let db: PathBuf =
            arg(&args, "--db").map(PathBuf::from).context("--db PATH or --postgres URL is required")?;
        HubStore::open(&db).context("opening the hub database")
    };
    match args.first().map(String::as_str) {
        Some("serve") => {
            let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:8787".into());
            let store = open()?;
            let admin = std::env::var("CMEDESK_HUB_ADMIN_TOKEN").ok();
            let app = router(store, admin.as_deref());
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                println!("listening on {}", listener.local_addr()?);
                match (arg(&args, "--tls-cert"), arg(&args, "--tls-key")) {
                    (Some(cert), Some(key)) => {
                        let config = cmedesk_hub::tls::server_config(cert.as_ref(), key.as_ref())?;
                        cmedesk_hub::serve_tls(listener, config, app).await?
                    }
                    (None, None) => serve(listener, app).await?,
                    _ => bail!("--tls-cert and --tls-key go together"),
                }
                anyhow::Ok(())
            })
        }
        Some("enrol") => {
            let site = arg(&args, "--site").context("--site SITE_ID is required")?;
            let name = arg(&args, "--name").unwrap_or_else(|| site.clone());
            let mut store = open()?;
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs().to_string();
            println!("{}", store.enrol(&site, &name, &now)?);
            Ok(())
        }
        Some("new-epoch") => {
            let mut store = open()?;
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
            println!("{}", store.new_epoch(now_ms)?);
            Ok(())
        }
        Some("admin") => admin(&args, open()?),
        _ => bail!(
            "usage: cmedesk-hub admin (desks | revoke --site ID | reissue --site ID | log | prune [--days N] [--dry-run]) (--db PATH | --postgres URL) |  cmedesk-hub serve --listen ADDR (--db PATH | --postgres URL) | enrol (--db PATH | --postgres URL) --site ID [--name N] | new-epoch (--db PATH | --postgres URL)"
        ),
    }
}

/// The provincial side's administration; every answer is one JSON document on stdout.
fn admin(args: &[String], mut store: HubStore) -> anyhow::Result<()> {
    let site = || arg(args, "--site").context("--site SITE_ID is required");
    let out = match args.get(1).map(String::as_str) {
        Some("desks") => serde_json::to_value(store.desks()?)?,
        Some("revoke") => {
            let site = site()?;
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs().to_string();
            store.revoke(&site, &now)?;
            serde_json::json!({"site_id": site, "revoked": true})
        }
        Some("reissue") => {
            let site = site()?;
            // The token is printed once here, for the officer to enter on the desk.
            serde_json::json!({"site_id": site, "token": store.reissue(&site)?})
        }
        Some("log") => serde_json::to_value(store.log_info()?)?,
        Some("prune") => {
            let days = match arg(args, "--days") {
                Some(d) => d.parse().context("--days takes a whole number")?,
                None => cmedesk_hub::retention::KEEP_DAYS,
            };
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
            serde_json::to_value(store.prune(now_ms, days, args.iter().any(|a| a == "--dry-run"))?)?
        }
        Some(cmd) if cmedesk_hub::province::ADMIN_COMMANDS.contains(&cmd) => {
            // A refusal by the desk's rules: its stable code and the Chinese message.
            cmedesk_hub::province::admin(&mut store, &args[1..]).map_err(|e| match e
                .downcast_ref::<cmedesk_core::CoreError>()
            {
                Some(c) => anyhow::anyhow!("{}: {}", c.code(), c.message_zh()),
                None => e,
            })?
        }
        _ => bail!(
            "usage: cmedesk-hub admin (desks | revoke --site ID | reissue --site ID | log | prune [--days N] [--dry-run] | approve-project … | review-decision … | remote-credit …)"
        ),
    };
    println!("{out}");
    Ok(())
}
