// 导出: a template filled from the desk, written as .xlsx where the officer says. ID numbers are
// masked unless the full view is asked for (needs the permission; the view is logged).
import { useEffect, useState } from "react";
import { Alert, App, Button, Card, Checkbox, Form, Input, InputNumber, Select, Typography } from "antd";
import { PathField, XLSX } from "../components/PathField";
import { exportSheet, listSheetTemplates, type SheetExported, type TemplateInfo } from "../api/sheets";
import { errorText } from "../api/errors";
import { exportArgs } from "../logic/exportButton";

interface ExportForm {
  template: string;
  path: string;
  year?: number | null;
  department?: string;
  project?: string;
  fullId: boolean;
}

export default function ExportPage() {
  const { message } = App.useApp();
  const [form] = Form.useForm<ExportForm>();
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  const [done, setDone] = useState<SheetExported | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listSheetTemplates().then((all) => setTemplates(all.filter((t) => t.exportable)), (e) => setError(errorText(e)));
  }, []);

  const submit = async (v: ExportForm) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await exportSheet(exportArgs(v.template, v.path, { year: v.year, department: v.department, project: v.project }, v.fullId));
      setDone(r);
      message.success(`已导出 ${r.rows} 行`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="导出表格" data-testid="export-page" style={{ maxWidth: 720 }}>
      <Form form={form} layout="vertical" initialValues={{ fullId: false }} onFinish={submit}>
        <Form.Item name="template" label="模板" rules={[{ required: true, message: "请选择模板" }]}>
          <Select data-testid="export-template" options={templates.map((t) => ({ value: t.name, label: t.title, title: t.title }))} />
        </Form.Item>
        <Form.Item name="path" label="保存到（.xlsx 文件）" rules={[{ required: true, message: "请填写保存路径" }]}>
          <PathField testId="export-path" what={{ kind: "save-file", filters: XLSX }} placeholder="点“浏览…”选择保存位置，或粘贴路径" />
        </Form.Item>
        <Form.Item name="year" label="年度（项目与学分）">
          <InputNumber data-testid="export-year" min={2000} max={2100} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="department" label="科室（人员与学分，可留空）">
          <Input data-testid="export-department" />
        </Form.Item>
        <Form.Item noStyle shouldUpdate={(a, b) => a.template !== b.template}>
          {({ getFieldValue }) =>
            getFieldValue("template") === "attendance-detail" && (
              <Form.Item name="project" label="项目编号（考勤明细按项目导出）" rules={[{ required: true, message: "请填写项目编号" }]}>
                <Input data-testid="export-project" placeholder="如 2026-02-11-360(省)" />
              </Form.Item>
            )
          }
        </Form.Item>
        <Form.Item name="fullId" valuePropName="checked">
          <Checkbox data-testid="export-full-id">包含完整身份证号（需要相应权限，并记入操作日志）</Checkbox>
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="export-submit">
          导出
        </Button>
      </Form>
      {error && <Alert style={{ marginTop: 12 }} type="error" showIcon message={error} data-testid="export-error" />}
      {done && (
        <Alert
          style={{ marginTop: 12 }}
          type="success"
          showIcon
          data-testid="export-result"
          message={`已导出 ${done.rows} 行到 ${done.path}`}
          description={done.constant_memory ? "大表以流式方式写出" : undefined}
        />
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        导出为 .xlsx（Excel 2007 及以上、WPS 均可打开）；需要 .xls 时请在 Excel/WPS 中另存为。
      </Typography.Paragraph>
    </Card>
  );
}
