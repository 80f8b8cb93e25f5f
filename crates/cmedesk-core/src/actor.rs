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
                        | GrantCredits
                        | RevokeCredits
                        | ChooseRuleSet
                        | SetExemptions
                        | EnterCredits
                        | ReviewCreditsHospital
                        | AnnualReview
                        | MapImportHeaders
                        | IssueStatements
                        | ViewFullIdNumbers
                )
            }
            // A secretary works for their own department only; the store checks whose staff.
            Role::DepartmentSecretary => matches!(p, EnterDepartmentCredits | ReviewCreditsDepartment),
            Role::Viewer => false,
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
    /// Grant, re-grant and import system credits (attendance, speakers, remote learning).
    GrantCredits,
    /// Revoke a credit (an event: the row stays, marked).
    RevokeCredits,
    /// Choose the rule set a CME year is judged by.
    ChooseRuleSet,
    /// Set or clear 不计达标 exemptions per person-year.
    SetExemptions,
    /// Enter, edit and submit manual credits for anybody (手工录入).
    EnterCredits,
    /// Enter, edit and submit manual credits for staff of the operator's own department.
    EnterDepartmentCredits,
    /// Review manual credits at the hospital level (医院审核).
    ReviewCreditsHospital,
    /// Review manual credits of the operator's own department (科室审核).
    ReviewCreditsDepartment,
    /// Run the annual review (年度审验): its deadline, marking for the health bureau, the
    /// bureau's result.
    AnnualReview,
    /// Remember which template field an unknown spreadsheet header means (表头对照).
    MapImportHeaders,
    /// Issue signed credit statements (学分记录明细表), which writes the issue log.
    IssueStatements,
    /// See 身份证号 in full (each view is written to the audit log; masked otherwise).
    ViewFullIdNumbers,
}

impl Permission {
    /// Every permission, for role matrices and settings pages. [`Permission::index`] is an
    /// exhaustive match, so a new variant fails to compile until it is listed here too.
    pub const ALL: [Permission; 21] = [
        Permission::ManageUsers,
        Permission::EditDepartments,
        Permission::EditRoster,
        Permission::IssueCards,
        Permission::EditProjects,
        Permission::RecordProjectDecision,
        Permission::LoadDemoData,
        Permission::RecordSwipes,
        Permission::ManageBackups,
        Permission::GrantCredits,
        Permission::RevokeCredits,
        Permission::ChooseRuleSet,
        Permission::SetExemptions,
        Permission::EnterCredits,
        Permission::EnterDepartmentCredits,
        Permission::ReviewCreditsHospital,
        Permission::ReviewCreditsDepartment,
        Permission::AnnualReview,
        Permission::MapImportHeaders,
        Permission::IssueStatements,
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
            Permission::GrantCredits => 9,
            Permission::RevokeCredits => 10,
            Permission::ChooseRuleSet => 11,
            Permission::SetExemptions => 12,
            Permission::EnterCredits => 13,
            Permission::EnterDepartmentCredits => 14,
            Permission::ReviewCreditsHospital => 15,
            Permission::ReviewCreditsDepartment => 16,
            Permission::AnnualReview => 17,
            Permission::MapImportHeaders => 18,
            Permission::IssueStatements => 19,
            Permission::ViewFullIdNumbers => 20,
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
            Permission::GrantCredits => "grant credits",
            Permission::RevokeCredits => "revoke credits",
            Permission::ChooseRuleSet => "choose the rule set",
            Permission::SetExemptions => "set exemptions",
            Permission::EnterCredits => "enter credits",
            Permission::EnterDepartmentCredits => "enter credits for their department",
            Permission::ReviewCreditsHospital => "review credits for the hospital",
            Permission::ReviewCreditsDepartment => "review credits for their department",
            Permission::AnnualReview => "run the annual review",
            Permission::MapImportHeaders => "map import headers",
            Permission::IssueStatements => "issue credit statements",
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
            Permission::GrantCredits => "授予学分",
            Permission::RevokeCredits => "撤销学分",
            Permission::ChooseRuleSet => "设置学分规则",
            Permission::SetExemptions => "设置不计达标",
            Permission::EnterCredits => "录入学分",
            Permission::EnterDepartmentCredits => "录入本科室人员的学分",
            Permission::ReviewCreditsHospital => "医院审核学分",
            Permission::ReviewCreditsDepartment => "科室审核学分",
            Permission::AnnualReview => "办理年度审验",
            Permission::MapImportHeaders => "维护导入表头对照",
            Permission::IssueStatements => "出具学分记录明细表",
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

    pub fn allows(&self, permission: Permission) -> bool {
        self.operator.role.allows(permission)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.allows(permission) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    /// Deny by default: each role is allowed exactly its list, nothing else, and the credit
    /// permissions that used to be checked ad hoc in the credits store are on those lists.
    #[test]
    fn roles_allow_exactly_their_permissions() {
        let allowed = |r: Role| Permission::ALL.into_iter().filter(|p| r.allows(*p)).collect::<Vec<_>>();
        assert_eq!(allowed(Role::Admin), Permission::ALL.to_vec());
        assert_eq!(allowed(Role::Viewer), vec![]);
        assert_eq!(allowed(Role::DepartmentSecretary), vec![EnterDepartmentCredits, ReviewCreditsDepartment]);
        assert_eq!(
            allowed(Role::Officer),
            vec![
                EditDepartments,
                EditRoster,
                IssueCards,
                EditProjects,
                RecordProjectDecision,
                RecordSwipes,
                GrantCredits,
                RevokeCredits,
                ChooseRuleSet,
                SetExemptions,
                EnterCredits,
                ReviewCreditsHospital,
                AnnualReview,
                MapImportHeaders,
                IssueStatements,
                ViewFullIdNumbers,
            ]
        );
    }

    /// `Permission::ALL` lists every variant once, in declaration order; `index` is an exhaustive
    /// match, so a new variant cannot be left out of the list (or any matrix built on it).
    #[test]
    fn all_lists_every_permission() {
        for (i, p) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(p.index(), i, "{p:?} out of place in Permission::ALL");
        }
    }

    #[test]
    fn every_permission_is_named_in_both_languages() {
        let mut names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
        assert!(Permission::ALL.iter().all(|p| !p.label_zh().is_empty()));
        let viewer = Actor::new(
            Operator {
                username: "v".into(),
                display_name: "v".into(),
                role: Role::Viewer,
                department_id: None,
            },
            DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap(),
        );
        let e = viewer.require(GrantCredits).unwrap_err();
        assert_eq!((e.code(), e.message_zh().as_str()), ("FORBIDDEN", "操作员 v 无权授予学分"));
    }
}
