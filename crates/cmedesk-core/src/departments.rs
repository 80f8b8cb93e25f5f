//! Departments (科室): the hospital's units, a tree ordered by `sort` within each parent.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    sql,
    store::Desk,
};

const ENTITY: &str = "department";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Department {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    #[ts(type = "number")]
    pub sort: i64,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NewDepartment {
    pub name: String,
    pub parent_id: Option<String>,
    /// Position among its siblings; appended last when absent.
    #[ts(type = "number | null")]
    pub sort: Option<i64>,
}

/// A department with its children, for the tree view.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DepartmentNode {
    #[serde(flatten)]
    #[ts(flatten)]
    pub department: Department,
    /// Staff directly in this department (not counting sub-departments).
    #[ts(type = "number")]
    pub staff_count: i64,
    pub children: Vec<DepartmentNode>,
}

fn check_name(name: &str) -> Result<String> {
    let name = sql::required(name, "name", "科室名称")?;
    sql::max_chars(&name, 50, "name", "科室名称")?;
    if name.contains('/') {
        return Err(CoreError::invalid(
            "name",
            "DEPARTMENT_NAME",
            "科室名称不能包含「/」",
            "department name cannot contain '/'",
        ));
    }
    Ok(name)
}

pub fn add(desk: &mut Desk, actor: &Actor, new: NewDepartment) -> Result<Department> {
    actor.require(Permission::EditDepartments)?;
    let name = check_name(&new.name)?;
    if let Some(parent) = &new.parent_id {
        get(desk, parent)?;
    }
    if sibling_named(desk, new.parent_id.as_deref(), &name)?.is_some() {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "同级科室",
            field: "name",
            key: name,
        });
    }
    desk.change(actor, |c| {
        let sort = match new.sort {
            Some(s) => s,
            None => c.tx().query_row(
                "SELECT COALESCE(MAX(sort), 0) + 10 FROM departments WHERE parent_id IS ?1",
                [&new.parent_id],
                |r| r.get(0),
            )?,
        };
        let dept = Department { id: c.new_id(), parent_id: new.parent_id.clone(), name: name.clone(), sort };
        let now = c.actor().timestamp();
        c.tx().execute(
            "INSERT INTO departments(id, parent_id, name, sort, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![dept.id, dept.parent_id, dept.name, dept.sort, now],
        )?;
        c.record("department.add", ENTITY, &dept.id, None, Some(&dept))?;
        Ok(dept)
    })
}

pub fn rename(desk: &mut Desk, actor: &Actor, id: &str, name: &str) -> Result<Department> {
    actor.require(Permission::EditDepartments)?;
    let name = check_name(name)?;
    let before = get(desk, id)?;
    if let Some(other) = sibling_named(desk, before.parent_id.as_deref(), &name)?
        && other.id != id
    {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "同级科室",
            field: "name",
            key: name,
        });
    }
    let after = Department {
        name,
        ..before.clone()
    };
    save(desk, actor, "department.rename", &before, after)
}

/// Moves a department under `parent_id` (None = top level), optionally at a position.
pub fn move_to(
    desk: &mut Desk,
    actor: &Actor,
    id: &str,
    parent_id: Option<&str>,
    sort: Option<i64>,
) -> Result<Department> {
    actor.require(Permission::EditDepartments)?;
    let before = get(desk, id)?;
    if let Some(p) = parent_id {
        // Walking up from the new parent must never reach the department itself.
        let mut cursor = Some(get(desk, p)?);
        while let Some(d) = cursor {
            if d.id == id {
                return Err(CoreError::invalid(
                    "parent_id",
                    "DEPARTMENT_CYCLE",
                    "不能把科室移动到它自己或它的下级科室之下",
                    "a department cannot move under itself or its descendants",
                ));
            }
            cursor = match d.parent_id {
                Some(pp) => Some(get(desk, &pp)?),
                None => None,
            };
        }
    }
    if let Some(other) = sibling_named(desk, parent_id, &before.name)?
        && other.id != id
    {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "同级科室",
            field: "name",
            key: before.name,
        });
    }
    let after = Department {
        parent_id: parent_id.map(str::to_string),
        sort: sort.unwrap_or(before.sort),
        ..before.clone()
    };
    save(desk, actor, "department.move", &before, after)
}

fn save(
    desk: &mut Desk,
    actor: &Actor,
    action: &str,
    before: &Department,
    after: Department,
) -> Result<Department> {
    desk.change(actor, |c| {
        c.tx().execute(
            "UPDATE departments SET parent_id = ?2, name = ?3, sort = ?4, updated_at = ?5 WHERE id = ?1",
            params![after.id, after.parent_id, after.name, after.sort, c.actor().timestamp()],
        )?;
        c.record(action, ENTITY, &after.id, Some(before), Some(&after))?;
        Ok(after)
    })
}

pub fn get(desk: &Desk, id: &str) -> Result<Department> {
    desk.conn()
        .query_row(
            "SELECT id, parent_id, name, sort FROM departments WHERE id = ?1",
            [id],
            row,
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: ENTITY,
            entity_zh: "科室",
            key: id.to_string(),
        })
}

fn sibling_named(desk: &Desk, parent_id: Option<&str>, name: &str) -> Result<Option<Department>> {
    Ok(desk
        .conn()
        .query_row(
            "SELECT id, parent_id, name, sort FROM departments WHERE parent_id IS ?1 AND name = ?2",
            params![parent_id, name],
            row,
        )
        .optional()?)
}

/// Finds a department by id, by a unique name, or by a path `内科/心血管内科`.
pub fn resolve(desk: &Desk, reference: &str) -> Result<Department> {
    let reference = reference.trim();
    if let Ok(d) = get(desk, reference) {
        return Ok(d);
    }
    let not_found = || CoreError::NotFound {
        entity: ENTITY,
        entity_zh: "科室",
        key: reference.to_string(),
    };
    if reference.contains('/') {
        let mut parent: Option<String> = None;
        for part in reference.split('/').filter(|p| !p.is_empty()) {
            let d = sibling_named(desk, parent.as_deref(), part)?.ok_or_else(not_found)?;
            parent = Some(d.id);
        }
        return get(desk, &parent.ok_or_else(not_found)?);
    }
    let mut stmt = desk
        .conn()
        .prepare("SELECT id, parent_id, name, sort FROM departments WHERE name = ?1")?;
    let found: Vec<Department> = stmt
        .query_map([reference], row)?
        .collect::<rusqlite::Result<_>>()?;
    match found.len() {
        0 => Err(not_found()),
        1 => Ok(found.into_iter().next().ok_or_else(not_found)?),
        _ => Err(CoreError::invalid(
            "department",
            "DEPARTMENT_AMBIGUOUS",
            format!("有多个名为「{reference}」的科室，请用「上级/科室」的形式指定"),
            format!("several departments are named {reference}; use parent/name"),
        )),
    }
}

/// All departments, parents before children, siblings by `sort`.
pub fn list(desk: &Desk) -> Result<Vec<Department>> {
    let mut out = Vec::new();
    for node in tree(desk)? {
        flatten(node, &mut out);
    }
    Ok(out)
}

fn flatten(node: DepartmentNode, out: &mut Vec<Department>) {
    out.push(node.department);
    for child in node.children {
        flatten(child, out);
    }
}

pub fn tree(desk: &Desk) -> Result<Vec<DepartmentNode>> {
    let mut stmt = desk.conn().prepare(
        "SELECT d.id, d.parent_id, d.name, d.sort,
                (SELECT COUNT(*) FROM staff s WHERE s.department_id = d.id) AS n
         FROM departments d ORDER BY d.sort, d.name",
    )?;
    let all: Vec<(Department, i64)> = stmt
        .query_map([], |r| Ok((row(r)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    fn build(parent: Option<&str>, all: &[(Department, i64)]) -> Vec<DepartmentNode> {
        all.iter()
            .filter(|(d, _)| d.parent_id.as_deref() == parent)
            .map(|(d, n)| DepartmentNode {
                department: d.clone(),
                staff_count: *n,
                children: build(Some(&d.id), all),
            })
            .collect()
    }
    Ok(build(None, &all))
}

/// The department and every department below it.
pub fn subtree_ids(desk: &Desk, id: &str) -> Result<Vec<String>> {
    let mut stmt = desk.conn().prepare(
        "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id)
         SELECT id FROM sub",
    )?;
    Ok(stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Department> {
    Ok(Department {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        name: r.get(2)?,
        sort: r.get(3)?,
    })
}
