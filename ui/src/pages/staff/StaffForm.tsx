// Add / edit a staff member; the core validates and its errors land on the right field.
import type { ButtonProps } from "antd";
import { useEffect, useState } from "react";
import { App, AutoComplete, Form, Input, Modal, Select, TreeSelect } from "antd";
import { createStaff, updateStaff, type NewStaff, type Staff, type StaffRow } from "../../api/staff";
import { GENDER, options, PROFESSIONS, TITLE_LEVEL } from "../../api/labels";
import { errorText } from "../../api/errors";
import { showOnField } from "../../logic/formErrors";
import type { TreeNode } from "../../logic/departmentTree";

interface FormValues {
  name: string;
  gender?: NewStaff["gender"];
  id_number: string;
  department_id?: string;
  title?: string;
  title_level?: NewStaff["title_level"];
  profession?: string;
  phone?: string;
  note?: string;
  card_key?: string;
}

interface Props {
  open: boolean;
  editing: StaffRow | null;
  tree: TreeNode[];
  onClose: () => void;
  onSaved: (row: Staff) => void;
}

export default function StaffForm({ open, editing, tree, onClose, onSaved }: Props) {
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing)
      form.setFieldsValue({
        name: editing.name,
        gender: editing.gender,
        id_number: editing.id_number,
        title: editing.title ?? undefined,
        title_level: editing.title_level,
        profession: editing.profession ?? undefined,
        phone: editing.phone ?? undefined,
        note: editing.note ?? undefined,
      });
  }, [open, editing, form]);

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const input: NewStaff = {
      name: values.name,
      gender: values.gender ?? null,
      id_number: values.id_number.trim(),
      department_id: values.department_id ?? editing?.department_id ?? "",
      title: values.title || null,
      title_level: values.title_level || null,
      profession: values.profession || null,
      phone: values.phone || null,
      status: null,
      note: values.note || null,
      card_key: values.card_key?.trim() || null,
    };
    setBusy(true);
    try {
      const { department_id: _d, status: _s, card_key: _c, ...edit } = input;
      const row = editing ? await updateStaff(editing.id, edit) : await createStaff(input);
      message.success(editing ? "已保存" : `已新增人员：${row.name}`);
      onSaved(row);
    } catch (e) {
      if (!showOnField(form, e)) message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={editing ? `编辑人员：${editing.name}` : "新增人员"}
      onCancel={onClose}
      onOk={save}
      okText="保存"
      confirmLoading={busy}
      destroyOnHidden
      okButtonProps={{ "data-testid": "staff-form-save" } as ButtonProps}
      width={640}
    >
      <Form form={form} layout="vertical" data-testid="staff-form" requiredMark>
        <div style={{ display: "grid", gridTemplateColumns: "1fr 1fr", columnGap: 16 }}>
          <Form.Item label="姓名" name="name" rules={[{ required: true, message: "请填写姓名" }]}>
            <Input data-testid="staff-name" maxLength={50} />
          </Form.Item>
          <Form.Item label="性别" name="gender" rules={[{ required: true, message: "请选择性别" }]}>
            <Select options={options(GENDER)} data-testid="staff-gender" />
          </Form.Item>
          <Form.Item label="身份证号" name="id_number" rules={[{ required: true, message: "请填写身份证号" }]}>
            <Input data-testid="staff-id-number" maxLength={18} />
          </Form.Item>
          {editing ? (
            <Form.Item label="科室（调动请用“调动科室”）">
              <Input value={editing.department_name} disabled />
            </Form.Item>
          ) : (
            <Form.Item label="科室" name="department_id" rules={[{ required: true, message: "请选择科室" }]}>
              <TreeSelect treeData={tree} treeDefaultExpandAll showSearch treeNodeFilterProp="title" data-testid="staff-department" />
            </Form.Item>
          )}
          <Form.Item label="职称" name="title">
            <Input maxLength={50} data-testid="staff-title" />
          </Form.Item>
          <Form.Item label="职称级别" name="title_level">
            <Select allowClear options={options(TITLE_LEVEL)} data-testid="staff-title-level" />
          </Form.Item>
          <Form.Item label="专业" name="profession">
            <AutoComplete options={PROFESSIONS.map((p) => ({ value: p }))} data-testid="staff-profession" />
          </Form.Item>
          <Form.Item label="联系电话" name="phone">
            <Input maxLength={20} data-testid="staff-phone" />
          </Form.Item>
          {!editing && (
            <Form.Item label="卡号（可选）" name="card_key">
              <Input maxLength={40} data-testid="staff-card" />
            </Form.Item>
          )}
        </div>
        <Form.Item label="备注" name="note">
          <Input.TextArea rows={2} maxLength={180} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
