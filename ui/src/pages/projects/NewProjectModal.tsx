// 新建举办项目: the officer selects an entry of the approved list (never types its number), then
// fills in the seed-004 fields.
import { useEffect, useMemo, useState } from "react";
import { App, Descriptions, Empty, Form, Input, Modal, Select } from "antd";
import type { ButtonProps } from "antd";
import { createProject, CREDIT_LEVEL, listApprovedProjects, type ApprovedProjectRow, type Project } from "../../api/projects";
import { errorText } from "../../api/errors";
import { showOnField } from "../../logic/formErrors";
import { fromDetails, toDetails, type DetailsFormValues } from "../../logic/projectForm";
import DetailsFields from "./DetailsFields";

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (p: Project) => void;
}

export default function NewProjectModal({ open, onClose, onCreated }: Props) {
  const [form] = Form.useForm<DetailsFormValues & { approved_project_id?: string }>();
  const [approved, setApproved] = useState<ApprovedProjectRow[]>([]);
  const [chosen, setChosen] = useState<ApprovedProjectRow | null>(null);
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setChosen(null);
    listApprovedProjects({ available_only: true }).then(setApproved, (e) => message.error(errorText(e)));
  }, [open, form, message]);

  const optionsList = useMemo(
    () => approved.map((a) => ({ value: a.id, label: `${a.code} ${a.name}`, title: `${a.code} ${a.name}` })),
    [approved],
  );

  const choose = (id: string) => {
    const a = approved.find((x) => x.id === id) ?? null;
    setChosen(a);
    if (a) form.setFieldsValue(fromDetails({ venue: a.venue, lead: a.lead, planned_start: a.planned_start, planned_end: a.planned_end }));
  };

  const save = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v || !chosen) return;
    setBusy(true);
    try {
      const p = await createProject(chosen.id, toDetails(v));
      message.success(`已创建项目：${p.code}`);
      onCreated(p);
    } catch (e) {
      if (!showOnField(form, e, { approved: "approved_project_id" })) message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title="新建举办项目（从已批准项目中选择）"
      width={900}
      onCancel={onClose}
      onOk={save}
      okText="创建"
      confirmLoading={busy}
      okButtonProps={{ disabled: !chosen, "data-testid": "project-form-save" } as ButtonProps}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" data-testid="project-form">
        <Form.Item label="已批准项目" name="approved_project_id" rules={[{ required: true, message: "请从已批准项目中选择" }]}>
          <Select
            showSearch
            optionFilterProp="label"
            options={optionsList}
            onChange={choose}
            placeholder="输入项目编号或名称筛选"
            notFoundContent={<Empty description="没有可举办的已批准项目" />}
            data-testid="project-approved"
          />
        </Form.Item>
        {chosen && (
          <>
            <Form.Item label="项目编号（来自批准名单，不可修改）">
              <Input value={chosen.code} disabled data-testid="project-code" />
            </Form.Item>
            <Descriptions size="small" column={3} bordered style={{ marginBottom: 16 }}>
              <Descriptions.Item label="项目名称" span={3}>{chosen.name}</Descriptions.Item>
              <Descriptions.Item label="年度">{chosen.year}</Descriptions.Item>
              <Descriptions.Item label="学分级别">{CREDIT_LEVEL[chosen.credit_level] ?? chosen.credit_level}</Descriptions.Item>
              <Descriptions.Item label="学分 / 总学时">{chosen.credits} / {chosen.total_hours}</Descriptions.Item>
              <Descriptions.Item label="主办单位" span={3}>{chosen.organizer ?? "—"}</Descriptions.Item>
            </Descriptions>
            <DetailsFields />
          </>
        )}
      </Form>
    </Modal>
  );
}
