//! `card`: issue, replace (补卡: the old card is revoked), revoke (挂失), look up.

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::{cards, staff};
use serde_json::json;

use crate::context::{Context, Reply, to_json};

#[derive(Subcommand)]
pub enum CardCommand {
    /// Issue a card to a person who has none (card: a number, or uid:/em: + hex)
    Issue { staff: String, card: String },
    /// Replace a person's active card; the old one is blocked for good
    Replace {
        staff: String,
        card: String,
        #[arg(long)]
        reason: String,
    },
    /// Revoke (block) a card
    Revoke {
        card: String,
        #[arg(long)]
        reason: String,
    },
    /// Who holds this card (rid:<ID number> maps through the ID number)
    Lookup { card: String },
}

pub fn run(ctx: &mut Context, cmd: CardCommand) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    let card = match cmd {
        CardCommand::Issue { staff: s, card } => {
            let s = staff::resolve(desk, &s)?.staff;
            cards::issue(desk, &actor, &s.id, &card)?
        }
        CardCommand::Replace { staff: s, card, reason } => {
            let s = staff::resolve(desk, &s)?.staff;
            cards::replace(desk, &actor, &s.id, &card, &reason)?
        }
        CardCommand::Revoke { card, reason } => cards::revoke(desk, &actor, &card, &reason)?,
        CardCommand::Lookup { card } => {
            let key = cards::normalize_key(&card)?;
            let holder = cards::staff_by_card_key(desk, &key)?;
            let text = match &holder {
                Some(r) => format!("{key} → {}（{}）", r.staff.name, r.department_name),
                None => format!("{key} → 未发放或已作废"),
            };
            return Ok(Reply::new(json!({ "card_key": key, "staff": to_json(&holder) }), text));
        }
    };
    let text = match &card.revoked_at {
        Some(_) => format!("卡 {} 已作废", card.card_key),
        None => format!("卡 {} 已发放", card.card_key),
    };
    Ok(Reply::new(to_json(&card), text))
}
