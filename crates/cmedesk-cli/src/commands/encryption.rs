//! `rekey` and `encrypt`: a new data key and/or admin passphrase for the desk's file, and the
//! encryption in place of a plaintext desk from before encryption (数据库加密). `rekey --keyring`
//! / `--key-file`: the same data key moved into the OS keyring (系统钥匙串) or back into the key file.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use clap::Args;
use cmedesk_core::{
    CoreError,
    rekey::{self, KeyHome, RekeyPlan, rekey},
};
use serde_json::json;

use crate::context::{Context, Reply, to_json};

#[derive(Args)]
pub struct RekeyArgs {
    /// Keep the data key and only rewrap it (a new passphrase, or none); the file is not rewritten
    #[arg(long)]
    keep_data_key: bool,
    /// Store the key without a passphrase (anyone who can read `<db>.key` can open the desk)
    #[arg(long)]
    no_passphrase: bool,
    /// Move the data key into the OS keyring (the key file then only names the entry); the
    /// database file is not rewritten
    #[arg(long, conflicts_with_all = ["key_file", "keep_data_key", "no_passphrase"])]
    keyring: bool,
    /// Move the data key out of the OS keyring back into the key file (wrapped with the new
    /// passphrase, or unwrapped with --no-passphrase); the database file is not rewritten
    #[arg(long, conflicts_with = "keep_data_key")]
    key_file: bool,
}

#[derive(Args)]
pub struct EncryptArgs {
    /// Store the key without a passphrase (anyone who can read `<db>.key` can open the desk)
    #[arg(long)]
    no_passphrase: bool,
}

/// The passphrase from now on: none with `--no-passphrase`; else `CMEDESK_NEW_DB_PASSPHRASE`;
/// else asked twice on a terminal (empty: none); else the one the desk was unlocked with.
fn new_passphrase(ctx: &Context, no_passphrase: bool) -> Result<Option<String>> {
    if no_passphrase {
        return Ok(None);
    }
    if let Ok(p) = std::env::var("CMEDESK_NEW_DB_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(Some(p));
    }
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password("新的数据库口令（直接回车表示不设口令）: ")?;
        if p.is_empty() {
            return Ok(None);
        }
        if rpassword::prompt_password("再输入一次: ")? != p {
            bail!(CoreError::Conflict {
                code: "PASSPHRASE_MISMATCH",
                zh: "两次输入的数据库口令不一致".into(),
                en: "the two passphrases differ".into(),
            });
        }
        return Ok(Some(p));
    }
    Ok(ctx.unlock().passphrase.clone())
}

pub fn rekey_cmd(ctx: &mut Context, args: RekeyArgs) -> Result<Reply> {
    if args.keyring {
        return move_key(ctx, KeyHome::Keyring);
    }
    if args.key_file {
        let passphrase = new_passphrase(ctx, args.no_passphrase)?;
        return move_key(ctx, KeyHome::KeyFile { passphrase });
    }
    let passphrase = new_passphrase(ctx, args.no_passphrase)?;
    run(ctx, RekeyPlan { new_data_key: !args.keep_data_key, passphrase }, false)
}

pub fn encrypt_cmd(ctx: &mut Context, args: EncryptArgs) -> Result<Reply> {
    let passphrase = new_passphrase(ctx, args.no_passphrase)?;
    run(ctx, RekeyPlan { new_data_key: true, passphrase }, true)
}

fn move_key(ctx: &mut Context, to: KeyHome) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    let report = rekey::move_key(desk, &actor, &to)?;
    let key_file = cmedesk_core::db_key::key_path(desk.path().expect("a file desk"));
    let text = match (&report.keyring_entry, &report.keyring_entry_kept) {
        (Some(entry), _) => format!(
            "数据库密钥已移入系统钥匙串（条目 {entry}）；密钥文件 {} 只记条目名。\
             只有本机本用户登录后才能打开数据库；此后的备份也须在本机恢复",
            key_file.display()
        ),
        (None, kept) => format!(
            "数据库密钥已移回密钥文件 {}（{}）{}",
            key_file.display(),
            if report.to == cmedesk_core::db_key::Protection::Passphrase {
                "用管理员口令保护"
            } else {
                "未设口令"
            },
            kept.as_deref()
                .map(|e| format!("；钥匙串条目 {e} 仍保留，密钥在钥匙串期间的备份要用它恢复"))
                .unwrap_or_default()
        ),
    };
    let mut json = to_json(&report);
    json["key_file"] = json!(key_file);
    Ok(Reply::new(json, text))
}

fn run(ctx: &mut Context, plan: RekeyPlan, only_plaintext: bool) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    // Refused for its role before anything else is said about the desk.
    actor.require(cmedesk_core::Permission::ManageUsers)?;
    if only_plaintext && desk.protection().is_some() {
        bail!(CoreError::Conflict {
            code: "ALREADY_ENCRYPTED",
            zh: "数据库已加密；更换密钥请用 cmedesk rekey".into(),
            en: "the desk is already encrypted; use `cmedesk rekey` to change its key".into(),
        });
    }
    let desk = ctx.take_desk()?;
    let (desk, report) = rekey(desk, &actor, &plan)?;
    let key_file = cmedesk_core::db_key::key_path(desk.path().expect("a file desk"));
    ctx.set_desk(desk);
    let how = match report.protection {
        cmedesk_core::db_key::Protection::Passphrase => "密钥已用管理员口令保护",
        cmedesk_core::db_key::Protection::Plain => "密钥未设口令（能读取密钥文件者即可打开数据库）",
        cmedesk_core::db_key::Protection::Keyring => "密钥存于系统钥匙串",
    };
    let what = if !report.was_encrypted {
        "数据库已加密"
    } else if report.new_data_key {
        "已更换数据密钥并重新加密数据库"
    } else {
        "已更换数据库口令"
    };
    let mut json = to_json(&report);
    json["key_file"] = json!(key_file);
    Ok(Reply::new(
        json,
        format!(
            "{what}（{} 张表，{} 行核对一致）；{how}；密钥文件 {}",
            report.tables,
            report.rows,
            key_file.display()
        ),
    ))
}
