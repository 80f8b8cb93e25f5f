//! The provincial side played by the hub (issue 8), for tests and demos: `cmedesk-hub admin
//! approve-project | review-decision | remote-credit` log the province's facts as ops of its own
//! site ([`PROVINCE_SITE`], a gapless `site_seq`, HLC stamps, UUIDv7 op ids) through the same
//! push path as any desk's op, so desks receive them by the normal pull. The facts are checked
//! by `cmedesk_core::sync::province` against the merged data first; a refused fact logs nothing.
//!
//! Also the read views of the merged data that `/v1/approved-projects`, `/v1/review-decisions`
//! and `/v1/remote-credits` serve.

use anyhow::{Context as _, bail};
use cmedesk_core::{
    approved_projects::{CreditLevel, NewApprovedProject},
    credits::CreditClass,
};
use cmedesk_core::{
    error::CoreError,
    sync::{
        Outcome, PushReply, PushRequest, Replica,
        province::{self, Fact, PROVINCE_SITE},
    },
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::store::{HubError, HubStore};

/// Why a provincial fact was not logged.
#[derive(Debug, thiserror::Error)]
pub enum ProvinceError {
    #[error(transparent)]
    Hub(#[from] HubError),
    /// The desk's rules refuse the fact (its stable code and Chinese message).
    #[error("{}", .0.message_zh())]
    Refused(#[from] CoreError),
    #[error("the hub did not log the provincial op: {0}")]
    NotLogged(String),
}

impl ProvinceError {
    pub fn code(&self) -> &'static str {
        match self {
            ProvinceError::Hub(e) => e.code(),
            ProvinceError::Refused(e) => e.code(),
            ProvinceError::NotLogged(_) => "PROVINCE_OP_NOT_LOGGED",
        }
    }
}

/// What posting a fact did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posted {
    pub entity: String,
    pub entity_id: String,
    /// The province's `site_seq` and the log position, when something new was logged.
    pub site_seq: Option<i64>,
    pub server_seq: Option<i64>,
    /// The space already held the fact: nothing was logged.
    pub unchanged: bool,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl HubStore {
    /// The province's site row: enrolled on first use with no usable token (revoked), so no
    /// request can speak for it and log retention does not wait for it to pull.
    fn province_site(&mut self) -> Result<(), HubError> {
        if self.desks()?.iter().any(|d| d.site_id == PROVINCE_SITE) {
            return Ok(());
        }
        let now = (now_ms() / 1000).to_string();
        self.enrol(PROVINCE_SITE, "省级平台", &now)?;
        self.revoke(PROVINCE_SITE, &now)
    }

    /// Logs `make(merged data)`'s fact as the province's next op. Provincial posts are taken one
    /// at a time across processes (see [`ProvinceLock`]): two posts numbering the same `site_seq`
    /// would look like a copied desk and quarantine the province.
    pub fn post_fact(
        &mut self,
        make: impl FnOnce(&Replica) -> Result<Fact, CoreError>,
    ) -> Result<Posted, ProvinceError> {
        let lock = ProvinceLock::take(self)?;
        let posted = self.post_fact_locked(make);
        lock.release(self)?;
        posted
    }

    fn post_fact_locked(
        &mut self,
        make: impl FnOnce(&Replica) -> Result<Fact, CoreError>,
    ) -> Result<Posted, ProvinceError> {
        self.province_site()?;
        let fact = make(self.replica()?)?;
        let mut posted = Posted {
            entity: fact.entity.to_string(),
            entity_id: fact.entity_id.clone(),
            site_seq: None,
            server_seq: None,
            unchanged: fact.fields.is_empty(),
        };
        if posted.unchanged {
            return Ok(posted);
        }
        let site_seq = self.status(PROVINCE_SITE)?.acked_through + 1;
        let op_id = uuid::Uuid::now_v7().to_string();
        let op = province::to_op(self.replica()?, &fact, site_seq, &op_id, now_ms());
        let reply = self.push(&PushRequest { site_id: PROVINCE_SITE.into(), ops: vec![op] })?;
        match reply {
            PushReply::Accepted { results, .. } => match results.first().map(|r| &r.outcome) {
                Some(Outcome::Applied { server_seq }) => {
                    posted.site_seq = Some(site_seq);
                    posted.server_seq = Some(*server_seq);
                    Ok(posted)
                }
                other => Err(ProvinceError::NotLogged(format!("{other:?}"))),
            },
            other => Err(ProvinceError::NotLogged(format!("{other:?}"))),
        }
    }
}

/// Holds other processes' provincial posts off: an exclusive lock on `<hub.db>.province.lock`
/// (SQLite), or a session advisory lock (PostgreSQL, where several hub processes share a space).
enum ProvinceLock {
    File(std::fs::File),
    Advisory,
}

/// Any number: the PostgreSQL advisory lock of provincial posts.
const PROVINCE_PG_LOCK: i64 = 0x0063_6d65_7072_6f76;

impl ProvinceLock {
    fn take(store: &mut HubStore) -> Result<ProvinceLock, ProvinceError> {
        let io = |e: std::io::Error| ProvinceError::NotLogged(format!("province lock: {e}"));
        match store {
            HubStore::Sqlite(s) => {
                let db = s.conn_mut().path().unwrap_or_default().to_string();
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(format!("{db}.province.lock"))
                    .map_err(io)?;
                file.lock().map_err(io)?;
                Ok(ProvinceLock::File(file))
            }
            HubStore::Postgres(p) => {
                p.client_mut()
                    .execute("SELECT pg_advisory_lock($1)", &[&PROVINCE_PG_LOCK])
                    .map_err(HubError::from)?;
                Ok(ProvinceLock::Advisory)
            }
        }
    }

    fn release(self, store: &mut HubStore) -> Result<(), ProvinceError> {
        match (self, store) {
            (ProvinceLock::File(file), _) => {
                file.unlock().map_err(|e| ProvinceError::NotLogged(format!("province lock: {e}")))
            }
            (ProvinceLock::Advisory, HubStore::Postgres(p)) => {
                p.client_mut()
                    .execute("SELECT pg_advisory_unlock($1)", &[&PROVINCE_PG_LOCK])
                    .map_err(HubError::from)?;
                Ok(())
            }
            (ProvinceLock::Advisory, HubStore::Sqlite(_)) => Ok(()),
        }
    }
}

/// A row's current field values (stamps left out).
fn values(
    row: &std::collections::BTreeMap<String, cmedesk_core::sync::replica::Stamped>,
) -> Map<String, Value> {
    row.iter().map(|(k, s)| (k.clone(), s.value.clone())).collect()
}

/// The approved list as the space holds it (`GET /v1/approved-projects`), by code.
pub fn approved_projects(replica: &Replica) -> Vec<Value> {
    let mut out: Vec<Map<String, Value>> =
        replica.rows_of("approved_project").map(|(_, r)| values(r)).collect();
    out.sort_by(|a, b| a.get("code").map(Value::to_string).cmp(&b.get("code").map(Value::to_string)));
    out.into_iter().map(Value::Object).collect()
}

/// The province's review decisions (`GET /v1/review-decisions`): hosted projects whose state
/// the province set last, with the decision's time (its HLC wall clock, ms).
pub fn review_decisions(replica: &Replica) -> Vec<Value> {
    replica
        .rows_of("project")
        .filter_map(|(id, row)| {
            let state = row.get("state").filter(|s| s.hlc.site == PROVINCE_SITE)?;
            Some(serde_json::json!({
                "project_id": id,
                "code": row.get("code").map(|s| s.value.clone()),
                "decision": state.value,
                "reason": row.get("state_reason").map(|s| s.value.clone()),
                "decided_at_ms": state.hlc.wall_ms,
            }))
        })
        .collect()
}

/// Remote-learning credits (`GET /v1/remote-credits`), by person and code.
pub fn remote_credits(replica: &Replica) -> Vec<Value> {
    replica
        .rows_of("credit")
        .filter(|(_, row)| row.get("source").is_some_and(|s| s.value == "remote"))
        .map(|(_, row)| Value::Object(values(row)))
        .collect()
}

/// The provincial commands of `cmedesk-hub admin` (and `cmedesk hub admin`).
pub const ADMIN_COMMANDS: &[&str] = &["approve-project", "review-decision", "remote-credit", "submissions"];

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// Runs one provincial admin command (`args[0]` is its name, see the binary's header); the
/// answer is one JSON document; a refusal is an error starting with its stable code.
pub fn admin(store: &mut HubStore, args: &[String]) -> anyhow::Result<Value> {
    let posted = match args.first().map(String::as_str) {
        Some("submissions") => {
            let list = store.submissions(None).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            return Ok(serde_json::to_value(list)?);
        }
        Some("approve-project") => {
            let new = approved_entry(args)?;
            let id = uuid::Uuid::now_v7().to_string();
            store.post_fact(|r| province::approved_project(r, &new, &id))
        }
        Some("review-decision") => {
            let code = arg(args, "--project").context("--project CODE is required")?;
            let decision = arg(args, "--decision")
                .as_deref()
                .and_then(province::Decision::parse)
                .context("--decision approved|rejected is required")?;
            let reason = arg(args, "--reason");
            store.post_fact(|r| province::review_decision(r, &code, decision, reason.as_deref()))
        }
        Some("remote-credit") => {
            let input = remote_credit_args(args)?;
            let book = cmedesk_core::rules::RuleBook::embedded()?;
            store.post_fact(|r| province::remote_credit(r, &book, &input))
        }
        other => bail!("unknown provincial command {other:?}: {}", ADMIN_COMMANDS.join(" | ")),
    };
    match posted {
        Ok(p) => Ok(serde_json::to_value(p)?),
        // A refusal by the desk's rules keeps its type: the CLI shows its stable code and field.
        Err(ProvinceError::Refused(e)) => Err(e.into()),
        Err(e) => bail!("{}: {e}", e.code()),
    }
}

fn number<T: std::str::FromStr>(args: &[String], name: &str) -> anyhow::Result<Option<T>> {
    arg(args, name)
        .map(|v| v.trim().parse().map_err(|_| anyhow::anyhow!("{name} takes a number, not {v:?}")))
        .transpose()
}

fn date(args: &[String], name: &str) -> anyhow::Result<Option<chrono::NaiveDate>> {
    arg(args, name)
        .map(|v| v.parse().map_err(|_| anyhow::anyhow!("{name} takes a date YYYY-MM-DD, not {v:?}")))
        .transpose()
}

/// `approve-project`'s fields of the approved list (see schema/templates/approved-projects.toml).
fn approved_entry(args: &[String]) -> anyhow::Result<NewApprovedProject> {
    let level = arg(args, "--level")
        .map(|l| {
            CreditLevel::parse(&l)
                .with_context(|| format!("--level {l:?}: national|provincial|municipal|hospital"))
        })
        .transpose()?;
    Ok(NewApprovedProject {
        code: arg(args, "--code").context("--code CODE is required")?,
        year: number(args, "--year")?.context("--year YYYY is required")?,
        name: arg(args, "--name").context("--name NAME is required")?,
        credit_level: level,
        discipline: arg(args, "--discipline"),
        organizer: arg(args, "--organizer"),
        lead: arg(args, "--lead"),
        planned_start: date(args, "--start")?,
        planned_end: date(args, "--end")?,
        venue: arg(args, "--venue"),
        credits: number(args, "--credits")?.context("--credits X is required")?,
        total_hours: number(args, "--hours")?.context("--hours H is required")?,
        planned_enrolment: number(args, "--enrolment")?,
        source: None,
    })
}

fn remote_credit_args(args: &[String]) -> anyhow::Result<province::RemoteCredit> {
    let class = match arg(args, "--class").as_deref() {
        None => None,
        Some("I" | "1") => Some(CreditClass::ClassI),
        Some("II" | "2") => Some(CreditClass::ClassII),
        Some(other) => bail!("--class {other:?}: I or II"),
    };
    Ok(province::RemoteCredit {
        staff: arg(args, "--staff").context("--staff ID_NUMBER is required")?,
        project_code: arg(args, "--project").context("--project CODE is required")?,
        activity_name: arg(args, "--name"),
        credits: number(args, "--credits")?.context("--credits X is required")?,
        hours: number(args, "--hours")?.context("--hours H is required")?,
        platform: arg(args, "--platform").context("--platform P is required")?,
        activity_date: date(args, "--date")?.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        cme_year: number(args, "--year")?,
        credit_level: arg(args, "--level"),
        class,
        issuer: arg(args, "--issuer"),
        rule_set: arg(args, "--rule-set"),
    })
}
