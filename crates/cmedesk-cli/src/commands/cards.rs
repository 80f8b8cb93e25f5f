//! `ports` and `sim`: the serial ports this machine has (with USB VID/PID, to tell readers
//! apart), and simulated card readers / storing terminals on pseudo-terminals, so the kiosk,
//! `swipe listen` and `terminal pull` can be tried and tested without hardware.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context as _, Result};
use clap::Args;
use cmedesk_cards::codec::ascii::{AsciiConfig, NumberFormat};
use cmedesk_cards::sim::{self, Script, SimKind, SimOptions};
use serde_json::json;

use crate::context::{Context, Reply, to_json};
use crate::table;

#[derive(Args)]
pub struct PortsArgs {}

pub fn ports(_ctx: &mut Context, _args: PortsArgs) -> Result<Reply> {
    let list = cmedesk_cards::list_ports()?;
    let hex = |v: Option<u16>| v.map(|v| format!("{v:04x}")).unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            vec![
                p.path.clone(),
                p.kind.to_string(),
                hex(p.vid),
                hex(p.pid),
                p.serial_number.clone().unwrap_or_default(),
                p.product.clone().or(p.manufacturer.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    let text = if rows.is_empty() {
        "未发现串口（读卡器未插入？Linux 上 brltty 可能占用 CH340 读卡器；也可直接指定路径）".to_string()
    } else {
        table::render(&["路径", "类型", "VID", "PID", "序列号", "产品"], &rows)
    };
    Ok(Reply::new(to_json(&list), text))
}

#[derive(Args)]
pub struct SimArgs {
    /// The device to simulate
    #[arg(value_parser = ["sam", "em4100", "ascii", "terminal"])]
    pub kind: String,
    /// Script to play (place CARD [NAME], remove, garbage HEX, drip MS, fail-read N, unplug,
    /// replug, wait MS, swipes N, clock-offset S); see schema/protocols/storing-terminal.md
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// Wire pace in baud [default: sam 115200, em4100/ascii 9600, terminal 921600; 0 = unpaced]
    #[arg(long)]
    pub baud: Option<u32>,
    /// ASCII reader number format: hex, reversed-hex, dec10, dec10-reversed, wiegand26, printed
    #[arg(long, default_value = "hex")]
    pub format: String,
    /// ASCII reader line terminator: crlf, cr, lf, etx
    #[arg(long, default_value = "crlf")]
    pub terminator: String,
    /// Exit once the script has played instead of serving until interrupted
    #[arg(long)]
    pub once: bool,
}

pub fn sim(ctx: &mut Context, args: SimArgs) -> Result<Reply> {
    let kind: SimKind = args.kind.parse()?;
    let mut opts = SimOptions::for_kind(kind);
    if let Some(b) = args.baud {
        opts.baud = b;
    }
    let format: NumberFormat = args.format.parse()?;
    let terminator = match args.terminator.as_str() {
        "crlf" => b"\r\n".to_vec(),
        "cr" => b"\r".to_vec(),
        "lf" => b"\n".to_vec(),
        "etx" => vec![0x03],
        other => {
            return Err(cmedesk_cards::CardsError::Config {
                field: "terminator",
                detail: format!("{other:?} (crlf, cr, lf, etx)"),
            }
            .into());
        }
    };
    opts.ascii = AsciiConfig { terminator, format, ..AsciiConfig::default() };
    let script = match &args.script {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Script::parse(&text)?
        }
        None => Script::default(),
    };
    let json = ctx.args.json;
    let kind_name = args.kind.clone();
    // The path goes out at once (and again after every replug), before the script plays:
    // whoever drives the reader needs it now, not when the simulator ends.
    let on_path = Box::new(move |path: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let line = if json {
            json!({ "event": "plugged", "kind": kind_name, "path": path }).to_string()
        } else {
            path.to_string()
        };
        let _ = writeln!(out, "{line}").and_then(|_| out.flush());
        if !json {
            eprintln!("模拟{kind_name}已接入：请让读卡程序打开 {path}");
        }
    });
    // Without --once it serves until the process is interrupted (Ctrl-C ends it).
    let stop = AtomicBool::new(false);
    sim::run(kind, opts, &script, on_path, !args.once, &stop)?;
    Ok(Reply::new(json!({ "event": "done", "kind": args.kind, "steps": script.steps.len() }), String::new()))
}
