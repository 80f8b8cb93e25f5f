//! `cmedesk`: the CME Desk command line. Every workflow of the desk, for admins, scripts and
//! tests; `--json` prints machine output. Exit codes: 0 success, 1 a user error (with
//! `{"error":{"code","message"}}` under `--json`), 2 a usage error.

mod commands;
mod context;
mod table;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::context::{Context, GlobalArgs};

#[derive(Parser)]
#[command(name = "cmedesk", version, about = "继教学分管理台 CME Desk: hospital CME credit office workbench")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new desk database and its `admin` operator (初始化)
    Init(commands::init::InitArgs),
    /// Load the synthetic demo hospital (演示数据); creates the database if needed
    Demo(commands::init::DemoArgs),
    /// Resident ID numbers (身份证号)
    #[command(subcommand)]
    Id(commands::id::IdCommand),
    /// Departments (科室)
    #[command(subcommand)]
    Dept(commands::dept::DeptCommand),
    /// Staff (人员)
    #[command(subcommand)]
    Staff(commands::staff::StaffCommand),
    /// Cards (医通卡): issue, replace, revoke, look up
    #[command(subcommand)]
    Card(commands::card::CardCommand),
    /// The approved project list (已批准项目目录)
    #[command(subcommand)]
    Approved(commands::project::ApprovedCommand),
    /// Hosted projects (举办项目), courses, holding periods, attendance windows, states
    #[command(subcommand)]
    Project(commands::project::ProjectCommand),
    /// Local operators (操作员)
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Attendance analysis (考勤分析)
    #[command(subcommand)]
    Attendance(commands::credits::AttendanceCommand),
    /// Credits (学分): grant, manual entry and review, revoke, list, exemptions, rule sets
    #[command(subcommand)]
    Credits(commands::credits::CreditsCommand),
    /// Compliance of a CME year (达标统计)
    Compliance(commands::credits::ComplianceArgs),
    /// Who will miss the year's requirement, and by how much (达标预测)
    Forecast(commands::credits::ForecastArgs),
    /// The annual review (年度审验): initial review by the deadline, mark for the health bureau, its result
    #[command(subcommand)]
    Review(commands::review::ReviewCommand),
    /// The audit log (操作日志); `--verify` checks the hash chain
    AuditLog(commands::audit::AuditArgs),
    /// Backups (备份): create, list, verify, restore
    #[command(subcommand)]
    Backup(commands::backup::BackupCommand),
    /// A new data key and/or admin passphrase for the encrypted desk (更换数据库密钥; admin)
    Rekey(commands::encryption::RekeyArgs),
    /// Encrypt a plaintext desk from before encryption, in place (数据库加密; admin)
    Encrypt(commands::encryption::EncryptArgs),
    /// Time the core's hot paths on a scratch database
    Bench(commands::bench::BenchArgs),
    /// The exchange server (数据交换服务器): serve, enrol desks, new epoch after a restore
    #[command(subcommand)]
    Hub(commands::sync::HubCommand),
    /// Staff self-service over the hospital LAN (局域网自助服务): QR check-in, my credits
    #[command(subcommand)]
    Lan(commands::lan::LanCommand),
    /// Sync with the exchange server (同步): push, then pull; status, conflicts, resolve
    Sync(commands::sync::SyncArgs),
    /// Serial ports with their USB VID/PID (串口); pseudo-terminals are not listed
    Ports(commands::cards::PortsArgs),
    /// Simulate a card reader or storing terminal on a pseudo-terminal (模拟读卡器)
    Sim(commands::cards::SimArgs),
    /// Swipes (刷卡): listen to a reader, import a terminal log, list
    #[command(subcommand)]
    Swipe(commands::swipes::SwipeCommand),
    /// Storing terminals (考勤机): pull their logs, list them
    #[command(subcommand)]
    Terminal(commands::swipes::TerminalCommand),
    /// Import a spreadsheet through a template (导入): checked first, then all rows or none
    Import(commands::sheets::ImportArgs),
    /// Export a template's sheet from the desk (导出 .xlsx)
    Export(commands::sheets::ExportArgs),
    /// Spreadsheet templates (表格模板)
    #[command(subcommand)]
    Templates(commands::sheets::TemplatesCommand),
    /// Print credit registration booklets (学分登记手册) from the stored credits, as PDF
    Booklet(commands::print::BookletArgs),
    /// Issue a signed credit statement (学分记录明细表) as PDF, recorded in the issue log
    Statement(commands::print::StatementArgs),
    /// Check a credit statement offline: its PDF, its full code or its short 验证码
    Verify(commands::print::VerifyArgs),
    /// The installation's statement-signing key: show it, export the public key
    #[command(subcommand)]
    Key(commands::print::KeyCommand),
    /// The hospital's name printed on booklets and statements (所在单位): show or set
    Unit(commands::print::UnitArgs),
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let json = cli.global.json;
    let show_full_id = cli.global.show_full_id;
    // `id check` reads no desk and echoes only numbers the operator typed in.
    let echoes_input_only = matches!(cli.command, Command::Id(_));
    let mut ctx = Context::new(cli.global);
    if show_full_id {
        // The audit row names the command (its subcommand path), never its arguments.
        if let Err(e) = ctx.reveal_ids(&subcommand_path(&matches)) {
            context::print_error(&e, json);
            return ExitCode::from(1);
        }
    }
    let result = match cli.command {
        Command::Init(a) => commands::init::init(&mut ctx, a),
        Command::Demo(a) => commands::init::demo(&mut ctx, a),
        Command::Id(c) => commands::id::run(&mut ctx, c),
        Command::Dept(c) => commands::dept::run(&mut ctx, c),
        Command::Staff(c) => commands::staff::run(&mut ctx, c),
        Command::Card(c) => commands::card::run(&mut ctx, c),
        Command::Approved(c) => commands::project::run_approved(&mut ctx, c),
        Command::Project(c) => commands::project::run(&mut ctx, c),
        Command::User(c) => commands::user::run(&mut ctx, c),
        Command::Attendance(c) => commands::credits::run_attendance(&mut ctx, c),
        Command::Credits(c) => commands::credits::run_credits(&mut ctx, c),
        Command::Compliance(a) => commands::credits::run_compliance(&mut ctx, a),
        Command::Forecast(a) => commands::credits::run_forecast(&mut ctx, a),
        Command::Review(c) => commands::review::run(&mut ctx, c),
        Command::AuditLog(a) => commands::audit::run(&mut ctx, a),
        Command::Bench(a) => commands::bench::run(&mut ctx, a),
        Command::Backup(c) => commands::backup::run(&mut ctx, c),
        Command::Rekey(a) => commands::encryption::rekey_cmd(&mut ctx, a),
        Command::Encrypt(a) => commands::encryption::encrypt_cmd(&mut ctx, a),
        Command::Hub(c) => commands::sync::run_hub(&mut ctx, c),
        Command::Sync(a) => commands::sync::run_sync(&mut ctx, a),
        Command::Lan(c) => commands::lan::run(&mut ctx, c),
        Command::Ports(a) => commands::cards::ports(&mut ctx, a),
        Command::Sim(a) => commands::cards::sim(&mut ctx, a),
        Command::Swipe(c) => commands::swipes::run(&mut ctx, c),
        Command::Terminal(c) => commands::swipes::run_terminal(&mut ctx, c),
        Command::Import(a) => commands::sheets::import(&mut ctx, a),
        Command::Export(a) => commands::sheets::export(&mut ctx, a),
        Command::Templates(c) => commands::sheets::templates(&mut ctx, c),
        Command::Booklet(a) => commands::print::booklet(&mut ctx, a),
        Command::Statement(a) => commands::print::statement(&mut ctx, a),
        Command::Verify(a) => commands::print::verify(&mut ctx, a),
        Command::Key(c) => commands::print::key(&mut ctx, c),
        Command::Unit(a) => commands::print::unit(&mut ctx, a),
    };
    match result {
        Ok(reply) => {
            if echoes_input_only {
                reply.print_unmasked(json);
            } else {
                reply.print(json, ctx.id_view());
            }
            if reply.failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Err(e) => {
            context::print_error(&e, json);
            ExitCode::from(1)
        }
    }
}

/// `staff list`, `backup create`: the subcommand names of this run.
fn subcommand_path(matches: &clap::ArgMatches) -> String {
    let mut names = vec!["cmedesk".to_string()];
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        names.push(name.to_string());
        m = sub;
    }
    names.join(" ")
}
