//! `user`: local operators and their passwords.

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::{Role, departments, session, users};
use serde_json::json;

use crate::{
    context::{Context, Reply, to_json},
    table,
};

fn role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("角色「{s}」应为 admin / officer / department_secretary / viewer"))
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an operator
    Add {
        username: String,
        /// admin / officer / department_secretary / viewer
        #[arg(long, value_parser = role)]
        role: Role,
        /// Display name
        #[arg(long)]
        name: Option<String>,
        /// The department of a department secretary
        #[arg(long)]
        department: Option<String>,
        /// The new operator's password
        #[arg(long = "new-password")]
        new_password: String,
    },
    /// List operators
    List,
    /// Change a password (your own with --current, anyone's as admin)
    Passwd {
        username: String,
        #[arg(long = "new-password")]
        new_password: String,
        #[arg(long)]
        current: Option<String>,
    },
    /// Lift a lockout after repeated failed sign-ins (admin; the password stays)
    Unlock { username: String },
    /// The sign-in policy: lockout after failed sign-ins, idle lock of the desktop
    Policy,
}

pub fn run(ctx: &mut Context, cmd: UserCommand) -> Result<Reply> {
    ctx.actor()?;
    let signed_in_password = ctx.signed_in_password();
    let (desk, actor) = ctx.actor()?;
    match cmd {
        UserCommand::Add { username, role, name, department, new_password } => {
            let department_id = department.map(|d| departments::resolve(desk, &d)).transpose()?.map(|d| d.id);
            let op = users::add(
                desk,
                &actor,
                users::NewUser { username, display_name: name, role, department_id, password: new_password },
            )?;
            Ok(Reply::new(to_json(&op), format!("已添加操作员 {}（{}）", op.username, op.role.label_zh())))
        }
        UserCommand::List => {
            let list = users::list(desk)?;
            let cells: Vec<Vec<String>> = list
                .iter()
                .map(|u| {
                    vec![
                        u.username.clone(),
                        u.display_name.clone(),
                        u.role.label_zh().into(),
                        if u.active { "启用" } else { "停用" }.into(),
                    ]
                })
                .collect();
            Ok(Reply::new(
                json!({ "users": to_json(&list) }),
                table::render(&["用户名", "姓名", "角色", "状态"], &cells),
            ))
        }
        UserCommand::Passwd { username, new_password, current } => {
            let current =
                current.or_else(|| signed_in_password.filter(|_| username == actor.operator.username));
            users::set_password(desk, &actor, &username, current.as_deref(), &new_password)?;
            Ok(Reply::new(
                json!({ "username": username, "changed": true }),
                format!("已修改 {username} 的密码"),
            ))
        }
        UserCommand::Unlock { username } => {
            session::unlock(desk, &actor, &username)?;
            Ok(Reply::new(
                json!({ "username": username, "unlocked": true }),
                format!("已解除 {username} 的锁定"),
            ))
        }
        UserCommand::Policy => {
            let p = session::SessionPolicy::default();
            let state = session::lock_state(desk, &actor.operator.username, actor.now, &p)?;
            Ok(Reply::new(
                json!({ "policy": to_json(&p), "you": to_json(&state) }),
                format!(
                    "连续{}次密码错误锁定 {} 分钟；桌面端 {} 分钟无操作自动锁定；密码至少8位且含字母和数字",
                    p.max_failed_sign_ins,
                    p.lockout_window_secs / 60,
                    p.idle_lock_secs / 60
                ),
            ))
        }
    }
}
