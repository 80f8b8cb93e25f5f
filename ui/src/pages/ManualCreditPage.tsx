// 学分录入: a credit entered by hand for a category the rule set lets people enter (papers, further
// study, self-study ...): quantity × rate with caps, evidence files; 保存 keeps a draft, 保存并上报
// sends it to review. The core checks every rule; its errors land on the field they name.
import { useEffect, useState } from "react";
import { Alert, App, Button, DatePicker, Form, Input, InputNumber, Select, Space, Table, Tag, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import dayjs from "dayjs";
import { addManualCredit, ruleSetForYear, submitManualCredit, type EvidenceUpload, type ManualCredit, type RuleSet } from "../api/credits";
import { errorText } from "../api/errors";
import { CREDIT_LEVEL } from "../api/projects";
import { options } from "../api/labels";
import { showOnField } from "../logic/formErrors";
import { REVIEW_STATUS } from "../logic/credits";
import { StaffSelect, thisYear, useRoster } from "./credits/pickers";
import type { SaveMode } from "../bindings/SaveMode";

interface Values {
  staff_id?: string;
  category?: string;
  activity_name?: string;
  activity_number?: string;
  credit_level?: string;
  quantity?: number | null;
  credits?: number | null;
  hours?: number | null;
  activity_date?: dayjs.Dayjs;
  issuer?: string;
  note?: string;
}

const UNIT: Record<string, string> = {
  month: "月", article: "篇", word: "字", hour: "小时", credit: "学分", session: "次", project: "项",
  "10k-chars": "万字", "3k-words": "×3000 字", "1500-words": "×1500 字",
};

/** The core names fields by key in some sentences ("activity_name 为必填项"): say the label. */
const FIELD_LABELS: Record<string, string> = {
  staff_id: "人员", category: "类别", activity_name: "活动名称", activity_number: "活动编号", quantity: "数量",
  credits: "学分", hours: "学时", activity_date: "活动日期", issuer: "发证机构", note: "备注", evidence: "证明材料",
};

async function readFiles(files: UploadFile[]): Promise<EvidenceUpload[]> {
  return Promise.all(
    files.map(async (f) => ({ file_name: f.name, content: Array.from(new Uint8Array(await (f.originFileObj as File).arrayBuffer())) })),
  );
}

export default function ManualCreditPage({ onChanged }: { onChanged: () => void }) {
  const { message } = App.useApp();
  const roster = useRoster();
  const [form] = Form.useForm<Values>();
  const [rules, setRules] = useState<RuleSet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [saved, setSaved] = useState<ManualCredit[]>([]);
  const [busy, setBusy] = useState(false);
  const category = Form.useWatch("category", form);

  useEffect(() => {
    ruleSetForYear(thisYear()).then(setRules, (e) => setError(errorText(e)));
  }, []);

  const editable = (rules?.categories ?? []).filter((c) => c.entry === "editable");
  const cat = editable.find((c) => c.key === category);

  const save = async (mode: SaveMode) => {
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    try {
      const m = await addManualCredit(
        {
          staff_id: v.staff_id ?? "",
          category: v.category ?? "",
          activity_name: v.activity_name ?? "",
          activity_number: v.activity_number || null,
          credit_level: v.credit_level ?? null,
          delivery: null,
          discipline2: null,
          discipline3: null,
          quantity: cat?.rate ? (v.quantity ?? null) : null,
          credits: cat?.rate ? null : (v.credits ?? null),
          hours: v.hours ?? 0,
          activity_date: (v.activity_date ?? dayjs()).format("YYYY-MM-DD"),
          note: v.note || null,
          issuer: v.issuer ?? "",
          evidence: [],
        },
        await readFiles(files),
        mode,
      );
      message.success(`已${mode === "save" ? "保存" : "上报"}：${m.credit.credits} 学分，${m.credit.hours} 学时（${REVIEW_STATUS[m.trail.status]}）`);
      setSaved((s) => [m, ...s]);
      form.resetFields(["activity_name", "activity_number", "quantity", "credits", "hours", "note"]);
      setFiles([]);
      onChanged();
    } catch (e) {
      if (!showOnField(form, e, {}, FIELD_LABELS)) message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (id: string) =>
    submitManualCredit(id).then(
      (m) => {
        setSaved((s) => s.map((x) => (x.credit.id === id ? m : x)));
        message.success("已上报");
        onChanged();
      },
      (e) => message.error(errorText(e)),
    );

  return (
    <div data-testid="manual-credit-page">
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="horizontal" labelCol={{ span: 4 }} wrapperCol={{ span: 14 }} style={{ maxWidth: 900 }} initialValues={{ activity_date: dayjs() }}>
        <Form.Item label="人员" name="staff_id" rules={[{ required: true, message: "请选择人员" }]}>
          <StaffSelect testId="manual-staff" roster={roster} width={320} />
        </Form.Item>
        <Form.Item label="类别" name="category" rules={[{ required: true, message: "请选择类别" }]} extra={cat && <span data-testid="manual-category-hint">{categoryHint(cat)}</span>}>
          <Select data-testid="manual-category" virtual={false} style={{ width: 320 }} options={editable.map((c) => ({ value: c.key, label: c.name, title: c.name }))} />
        </Form.Item>
        <Form.Item label="活动名称" name="activity_name">
          <Input data-testid="manual-name" />
        </Form.Item>
        <Form.Item label="活动编号" name="activity_number">
          <Input data-testid="manual-number" style={{ width: 240 }} />
        </Form.Item>
        <Form.Item label="学分级别" name="credit_level">
          <Select allowClear style={{ width: 160 }} options={options(CREDIT_LEVEL)} />
        </Form.Item>
        {cat?.rate ? (
          <Form.Item label={`数量（${UNIT[cat.unit ?? ""] ?? cat.unit ?? ""}）`} name="quantity">
            <InputNumber data-testid="manual-quantity" min={0} step={1} />
          </Form.Item>
        ) : (
          <Form.Item label="学分" name="credits">
            <InputNumber data-testid="manual-credits" min={0} step={0.5} />
          </Form.Item>
        )}
        <Form.Item label="学时" name="hours">
          <InputNumber data-testid="manual-hours" min={0} step={1} />
        </Form.Item>
        <Form.Item label="活动日期" name="activity_date" rules={[{ required: true, message: "请选择活动日期" }]}>
          <DatePicker data-testid="manual-date" />
        </Form.Item>
        <Form.Item label="发证机构" name="issuer">
          <Input data-testid="manual-issuer" style={{ width: 320 }} />
        </Form.Item>
        <Form.Item label="备注" name="note">
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item label="证明材料" name="evidence" extra={cat && cat.evidence.length > 0 ? `需要：${cat.evidence.join("、")}` : undefined}>
          <Upload data-testid="manual-evidence" multiple fileList={files} beforeUpload={(f) => { setFiles((l) => [...l, { uid: f.uid, name: f.name, originFileObj: f } as UploadFile]); return false; }} onRemove={(f) => setFiles((l) => l.filter((x) => x.uid !== f.uid))}>
            <Button>选择文件</Button>
          </Upload>
        </Form.Item>
        <Form.Item wrapperCol={{ offset: 4 }}>
          <Space>
            <Button data-testid="manual-save" loading={busy} onClick={() => save("save")}>保存</Button>
            <Button type="primary" data-testid="manual-submit" loading={busy} onClick={() => save("save-and-submit")}>保存并上报</Button>
          </Space>
        </Form.Item>
      </Form>
      {saved.length > 0 && (
        <>
          <Typography.Title level={5}>本次录入</Typography.Title>
          <Table
            size="small"
            rowKey={(m) => m.credit.id}
            data-testid="manual-saved"
            pagination={false}
            dataSource={saved}
            columns={[
              { title: "人员", render: (_, m) => roster.get(m.credit.staff_id)?.name ?? m.credit.staff_id },
              { title: "活动名称", render: (_, m) => m.credit.activity_name },
              { title: "学分", align: "right", render: (_, m) => m.credit.credits },
              { title: "学时", align: "right", render: (_, m) => m.credit.hours },
              { title: "状态", render: (_, m) => <Tag>{REVIEW_STATUS[m.trail.status]}</Tag> },
              { title: "操作", render: (_, m) => (m.trail.status === "draft" ? <Button size="small" onClick={() => submit(m.credit.id)}>上报</Button> : null) },
            ]}
          />
        </>
      )}
    </div>
  );
}

/** "每 2000 字 1 学分，每条最多 5 学分，每年最多 10 学分" from a category's rate and caps. */
export function categoryHint(c: RuleSet["categories"][number]): string {
  const parts: string[] = [];
  if (c.rate) parts.push(`每 ${c.rate.per} ${UNIT[c.unit ?? ""] ?? c.unit ?? ""} ${c.rate.credits} 学分`);
  else parts.push("直接填写学分");
  if (c.cap_per_record != null) parts.push(`每条最多 ${c.cap_per_record} 学分`);
  if (c.cap_per_year != null) parts.push(`每年最多 ${c.cap_per_year} 学分`);
  return parts.join("，");
}
