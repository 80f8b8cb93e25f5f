// One hosted project: its fields, courses, holding periods, attendance windows and state changes.
// A refused state change shows the core's reasons (e.g. what is still missing before 上报).
import { useCallback, useEffect, useState } from "react";
import { Alert, App, Button, DatePicker, Drawer, Form, Input, InputNumber, Space, Table, Tabs, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import {
  addAttendanceWindow,
  addCourse,
  addHoldingPeriod,
  PROJECT_ACTION,
  PROJECT_STATE,
  projectDetail,
  transitionProject,
  updateProject,
  type ProjectAction,
  type ProjectDetail,
} from "../../api/projects";
import { errorText } from "../../api/errors";
import { showOnField } from "../../logic/formErrors";
import { fromDetails, toDetails, type DetailsFormValues } from "../../logic/projectForm";
import DetailsFields from "./DetailsFields";

interface Props {
  projectId: string | null;
  onClose: () => void;
  onChanged: () => void;
}

export default function ProjectDrawer({ projectId, onClose, onChanged }: Props) {
  const [detail, setDetail] = useState<ProjectDetail | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [tab, setTab] = useState("info");
  const [detailsForm] = Form.useForm<DetailsFormValues>();
  const [courseForm] = Form.useForm<{ title: string; hours: number; speaker_name?: string; speaker_staff?: string; speaker_unit?: string }>();
  const [periodForm] = Form.useForm<{ starts_on: Dayjs; ends_on: Dayjs }>();
  const [windowForm] = Form.useForm<{ starts_at: Dayjs; ends_at: Dayjs; label?: string }>();
  const { message } = App.useApp();

  const load = useCallback(async () => {
    if (!projectId) return;
    try {
      const d = await projectDetail(projectId);
      setDetail(d);
      detailsForm.setFieldsValue(fromDetails(d.project));
    } catch (e) {
      message.error(errorText(e));
    }
  }, [projectId, detailsForm, message]);

  useEffect(() => {
    setDetail(null);
    setRefusal(null);
    setTab("info");
    load();
  }, [load]);

  const changed = async (text: string) => {
    message.success(text);
    onChanged();
    await load();
  };

  const act = async (action: ProjectAction) => {
    if (!detail) return;
    setRefusal(null);
    try {
      await transitionProject(detail.project.id, action, reason.trim() || null);
      setReason("");
      await changed(`已${PROJECT_ACTION[action] ?? action}`);
    } catch (e) {
      setRefusal(errorText(e));
    }
  };

  const saveDetails = async () => {
    if (!detail) return;
    const v = await detailsForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await updateProject(detail.project.id, toDetails(v));
      await changed("已保存项目信息");
    } catch (e) {
      if (!showOnField(detailsForm, e)) message.error(errorText(e));
    }
  };

  const saveCourse = async () => {
    if (!detail) return;
    const v = await courseForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await addCourse(detail.project.id, {
        title: v.title,
        hours: v.hours,
        speaker_name: v.speaker_name?.trim() || null,
        speaker_staff: v.speaker_staff?.trim() || null,
        speaker_unit: v.speaker_unit?.trim() || null,
      });
      courseForm.resetFields();
      await changed("已添加课程");
    } catch (e) {
      if (!showOnField(courseForm, e)) message.error(errorText(e));
    }
  };

  const savePeriod = async () => {
    if (!detail) return;
    const v = await periodForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await addHoldingPeriod(detail.project.id, v.starts_on.format("YYYY-MM-DD"), v.ends_on.format("YYYY-MM-DD"));
      periodForm.resetFields();
      await changed("已添加举办周期");
    } catch (e) {
      if (!showOnField(periodForm, e)) message.error(errorText(e));
    }
  };

  const saveWindow = async () => {
    if (!detail) return;
    const v = await windowForm.validateFields().catch(() => null);
    if (!v) return;
    try {
      await addAttendanceWindow(
        detail.project.id,
        v.starts_at.format("YYYY-MM-DDTHH:mm:00"),
        v.ends_at.format("YYYY-MM-DDTHH:mm:00"),
        v.label?.trim() || null,
      );
      windowForm.resetFields();
      await changed("已添加刷卡周期");
    } catch (e) {
      if (!showOnField(windowForm, e)) message.error(errorText(e));
    }
  };

  const p = detail?.project;
  const editable = p ? p.state === "draft" || p.state === "rejected" : false;

  return (
    <Drawer
      open={!!projectId}
      onClose={onClose}
      width={980}
      title={p ? <span>{p.code} {p.name} <Tag color="blue" data-testid="project-state">{PROJECT_STATE[p.state] ?? p.state}</Tag></span> : "项目"}
      data-testid="project-detail"
    >
      {detail && p && (
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            {
              key: "info",
              label: <span data-testid="project-tab-info">基本信息与状态</span>,
              children: (
                <>
                  {detail.missing_for_submit.length > 0 && p.state === "draft" && (
                    <Alert
                      type="warning"
                      showIcon
                      style={{ marginBottom: 12 }}
                      message={`上报前还需补全：${detail.missing_for_submit.map(([, label]) => label).join("、")}`}
                    />
                  )}
                  {p.state_reason && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={`退回原因：${p.state_reason}`} />}
                  <Space style={{ marginBottom: 12 }} wrap data-testid="project-transitions">
                    <Typography.Text>状态变更：</Typography.Text>
                    {detail.actions.map((a) => (
                      <Button key={a} onClick={() => act(a)} data-testid={`project-action-${a}`}>
                        {PROJECT_ACTION[a] ?? a}
                      </Button>
                    ))}
                    <Input placeholder="原因（退回时必填）" value={reason} onChange={(e) => setReason(e.target.value)} style={{ width: 220 }} />
                  </Space>
                  {refusal && (
                    <Alert type="error" showIcon style={{ marginBottom: 12 }} message="未能变更状态" description={<span data-testid="project-transition-error">{refusal}</span>} />
                  )}
                  <Form form={detailsForm} layout="vertical" disabled={!editable}>
                    <DetailsFields disabled={!editable} />
                    {editable && <Button type="primary" onClick={saveDetails} data-testid="project-details-save">保存项目信息</Button>}
                  </Form>
                </>
              ),
            },
            {
              key: "courses",
              label: <span data-testid="project-tab-courses">课程（{detail.courses.length}）</span>,
              children: (
                <>
                  <Table
                    size="small"
                    rowKey="id"
                    pagination={false}
                    dataSource={detail.courses}
                    data-testid="courses-table"
                    columns={[
                      { title: "课程名称", dataIndex: "title" },
                      { title: "学时", dataIndex: "hours", width: 70 },
                      { title: "主讲人", dataIndex: "speaker_name", width: 120 },
                      { title: "主讲人单位", dataIndex: "speaker_unit", width: 180 },
                      { title: "院内人员", dataIndex: "speaker_staff_id", width: 90, render: (id: string | null) => (id ? <Tag color="green">是</Tag> : "否") },
                    ]}
                  />
                  <Form form={courseForm} layout="inline" style={{ marginTop: 12, rowGap: 8 }}>
                    <Form.Item name="title" rules={[{ required: true, message: "请填写课程名称" }]}>
                      <Input placeholder="课程名称" data-testid="course-title" style={{ width: 240 }} />
                    </Form.Item>
                    <Form.Item name="hours" rules={[{ required: true, message: "请填写学时" }]}>
                      <InputNumber placeholder="学时" min={0} step={0.5} data-testid="course-hours" />
                    </Form.Item>
                    <Form.Item name="speaker_name">
                      <Input placeholder="主讲人姓名" data-testid="course-speaker" style={{ width: 120 }} />
                    </Form.Item>
                    <Form.Item name="speaker_staff">
                      <Input placeholder="或院内主讲人身份证号 / 卡号" data-testid="course-speaker-staff" style={{ width: 220 }} />
                    </Form.Item>
                    <Form.Item name="speaker_unit">
                      <Input placeholder="主讲人单位" style={{ width: 160 }} />
                    </Form.Item>
                    <Button type="primary" onClick={saveCourse} data-testid="course-add">添加课程</Button>
                  </Form>
                </>
              ),
            },
            {
              key: "periods",
              label: <span data-testid="project-tab-periods">举办周期（{detail.holding_periods.length}）</span>,
              children: (
                <>
                  <Table
                    size="small"
                    rowKey="id"
                    pagination={false}
                    dataSource={detail.holding_periods}
                    data-testid="periods-table"
                    columns={[
                      { title: "开始日期", dataIndex: "starts_on" },
                      { title: "结束日期", dataIndex: "ends_on" },
                    ]}
                  />
                  <Form form={periodForm} layout="inline" style={{ marginTop: 12 }}>
                    <Form.Item name="starts_on" rules={[{ required: true, message: "请选择开始日期" }]}>
                      <DatePicker placeholder="开始日期" data-testid="period-start" />
                    </Form.Item>
                    <Form.Item name="ends_on" rules={[{ required: true, message: "请选择结束日期" }]}>
                      <DatePicker placeholder="结束日期" data-testid="period-end" />
                    </Form.Item>
                    <Button type="primary" onClick={savePeriod} data-testid="period-add">添加举办周期</Button>
                  </Form>
                </>
              ),
            },
            {
              key: "windows",
              label: <span data-testid="project-tab-windows">刷卡周期（{detail.attendance_windows.length}）</span>,
              children: (
                <>
                  <Typography.Paragraph type="secondary">每个刷卡周期内都须有刷卡记录，考勤才有效；举办周期外的刷卡无效。</Typography.Paragraph>
                  <Table
                    size="small"
                    rowKey="id"
                    pagination={false}
                    dataSource={detail.attendance_windows}
                    data-testid="windows-table"
                    columns={[
                      { title: "开始", dataIndex: "starts_at", render: (t: string) => t.replace("T", " ").slice(0, 16) },
                      { title: "结束", dataIndex: "ends_at", render: (t: string) => t.replace("T", " ").slice(0, 16) },
                      { title: "说明", dataIndex: "label" },
                    ]}
                  />
                  <Form form={windowForm} layout="inline" style={{ marginTop: 12 }}>
                    <Form.Item name="starts_at" rules={[{ required: true, message: "请选择开始时间" }]}>
                      <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" placeholder="开始时间" data-testid="window-start" />
                    </Form.Item>
                    <Form.Item name="ends_at" rules={[{ required: true, message: "请选择结束时间" }]}>
                      <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" placeholder="结束时间" data-testid="window-end" />
                    </Form.Item>
                    <Form.Item name="label">
                      <Input placeholder="说明（如：第二天上午）" data-testid="window-label" />
                    </Form.Item>
                    <Button type="primary" onClick={saveWindow} data-testid="window-add">添加刷卡周期</Button>
                  </Form>
                </>
              ),
            },
          ]}
        />
      )}
    </Drawer>
  );
}
