//! `dept`: the department tree.

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::departments::{self, DepartmentNode, NewDepartment};
use serde_json::json;

use crate::context::{Context, Reply, to_json};

#[derive(Subcommand)]
pub enum DeptCommand {
    /// Add a department
    Add {
        name: String,
        /// Parent department (id, name or path like 内科/心血管内科)
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        sort: Option<i64>,
    },
    /// Show the tree
    List,
    /// Rename a department
    Rename { department: String, name: String },
    /// Move a department under another (or to the top with --top), optionally reordering it
    Move {
        department: String,
        #[arg(long, conflicts_with = "top")]
        parent: Option<String>,
        #[arg(long)]
        top: bool,
        #[arg(long)]
        sort: Option<i64>,
    },
}

pub fn run(ctx: &mut Context, cmd: DeptCommand) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    match cmd {
        DeptCommand::Add { name, parent, sort } => {
            let parent_id = parent.map(|p| departments::resolve(desk, &p)).transpose()?.map(|d| d.id);
            let d = departments::add(desk, &actor, NewDepartment { name, parent_id, sort })?;
            Ok(Reply::new(to_json(&d), format!("已添加科室「{}」 {}", d.name, d.id)))
        }
        DeptCommand::List => {
            let tree = departments::tree(desk)?;
            let mut text = String::new();
            fn walk(nodes: &[DepartmentNode], depth: usize, text: &mut String) {
                for n in nodes {
                    text.push_str(&format!(
                        "{}{}（{}人）\n",
                        "  ".repeat(depth),
                        n.department.name,
                        n.staff_count
                    ));
                    walk(&n.children, depth + 1, text);
                }
            }
            walk(&tree, 0, &mut text);
            Ok(Reply::new(json!({ "departments": to_json(&tree) }), text))
        }
        DeptCommand::Rename { department, name } => {
            let d = departments::resolve(desk, &department)?;
            let d = departments::rename(desk, &actor, &d.id, &name)?;
            Ok(Reply::new(to_json(&d), format!("已改名为「{}」", d.name)))
        }
        DeptCommand::Move { department, parent, top, sort } => {
            let d = departments::resolve(desk, &department)?;
            let parent_id = match (parent, top) {
                (Some(p), _) => Some(departments::resolve(desk, &p)?.id),
                (None, true) => None,
                (None, false) => d.parent_id.clone(),
            };
            let d = departments::move_to(desk, &actor, &d.id, parent_id.as_deref(), sort)?;
            Ok(Reply::new(to_json(&d), format!("已移动科室「{}」", d.name)))
        }
    }
}
