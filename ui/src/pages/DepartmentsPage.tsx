// 科室管理: the department tree; add, rename, move by dragging, order with up / down.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Alert, App, Button, Card, Empty, Form, Input, Space, Tree, Typography } from "antd";
import type { TreeProps } from "antd";
import { createDepartment, listDepartments, moveDepartment, renameDepartment, type Department } from "../api/departments";
import { errorText } from "../api/errors";
import { buildTree, childrenOf, moveForDrop, pathNames } from "../logic/departmentTree";
import { showOnField } from "../logic/formErrors";

export default function DepartmentsPage({ onChanged }: { onChanged: () => void }) {
  const [departments, setDepartments] = useState<Department[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [addForm] = Form.useForm<{ name: string }>();
  const [renameForm] = Form.useForm<{ name: string }>();
  const { message } = App.useApp();

  const reload = useCallback(() => listDepartments().then(setDepartments, (e) => setError(errorText(e))), []);
  useEffect(() => {
    reload();
  }, [reload]);

  const tree = useMemo(() => buildTree(departments), [departments]);
  const paths = useMemo(() => pathNames(departments), [departments]);
  const current = departments.find((d) => d.id === selected) ?? null;
  useEffect(() => {
    renameForm.setFieldsValue({ name: current?.name ?? "" });
  }, [current, renameForm]);

  const done = async (text: string) => {
    message.success(text);
    onChanged();
    await reload();
  };

  const add = async (parentId: string | null) => {
    const v = await addForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      const d = await createDepartment(v.name.trim(), parentId);
      addForm.resetFields();
      setSelected(d.id);
      await done(`已添加科室：${d.name}`);
    } catch (e) {
      if (!showOnField(addForm, e)) message.error(errorText(e));
    }
  };

  const rename = async () => {
    if (!current) return;
    const v = await renameForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await renameDepartment(current.id, v.name.trim());
      await done("已重命名");
    } catch (e) {
      if (!showOnField(renameForm, e)) message.error(errorText(e));
    }
  };

  const shift = async (delta: -1 | 1) => {
    if (!current) return;
    const siblings = childrenOf(departments, current.parent_id ?? null);
    const at = siblings.findIndex((d) => d.id === current.id);
    const to = at + delta;
    if (to < 0 || to >= siblings.length) return;
    try {
      await moveDepartment(current.id, current.parent_id ?? null, to);
      await done("已调整顺序");
    } catch (e) {
      message.error(errorText(e));
    }
  };

  const onDrop: TreeProps["onDrop"] = async (info) => {
    // antd gives dropPosition as an absolute index; make it relative to the drop node.
    const pos = info.node.pos.split("-");
    const relative = (info.dropPosition - Number(pos[pos.length - 1])) as -1 | 0 | 1;
    const move = moveForDrop(departments, String(info.dragNode.key), String(info.node.key), info.dropToGap, relative);
    if (!move) {
      message.warning("不能把科室移到它自己或它的下级科室中");
      return;
    }
    try {
      await moveDepartment(move.id, move.parent_id, move.position);
      await done("已移动科室");
    } catch (e) {
      message.error(errorText(e));
    }
  };

  return (
    <div data-testid="departments-page" style={{ display: "grid", gridTemplateColumns: "minmax(320px, 1fr) 380px", gap: 16 }}>
      <Card title="科室树（拖动可移动或排序）" size="small">
        {error && <Alert type="error" message={error} />}
        {tree.length === 0 ? (
          <Empty description="还没有科室" />
        ) : (
          <Tree
            draggable={{ icon: false }}
            blockNode
            defaultExpandAll
            treeData={tree}
            selectedKeys={selected ? [selected] : []}
            onSelect={(keys) => setSelected(keys.length ? String(keys[0]) : null)}
            onDrop={onDrop}
            data-testid="department-tree"
          />
        )}
      </Card>
      <Space direction="vertical" style={{ width: "100%" }}>
        <Card size="small" title="添加科室">
          <Form form={addForm} layout="vertical">
            <Form.Item name="name" label="科室名称" rules={[{ required: true, message: "请填写科室名称" }]}>
              <Input maxLength={50} data-testid="department-new-name" />
            </Form.Item>
            <Space>
              <Button onClick={() => add(null)} data-testid="department-add-root">添加为一级科室</Button>
              <Button type="primary" disabled={!current} onClick={() => add(current?.id ?? null)} data-testid="department-add-child">
                添加为所选科室的下级
              </Button>
            </Space>
          </Form>
        </Card>
        <Card size="small" title="所选科室">
          {current ? (
            <>
              <Typography.Paragraph>{paths.get(current.id)}</Typography.Paragraph>
              <Form form={renameForm} layout="vertical">
                <Form.Item name="name" label="名称" rules={[{ required: true, message: "请填写科室名称" }]}>
                  <Input maxLength={50} data-testid="department-rename" />
                </Form.Item>
                <Space>
                  <Button type="primary" onClick={rename} data-testid="department-rename-save">重命名</Button>
                  <Button onClick={() => shift(-1)}>上移</Button>
                  <Button onClick={() => shift(1)}>下移</Button>
                  {current.parent_id && (
                    <Button onClick={() => moveDepartment(current.id, null, childrenOf(departments, null).length).then(() => done("已移为一级科室"), (e) => message.error(errorText(e)))}>
                      移为一级科室
                    </Button>
                  )}
                </Space>
              </Form>
            </>
          ) : (
            <Typography.Text type="secondary">在左侧选择一个科室</Typography.Text>
          )}
        </Card>
      </Space>
    </div>
  );
}
