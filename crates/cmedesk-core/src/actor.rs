//! Who acts, when, and what their role allows. The core never reads the clock or guesses the
//! operator: every mutation is handed an [`Actor`], and checks its [`Permission`] first.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    Admin,
    Officer,
    DepartmentSecretary,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Officer, Role::DepartmentSecretary, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::DepartmentSecretary => "department_secretary",
            Role::Viewer => "viewer",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Officer => "继教专干",
            Role::DepartmentSecretary => "科室秘书",
            Role::Viewer => "只读用户",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s || r.label_zh() == s)
    }

    /// Deny by default: a role may do only what is listed here.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Officer => {
                matches!(
                    p,
                    EditDepartments
                        | EditRoster
                        | IssueCards
                        | EditProjects
                        | RecordProjectDecision
                        | RecordSwipes
                        | ViewFullIdNumbers
                )
            }
            Role::DepartmentSecretary | Role::Viewer => false,
        }
    }
}

/// Things an operator may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ManageUsers,
    EditDepartments,
    EditRoster,
    IssueCards,
    EditProjects,
    /// Record the platform's approval or rejection of a submitted project.
    RecordProjectDecision,
    LoadDemoData,
    /// Take swipes from readers and terminals, and import swipe logs.
    RecordSwipes,
    /// Create and restore backups.
    ManageBackups,
    /// See 身份证号 in full (each view is written to the audit log; masked otherwise).
    ViewFullIdNumbers,
}

impl Permission {
    /// Every permission, for role matrices and settings pages. [`Permission::index`] is an
    /// exhaustive match, so a new variant fails to compile until it is listed here too.
    pub const ALL: [Permission; 10] = [
        Permission::ManageUsers,
        Permission::EditDepartments,
        Permission::EditRoster,
        Permission::IssueCards,
        Permission::EditProjects,
        Permission::RecordProjectDecision,
        Permission::LoadDemoData,
        Permission::RecordSwipes,
        Permission::ManageBackups,
        Permission::ViewFullIdNumbers,
    ];

    /// The position in [`Permission::ALL`] (a test checks the two agree).
    pub fn index(self) -> usize {
        match self {
            Permission::ManageUsers => 0,
            Permission::EditDepartments => 1,
            Permission::EditRoster => 2,
            Permission::IssueCards => 3,
            Permission::EditProjects => 4,
            Permission::RecordProjectDecision => 5,
            Permission::LoadDemoData => 6,
            Permission::RecordSwipes => 7,
            Permission::ManageBackups => 8,
            Permission::ViewFullIdNumbers => 9,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage users",
            Permission::EditDepartments => "edit departments",
            Permission::EditRoster => "edit the roster",
            Permission::IssueCards => "issue cards",
            Permission::EditProjects => "edit projects",
            Permission::RecordProjectDecision => "record project decisions",
            Permission::LoadDemoData => "load demo data",
            Permission::RecordSwipes => "record swipes",
            Permission::ManageBackups => "manage backups",
            Permission::ViewFullIdNumbers => "view full ID numbers",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Permission::ManageUsers => "管理操作员",
            Permission::EditDepartments => "维护科室",
            Permission::EditRoster => "维护人员信息",
            Permission::IssueCards => "发卡、补卡、挂失",
            Permission::EditProjects => "维护继教项目",
            Permission::RecordProjectDecision => "登记项目审核结果",
            Permission::LoadDemoData => "载入演示数据",
            Permission::RecordSwipes => "登记刷卡考勤",
            Permission::ManageBackups => "备份与恢复数据库",
            Permission::ViewFullIdNumbers => "查看完整身份证号",
        }
    }
}

/// A signed-in local operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Operator {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department_id: Option<String>,
}

impl Operator {
    /// The operator the desk itself acts as, when it bootstraps (first admin) or migrates.
    pub fn system() -> Operator {
        Operator {
            username: "system".into(),
            display_name: "系统".into(),
            role: Role::Admin,
            department_id: None,
        }
    }
}

/// Who acts, and at what instant (wall-clock time with its UTC offset, passed in by the shell).
#[derive(Debug, Clone)]
pub struct Actor {
    pub operator: Operator,
    pub now: DateTime<FixedOffset>,
}

impl Actor {
    pub fn new(operator: Operator, now: DateTime<FixedOffset>) -> Actor {
        Actor { operator, now }
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    pub fn timestamp(&self) -> String {
        self.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.operator.role.allows(permission) {
            Ok(())
        } else {
            Err(CoreError::Forbidden {
                operator: self.operator.username.clone(),
                role: self.operator.role.as_str(),
                permission: permission.as_str(),
                permission_zh: permission.label_zh(),
            })
        }
    }
}
