//! What every command needs: the database path, the operator and their password, the clock,
//! and how to print a reply or an error (plain text for people, JSON for scripts).

use std::{io::IsTerminal, path::PathBuf};

use anyhow::{Context as _, Result, anyhow};
use chrono::{DateTime, FixedOffset};
use clap::Args;
use cmedesk_core::{Actor, CoreError, Desk, privacy, privacy::IdView, session};
use serde_json::{Value, json};

#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// The desk database file [default: the platform data dir, e.g. ~/.local/share/cmedesk/desk.db]
    #[arg(long, global = true, env = "CMEDESK_DB")]
    pub db: Option<PathBuf>,
    /// Print machine-readable JSON
    #[arg(long, global = true)]
    pub json: bool,
    /// The operator who acts
    #[arg(long, global = true, env = "CMEDESK_OPERATOR", default_value = "admin")]
    pub operator: String,
    /// The operator's password (prompted for when absent and a terminal is attached)
    #[arg(long, global = true, env = "CMEDESK_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Show 身份证号 in full (roles allowed only; each use is written to the audit log).
    /// Masked (`1101**********002X`) otherwise, in output, exports and messages.
    #[arg(long = "show-full-id", global = true)]
    pub show_full_id: bool,
}

pub struct Context {
    pub args: GlobalArgs,
    desk: Option<Desk>,
    actor: Option<Actor>,
    signed_in_password: Option<String>,
    id_view: IdView,
    /// What unlocked the desk's key file (the passphrase, if it was asked for).
    unlock: cmedesk_core::db_key::Unlock,
}

/// A command's result: JSON for `--json`, text otherwise.
pub struct Reply {
    pub json: Value,
    pub text: String,
    /// The command ran but its answer is "no" (e.g. an invalid ID, a broken audit chain).
    pub failed: bool,
}

impl Reply {
    pub fn new(json: Value, text: impl Into<String>) -> Reply {
        Reply { json, text: text.into(), failed: false }
    }

    /// Prints the reply, ID numbers masked unless `view` is a granted full view.
    pub fn print(&self, json: bool, view: &IdView) {
        let mut masked = Reply { json: self.json.clone(), text: view.text(&self.text), failed: self.failed };
        view.json(&mut masked.json);
        masked.print_unmasked(json);
    }

    /// Prints the reply as it is: only for commands that show nothing from the desk.
    pub fn print_unmasked(&self, json: bool) {
        if json && self.json.is_null() {
            // The command printed its own lines (e.g. one per swipe).
        } else if json {
            emit(&serde_json::to_string_pretty(&self.json).unwrap_or_default());
        } else if !self.text.is_empty() {
            emit(self.text.trim_end());
        }
    }
}

impl Context {
    pub fn new(args: GlobalArgs) -> Context {
        Context {
            args,
            desk: None,
            actor: None,
            signed_in_password: None,
            id_view: IdView::Masked,
            unlock: cmedesk_core::db_key::Unlock::from_env(),
        }
    }

    /// How this run shows ID numbers (masked unless `--show-full-id` was granted).
    pub fn id_view(&self) -> &IdView {
        &self.id_view
    }

    /// `--show-full-id`: signs in, checks the role and writes the view to the audit log before
    /// the command runs; refused, the command does not run.
    pub fn reveal_ids(&mut self, purpose: &str) -> Result<()> {
        let (desk, actor) = self.actor()?;
        self.id_view = privacy::reveal(desk, &actor, purpose)?;
        Ok(())
    }

    pub fn db_path(&self) -> Result<PathBuf> {
        match &self.args.db {
            Some(p) => Ok(p.clone()),
            None => Ok(dirs::data_dir()
                .ok_or_else(|| anyhow!("no data directory; pass --db"))?
                .join("cmedesk")
                .join("desk.db")),
        }
    }

    /// The clock: `CMEDESK_NOW` (RFC 3339) pins it for reproducible scripts and tests.
    pub fn now(&self) -> Result<DateTime<FixedOffset>> {
        match std::env::var("CMEDESK_NOW") {
            Ok(s) => {
                DateTime::parse_from_rfc3339(&s).with_context(|| format!("CMEDESK_NOW={s} is not RFC 3339"))
            }
            Err(_) => Ok(chrono::Local::now().fixed_offset()),
        }
    }

    pub fn desk(&mut self) -> Result<&mut Desk> {
        if self.desk.is_none() {
            let path = self.db_path()?;
            let desk = match Desk::open_with(&path, &self.unlock) {
                // A key wrapped with the admin passphrase and no CMEDESK_DB_PASSPHRASE: ask.
                Err(e) if e.code() == "DB_PASSPHRASE_REQUIRED" && std::io::stdin().is_terminal() => {
                    self.unlock.passphrase = Some(rpassword::prompt_password("数据库口令: ")?);
                    Desk::open_with(&path, &self.unlock)?
                }
                other => other?,
            };
            self.desk = Some(desk);
        }
        Ok(self.desk.as_mut().expect("opened above"))
    }

    /// Takes the open desk (rekey closes and swaps its file); `set_desk` puts one back.
    pub fn take_desk(&mut self) -> Result<Desk> {
        self.desk()?;
        Ok(self.desk.take().expect("opened above"))
    }

    /// The passphrase the desk was unlocked with, if any.
    pub fn unlock(&self) -> &cmedesk_core::db_key::Unlock {
        &self.unlock
    }

    pub fn set_desk(&mut self, desk: Desk) {
        self.desk = Some(desk);
    }

    /// The password from `--password` / `CMEDESK_PASSWORD`, or a prompt on a terminal.
    pub fn password(&self, prompt: &str) -> Result<String> {
        if let Some(p) = &self.args.password {
            return Ok(p.clone());
        }
        if std::io::stdin().is_terminal() {
            return Ok(rpassword::prompt_password(prompt)?);
        }
        Err(CoreError::Required {
            field: "password",
            label_zh: "密码（--password 或环境变量 CMEDESK_PASSWORD）",
        }
        .into())
    }

    /// The password the operator signed in with (it is the "current password" for `passwd`).
    pub fn signed_in_password(&self) -> Option<String> {
        self.signed_in_password.clone()
    }

    /// The signed-in operator and the current time.
    pub fn actor(&mut self) -> Result<(&mut Desk, Actor)> {
        if self.actor.is_none() {
            let password = self.password(&format!("{} 的密码: ", self.args.operator))?;
            let now = self.now()?;
            let username = self.args.operator.clone();
            let policy = session::SessionPolicy::default();
            let operator = session::sign_in(self.desk()?, &username, &password, now, &policy)?;
            self.signed_in_password = Some(password);
            self.actor = Some(Actor::new(operator, now));
        }
        let actor = self.actor.clone().expect("set above");
        Ok((self.desk()?, actor))
    }
}

/// Writes a line to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

/// The clock: `CMEDESK_NOW` (RFC 3339) pins it for reproducible scripts and tests.
pub fn clock_now() -> Result<DateTime<FixedOffset>> {
    match std::env::var("CMEDESK_NOW") {
        Ok(s) => DateTime::parse_from_rfc3339(&s).with_context(|| format!("CMEDESK_NOW={s} is not RFC 3339")),
        Err(_) => Ok(chrono::Local::now().fixed_offset()),
    }
}

pub fn print_error(e: &anyhow::Error, json: bool) {
    if let Some(c) = e.downcast_ref::<cmedesk_sync::ClientError>() {
        let zh = match c {
            cmedesk_sync::ClientError::Protocol(p) => p.message_zh(),
            other => format!("同步失败：{other}"),
        };
        return print_coded(c.code(), zh, c.to_string(), None, json);
    }
    if let Some(p) = e.downcast_ref::<cmedesk_print::PrintError>() {
        return print_coded(p.code(), p.to_string(), p.to_string(), None, json);
    }
    if let Some(s) = e.downcast_ref::<cmedesk_core::statement::StatementError>() {
        return print_coded(s.code(), s.to_string(), s.to_string(), s.field(), json);
    }
    let (code, zh, en, field) = match (
        e.downcast_ref::<CoreError>(),
        e.downcast_ref::<cmedesk_cards::CardsError>(),
        e.downcast_ref::<cmedesk_sheets::SheetsError>(),
    ) {
        (Some(c), _, _) | (_, _, Some(cmedesk_sheets::SheetsError::Core(c))) => {
            (c.code(), c.message_zh(), c.message_en(), c.field())
        }
        (None, Some(c), _) => (c.code(), c.message_zh(), c.message_en(), c.field()),
        (None, None, Some(s)) => (s.code(), s.message_zh(), s.message_en(), None),
        (None, None, None) => ("ERROR", format!("{e:#}"), format!("{e:#}"), None),
    };
    print_coded(code, zh, en, field, json)
}

/// Errors echo input (a duplicate ID number, a bad card key): always masked.
fn print_coded(code: &str, zh: String, en: String, field: Option<&str>, json: bool) {
    let (zh, en) = (privacy::mask_text(&zh), privacy::mask_text(&en));
    if json {
        let v = json!({ "error": { "code": code, "message": format!("{zh} ({en})"), "message_zh": zh, "message_en": en, "field": field } });
        emit(&serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        eprintln!("错误 [{code}]: {zh}\n  {en}");
    }
}

/// Parses a date the way people type it: 2026-11-22, 2026/11/22, 2026.11.22, 20261122.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    let t = s.trim().replace(['/', '.'], "-");
    chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(&t, "%Y%m%d"))
        .map_err(|_| format!("日期「{s}」格式不正确，应如 2026-11-22"))
}

/// Parses `2026-11-22 07:30` or `2026-11-22T07:30[:00]`.
pub fn parse_datetime(s: &str) -> Result<chrono::NaiveDateTime, String> {
    let t = s.trim().replace('T', " ");
    ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(&t, f).ok())
        .ok_or_else(|| format!("时间「{s}」格式不正确，应如 2026-11-22 07:30"))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
