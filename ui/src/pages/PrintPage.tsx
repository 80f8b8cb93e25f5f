// 打印: 学分登记手册 for one person, a department or the whole hospital (progress, cancel, open the
// folder), 学分证明 (the signed statement) for one person, and 验证 of a statement code or file.
import { useEffect, useRef, useState } from "react";
import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, InputNumber, Modal, Progress, Radio, Result, Select, Space, Tabs, TreeSelect, Typography } from "antd";
import PdfFirstPage from "../components/PdfFirstPage";
import { askPath, PathField, PDF } from "../components/PathField";
import { listen } from "@tauri-apps/api/event";
import { cancelJob } from "../api/setup";
import { listDepartments, type Department } from "../api/departments";
import { listStaff, type StaffRow } from "../api/staff";
import { openPrinted, previewBooklet, printBooklets, printDefaults, printStatement, verifyStatement, type BookletJobReport, type PrintDefaults, type PrintProgress, type StatementReport, type StatementVerification } from "../api/print";
import { errorText } from "../api/errors";
import { ApiError } from "../api/invoke";
import { buildTree } from "../logic/departmentTree";
import { percent, reportSummary, SCOPE_LABELS, scopeOf, statementFile, VERDICTS, type ScopeKind } from "../logic/print";

/** A person picker that searches the roster as the officer types (name, ID number or card). */
function StaffPicker({ value, onChange, testId }: { value?: string; onChange?: (id: string, row?: StaffRow) => void; testId: string }) {
  const [rows, setRows] = useState<StaffRow[]>([]);
  const search = (q: string) => {
    if (q.trim() === "") return;
    listStaff({ query: q.trim(), limit: 30 }).then(setRows, () => setRows([]));
  };
  return (
    <Select
      showSearch
      value={value}
      placeholder="输入姓名、身份证号或卡号查找"
      filterOption={false}
      onSearch={search}
      onChange={(id: string) => onChange?.(id, rows.find((r) => r.id === id))}
      options={rows.map((r) => ({ value: r.id, label: `${r.name}（${r.department_name}）`, title: r.name }))}
      style={{ width: 320 }}
      data-testid={testId}
    />
  );
}

const open = (path: string, message: { error: (t: string) => void }) => openPrinted(path).catch((e) => message.error(errorText(e)));

function BookletsTab({ defaults }: { defaults: PrintDefaults }) {
  const { message } = App.useApp();
  const [departments, setDepartments] = useState<Department[]>([]);
  const [kind, setKind] = useState<ScopeKind>("department");
  const [combine, setCombine] = useState(false);
  const [progress, setProgress] = useState<PrintProgress | null>(null);
  const [report, setReport] = useState<BookletJobReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const [preview, setPreview] = useState<ArrayBuffer | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const jobId = useRef<string | null>(null);

  useEffect(() => {
    listDepartments().then(setDepartments, (e) => message.error(errorText(e)));
    const unlisten = listen<PrintProgress>("print-progress", (e) => {
      if (e.payload.job_id === jobId.current) setProgress(e.payload);
    });
    return () => {
      unlisten.then((f) => f()).catch(() => {});
    };
  }, [message]);

  const start = async (v: { year: number; staff?: string; department?: string; out_dir: string; combined: number; duplex: boolean }) => {
    const scope = scopeOf(kind, v.staff, v.department);
    if (typeof scope === "string") {
      message.error(scope);
      return;
    }
    setBusy(true);
    setReport(null);
    jobId.current = `print-${Date.now()}`;
    setProgress({ job_id: jobId.current, done: 0, total: 0, failed: 0 });
    try {
      const r = await printBooklets(jobId.current, scope, v.year, v.out_dir, combine ? v.combined : null, combine && v.duplex);
      setReport(r);
      if (r.cancelled) message.info(`已取消：已写出的 ${r.booklets} 份都是完整文件`);
      else message.success(`已打印 ${r.booklets} 份学分登记手册`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
      setProgress(null);
      jobId.current = null;
    }
  };

  // The first page of the first booklet in the scope, drawn from the same PDF the batch would write.
  const showPreview = async () => {
    const v = form.getFieldsValue();
    const scope = scopeOf(kind, v.staff, v.department);
    if (typeof scope === "string") {
      message.error(scope);
      return;
    }
    setPreviewing(true);
    try {
      setPreview(await previewBooklet(scope, v.year));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setPreviewing(false);
    }
  };

  return (
    <Form
      form={form}
      layout="vertical"
      style={{ maxWidth: 720 }}
      onFinish={start}
      disabled={busy}
      initialValues={{ year: defaults.year, out_dir: defaults.out_dir, combined: 200, duplex: true }}
    >
      <Space size="large" align="start">
        <Form.Item label="年度" name="year" rules={[{ required: true, message: "请填写年度" }]}>
          <InputNumber min={2000} max={2100} data-testid="print-year" />
        </Form.Item>
        <Form.Item label="范围">
          <Radio.Group value={kind} onChange={(e) => setKind(e.target.value)} data-testid="print-scope">
            {(Object.keys(SCOPE_LABELS) as ScopeKind[]).map((k) => (
              <Radio.Button key={k} value={k}>
                <span data-testid={`print-scope-${k}`}>{SCOPE_LABELS[k]}</span>
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
      </Space>
      {kind === "staff" && (
        <Form.Item label="人员" name="staff" rules={[{ required: true, message: "请选择人员" }]}>
          <StaffPicker testId="print-staff" />
        </Form.Item>
      )}
      {kind === "department" && (
        <Form.Item label="科室（含下级科室）" name="department" rules={[{ required: true, message: "请选择科室" }]}>
          <TreeSelect treeData={buildTree(departments)} treeDefaultExpandAll showSearch treeNodeFilterProp="title" placeholder="选择科室" style={{ width: 320 }} data-testid="print-department" />
        </Form.Item>
      )}
      <Form.Item label="文件">
        <Space direction="vertical">
          <Radio.Group value={combine} onChange={(e) => setCombine(e.target.value)} data-testid="print-mode">
            <Radio value={false}>每人一个 PDF（科室_姓名_年度.pdf）</Radio>
            <Radio value={true}>合并为几个 PDF，便于整批送打印机</Radio>
          </Radio.Group>
          {combine && (
            <Space>
              <Form.Item name="combined" noStyle>
                <InputNumber min={1} max={2000} addonBefore="每个文件最多" addonAfter="人" />
              </Form.Item>
              <Form.Item name="duplex" valuePropName="checked" noStyle>
                <Checkbox data-testid="print-duplex">双面打印（每人从新的一张纸开始）</Checkbox>
              </Form.Item>
            </Space>
          )}
        </Space>
      </Form.Item>
      <Form.Item label="输出文件夹" name="out_dir" rules={[{ required: true, message: "请填写输出文件夹" }]}>
        <PathField testId="print-out-dir" what={{ kind: "folder" }} />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="print-start">
          开始打印
        </Button>
        <Button onClick={showPreview} loading={previewing} data-testid="print-preview">
          预览首页
        </Button>
      </Space>
      <Modal title="预览：第一份学分登记手册的首页" open={preview !== null} onCancel={() => setPreview(null)} footer={null} width={640} destroyOnHidden>
        {preview && <PdfFirstPage data={preview} />}
      </Modal>
      {progress && (
        <div style={{ marginTop: 16 }} data-testid="print-progress">
          <Progress percent={percent(progress.done, progress.total)} />
          <Space>
            <Typography.Text type="secondary">
              {progress.total ? `${progress.done} / ${progress.total}` : "正在读取名单…"}
              {progress.failed ? `（失败 ${progress.failed}）` : ""}
            </Typography.Text>
            <Button size="small" disabled={false} data-testid="print-cancel" onClick={() => jobId.current && cancelJob(jobId.current)}>
              取消
            </Button>
          </Space>
        </div>
      )}
      {report && (
        <Result
          status={report.cancelled || report.failures.length ? "warning" : "success"}
          title={report.cancelled ? "已取消打印" : "打印完成"}
          subTitle={<span data-testid="print-report">{reportSummary(report)}</span>}
          extra={[
            <Button key="dir" disabled={false} onClick={() => open(report.out_dir, message)} data-testid="print-open-dir">
              打开文件夹
            </Button>,
            report.files === 1 && report.first_file ? (
              <Button key="file" disabled={false} onClick={() => open(report.first_file!, message)} data-testid="print-open-file">
                打开文件
              </Button>
            ) : null,
          ]}
        >
          {report.failures.length > 0 && (
            <Alert
              type="error"
              message={`${report.failures.length} 人未能打印`}
              description={report.failures.map((f) => `${f.department} ${f.name}：${f.message}`).join("\n")}
            />
          )}
        </Result>
      )}
    </Form>
  );
}

function StatementTab({ defaults }: { defaults: PrintDefaults }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<StatementReport | null>(null);

  const pickPerson = (id: string, row?: StaffRow) => {
    form.setFieldValue("staff", id);
    if (row) form.setFieldValue("out_file", statementFile(defaults.out_dir, row.name, form.getFieldValue("year")));
  };

  const issue = async (v: { staff: string; year: number; out_file: string; show_full_id: boolean }) => {
    setBusy(true);
    setReport(null);
    try {
      const r = await printStatement(v.staff, v.year, v.out_file, v.show_full_id ?? false);
      setReport(r);
      message.success(`已出具学分证明，验证码 ${r.short_code}`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 720 }} onFinish={issue} disabled={busy} initialValues={{ year: defaults.year, show_full_id: false }}>
      <Space size="large" align="start">
        <Form.Item label="人员" name="staff" rules={[{ required: true, message: "请选择人员" }]}>
          <StaffPicker testId="statement-staff" onChange={pickPerson} />
        </Form.Item>
        <Form.Item label="年度" name="year" rules={[{ required: true, message: "请填写年度" }]}>
          <InputNumber min={2000} max={2100} data-testid="statement-year" />
        </Form.Item>
      </Space>
      <Form.Item label="保存为" name="out_file" rules={[{ required: true, message: "请填写文件路径" }]}>
        <PathField testId="statement-out-file" what={{ kind: "save-file", filters: PDF }} />
      </Form.Item>
      <Form.Item name="show_full_id" valuePropName="checked">
        <Checkbox>显示完整身份证号（默认隐去中间位）</Checkbox>
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} data-testid="statement-issue">
        出具学分证明
      </Button>
      {report && (
        <Card style={{ marginTop: 16 }} data-testid="statement-report">
          <Descriptions column={1} size="small">
            <Descriptions.Item label="验证码">
              <Typography.Text strong copyable data-testid="statement-short-code">
                {report.short_code}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label="完整验证码">
              <Typography.Text copyable ellipsis style={{ maxWidth: 520 }} data-testid="statement-code">
                {report.code}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label="内容">
              {report.rows} 项，{report.total_credits} 学分，{report.total_hours} 学时
            </Descriptions.Item>
            <Descriptions.Item label="文件">{report.file}</Descriptions.Item>
          </Descriptions>
          {report.key_created && <Alert type="info" showIcon message="已为本机生成签名密钥（保存在数据库旁，请随数据库一起备份）" />}
          <Button style={{ marginTop: 8 }} disabled={false} onClick={() => open(report.file, message)} data-testid="statement-open">
            打开文件
          </Button>
        </Card>
      )}
    </Form>
  );
}

function VerifyTab() {
  const [input, setInput] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<StatementVerification | null>(null);
  const [checked, setChecked] = useState("");
  const [error, setError] = useState<string | null>(null);

  const check = async () => {
    setBusy(true);
    setResult(null);
    setError(null);
    try {
      setResult(await verifyStatement(input));
      setChecked(input);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const verdict = result ? VERDICTS[result.verdict] : null;
  return (
    <div style={{ maxWidth: 720 }}>
      <Typography.Paragraph type="secondary">输入明细表上的验证码（短码或 CME1: 开头的完整码），或明细表 PDF 文件的完整路径。</Typography.Paragraph>
      <Space.Compact style={{ width: "100%" }}>
        <Input value={input} onChange={(e) => setInput(e.target.value)} onPressEnter={check} placeholder="验证码或 PDF 文件路径" data-testid="verify-input" />
        <Button onClick={() => void askPath({ kind: "open-file", filters: PDF }, undefined).then((p) => p && setInput(p))} data-testid="verify-browse">
          选择 PDF…
        </Button>
        <Button type="primary" onClick={check} loading={busy} disabled={input.trim() === ""} data-testid="verify-check">
          验证
        </Button>
      </Space.Compact>
      {error && <Alert style={{ marginTop: 16 }} type="error" message={error} />}
      {result && verdict && (
        <Alert
          style={{ marginTop: 16 }}
          type={verdict.type}
          showIcon
          data-testid="verify-result"
          data-verdict={result.verdict}
          data-input={checked}
          message={verdict.label}
          description={
            <>
              {result.signed && (
                <div>
                  签名内容：{result.signed.name} {result.signed.id_number_shown}，{result.signed.rows} 项，{result.signed.total_credits} 学分，{result.signed.total_hours} 学时，打印于 {result.signed.printed_at}
                </div>
              )}
              {result.reasons.map((r) => (
                <div key={r.code + r.message}>原因：{r.message}</div>
              ))}
              {result.notes.map((n) => (
                <div key={n.code + n.message}>注意：{n.message}</div>
              ))}
            </>
          }
        />
      )}
    </div>
  );
}

export default function PrintPage() {
  const { message } = App.useApp();
  const [defaults, setDefaults] = useState<PrintDefaults | null>(null);
  useEffect(() => {
    printDefaults().then(setDefaults, (e) => message.error(e instanceof ApiError ? errorText(e) : String(e)));
  }, [message]);
  if (!defaults) return null;
  return (
    <div data-testid="print-page">
      {defaults.font_error && <Alert type="error" showIcon style={{ marginBottom: 12 }} message="找不到可用的中文字体，无法打印" description={defaults.font_error} />}
      <Tabs
        items={[
          { key: "booklets", label: <span data-testid="tab-booklets">学分登记手册</span>, children: <BookletsTab defaults={defaults} /> },
          { key: "statement", label: <span data-testid="tab-statement">学分证明</span>, children: <StatementTab defaults={defaults} /> },
          { key: "verify", label: <span data-testid="tab-verify">验证</span>, children: <VerifyTab /> },
        ]}
      />
    </div>
  );
}
