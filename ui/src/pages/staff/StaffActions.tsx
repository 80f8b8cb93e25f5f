// Transfer, status change and card issue/replace/revoke for one staff member.
import type { ButtonProps } from "antd";
import { useEffect, useState } from "react";
import { App, DatePicker, Form, Input, Modal, Select, TreeSelect, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { changeStaffStatus, issueCard, replaceCard, revokeCard, transferStaff, type StaffRow } from "../../api/staff";
import { options, STAFF_STATUS } from "../../api/labels";
import type { StaffStatus } from "../../bindings/StaffStatus";
import { errorText } from "../../api/errors";
import { showOnField } from "../../logic/formErrors";
import type { TreeNode } from "../../logic/departmentTree";

export type StaffAction = "transfer" | "status" | "card_issue" | "card_replace" | "card_revoke";

const TITLES: Record<StaffAction, string> = {
  transfer: "调动科室",
  status: "变更人员状态",
  card_issue: "发卡",
  card_replace: "补卡（旧卡作废）",
  card_revoke: "挂失 / 注销卡",
};

interface Props {
  action: StaffAction | null;
  staff: StaffRow | null;
  tree: TreeNode[];
  departmentPath: (id: string) => string;
  onClose: () => void;
  onDone: () => void;
}

interface Values {
  to_department_id?: string;
  status?: string;
  effective_on?: Dayjs;
  card_no?: string;
  reason?: string;
}

export default function StaffActions({ action, staff, tree, departmentPath, onClose, onDone }: Props) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();

  useEffect(() => {
    if (action) form.setFieldsValue({ effective_on: dayjs(), reason: undefined, card_no: undefined, to_department_id: undefined, status: undefined });
  }, [action, form]);

  if (!action || !staff) return null;

  const run = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const day = (v.effective_on ?? dayjs()).format("YYYY-MM-DD");
    const reason = v.reason?.trim() || null;
    setBusy(true);
    try {
      switch (action) {
        case "transfer":
          await transferStaff(staff.id, v.to_department_id ?? "", day, reason);
          break;
        case "status":
          await changeStaffStatus(staff.id, v.status as StaffStatus, day, reason);
          break;
        case "card_issue":
          await issueCard(staff.id, (v.card_no ?? "").trim());
          break;
        case "card_replace":
          await replaceCard(staff.id, (v.card_no ?? "").trim(), reason ?? "");
          break;
        case "card_revoke":
          await revokeCard(staff.card_key ?? "", reason ?? "");
          break;
      }
      message.success(`${TITLES[action]}：已完成`);
      onDone();
    } catch (e) {
      if (!showOnField(form, e, { card_key: "card_no", department_id: "to_department_id" })) message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={`${TITLES[action]}：${staff.name}`}
      onCancel={onClose}
      onOk={run}
      okText="确定"
      confirmLoading={busy}
      okButtonProps={{ "data-testid": "staff-action-ok" } as ButtonProps}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" data-testid={`staff-action-${action}`}>
        {action === "transfer" && (
          <>
            <Typography.Paragraph>当前科室：{departmentPath(staff.department_id)}</Typography.Paragraph>
            <Form.Item label="调入科室" name="to_department_id" rules={[{ required: true, message: "请选择调入科室" }]}>
              <TreeSelect treeData={tree} treeDefaultExpandAll showSearch treeNodeFilterProp="title" data-testid="transfer-to" />
            </Form.Item>
          </>
        )}
        {action === "status" && (
          <Form.Item label={`新状态（当前：${STAFF_STATUS[staff.status] ?? staff.status}）`} name="status" rules={[{ required: true, message: "请选择状态" }]}>
            <Select options={options(STAFF_STATUS).filter((o) => o.value !== staff.status)} data-testid="status-to" />
          </Form.Item>
        )}
        {(action === "transfer" || action === "status") && (
          <Form.Item label="生效日期" name="effective_on" rules={[{ required: true, message: "请选择生效日期" }]}>
            <DatePicker style={{ width: "100%" }} />
          </Form.Item>
        )}
        {(action === "card_issue" || action === "card_replace") && (
          <Form.Item label="卡号" name="card_no" rules={[{ required: true, message: "请填写卡号" }]}>
            <Input data-testid="card-no" maxLength={40} />
          </Form.Item>
        )}
        <Form.Item
          label="原因"
          name="reason"
          rules={action === "card_replace" || action === "card_revoke" ? [{ required: true, message: "请填写原因" }] : []}
        >
          <Input.TextArea rows={2} maxLength={180} data-testid="action-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
