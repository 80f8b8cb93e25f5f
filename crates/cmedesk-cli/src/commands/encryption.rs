//! `rekey` and `encrypt`: a new data key and/or admin passphrase for the desk's file, and the
//! encryption in place of a plaintext desk from before encryption (数据库加密).

use std::io::IsTerminal;

use anyhow::{Result, bail};
use clap::Args;
use cmedesk_core::{
    CoreError,
    rekey::{RekeyPlan, rekey},
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
    let passphrase = new_passphrase(ctx, args.no_passphrase)?;
    run(ctx, RekeyPlan { new_data_key: !args.keep_data_key, passphrase }, false)
}

pub fn encrypt_cmd(ctx: &mut Context, args: EncryptArgs) -> Result<Reply> {
    let passphrase = new_passphrase(ctx, args.no_passphrase)?;
    run(ctx, RekeyPlan { new_data_key: true, passphrase }, true)
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
