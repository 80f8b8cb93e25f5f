// 导入: the import wizard. Choose a file (the template is detected from its header row), see its
// first rows and how each header maps (fix or add a mapping; it can be remembered), check every
// row (dry run: errors by Excel row and column, in Chinese), then import all or nothing with a
// progress bar and a summary.
import { useEffect, useRef, useState } from "react";
import { Alert, App, Button, Card, Checkbox, Progress, Select, Space, Steps, Table, Tag, Typography } from "antd";
import { listen } from "@tauri-apps/api/event";
import { importSheet, listSheetTemplates, previewSheet, type ImportReport, type TemplateInfo, type WizardPreview } from "../api/sheets";
import type { JobProgress } from "../api/setup";
import { errorText } from "../api/errors";
import { PathField, SPREADSHEETS } from "../components/PathField";
import { canCheck, chooseField, groupByRow, headerChoices, missingRequired, percent, rejectionText, remoteRows, remoteSummaryText, reportPathFor } from "../logic/importWizard";
import { ProjectSelect } from "./credits/pickers";
import type { RemoteSummary } from "../bindings/RemoteSummary";

const AUTO = "__auto__";

export default function ImportPage({ onChanged }: { onChanged?: () => void }) {
  const { message } = App.useApp();
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  const [path, setPath] = useState("");
  const [template, setTemplate] = useState<string>(AUTO);
  // Remote learning: the hosted project whose courses the records are judged against.
  const [project, setProject] = useState<string | null>(null);
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  const [remember, setRemember] = useState(true);
  const [preview, setPreview] = useState<WizardPreview | null>(null);
  const [check, setCheck] = useState<ImportReport | null>(null);
  const [result, setResult] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<"" | "preview" | "check" | "import">("");
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const jobId = useRef("");

  useEffect(() => {
    listSheetTemplates().then(setTemplates, (e) => setError(errorText(e)));
    const unlisten = listen<JobProgress>("job-progress", (e) => {
      if (e.payload.job_id === jobId.current) setProgress(e.payload);
    });
    return () => {
      // A failing unlisten (the app closing) must not surface as an error.
      unlisten.then((f) => f()).catch(() => {});
    };
  }, []);

  const load = async (tpl: string, map: Record<string, string>, file: string = path) => {
    setBusy("preview");
    setError(null);
    setCheck(null);
    setResult(null);
    try {
      setPreview(await previewSheet(file, tpl === AUTO ? null : tpl, map));
    } catch (e) {
      setPreview(null);
      setError(errorText(e));
    } finally {
      setBusy("");
    }
  };

  const choose = (header: string, field: string) => {
    const next = chooseField(overrides, header, field);
    setOverrides(next);
    void load(preview?.template ?? template, next);
  };

  const run = async (dryRun: boolean) => {
    if (!preview?.template) return;
    jobId.current = `import-${Date.now()}`;
    setBusy(dryRun ? "check" : "import");
    setProgress({ job_id: jobId.current, done: 0, total: 0, stage: dryRun ? "检查" : "导入" });
    setError(null);
    try {
      const r = await importSheet({
        jobId: jobId.current,
        path,
        template: preview.template,
        map: overrides,
        dryRun,
        remember,
        report: dryRun ? null : reportPathFor(path),
        project: preview.needs_project ? project : null,
      });
      if (dryRun) setCheck(r);
      else {
        setResult(r);
        if (r.imported > 0) {
          message.success(r.remote ? remoteSummaryText(r.remote) : `已导入 ${r.imported} 行`);
          onChanged?.();
        }
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy("");
      setProgress(null);
    }
  };

  const choices = preview ? headerChoices(preview.mapping, preview.unmapped, overrides) : [];
  const missing = preview ? missingRequired(preview.fields, choices) : [];
  const stepNow = result ? 3 : check ? 2 : preview ? 1 : 0;
  const checkRows = check ? groupByRow(check.rejected) : [];
  const resultRows = result ? groupByRow(result.rejected) : [];

  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="import-page">
      <Typography.Title level={4} style={{ margin: 0 }}>
        导入表格
      </Typography.Title>
      <Steps size="small" current={stepNow} items={[{ title: "选择文件" }, { title: "预览与表头对照" }, { title: "检查" }, { title: "导入" }]} />
      <Card size="small">
        <Space wrap>
          <PathField
            testId="import-path"
            width={480}
            what={{ kind: "open-file", filters: SPREADSHEETS }}
            placeholder="表格文件（.xlsx / .xls）：点“浏览…”选择，或粘贴路径"
            value={path}
            onChange={setPath}
            onPicked={(p) => void load(template, overrides, p)}
            onPressEnter={() => path.trim() && void load(template, overrides)}
          />
          <Select
            data-testid="import-template"
            style={{ width: 220 }}
            value={template}
            onChange={(v) => {
              setTemplate(v);
              setOverrides({});
              if (path.trim()) void load(v, {});
            }}
            options={[{ value: AUTO, label: "自动识别模板" }, ...templates.map((t) => ({ value: t.name, label: t.title }))]}
          />
          <Button type="primary" data-testid="import-preview" disabled={!path.trim()} loading={busy === "preview"} onClick={() => void load(template, overrides)}>
            预览
          </Button>
        </Space>
      </Card>
      {error && <Alert type="error" showIcon message="无法继续" description={error} data-testid="import-error" />}
      {preview && (
        <Card
          size="small"
          title={
            <Space>
              <span>预览：工作表「{preview.sheet}」</span>
              {preview.template_title && (
                <Tag color={preview.detected ? "blue" : "default"} data-testid="import-detected">
                  {preview.detected ? "自动识别：" : "模板："}
                  {preview.template_title}
                </Tag>
              )}
              {preview.header_row && <Tag>表头在第 {preview.header_row} 行</Tag>}
              {preview.template && !preview.importable && <Tag color="orange">此模板只能检查，暂不能导入</Tag>}
            </Space>
          }
        >
          {preview.import_note && (
            <Alert style={{ marginBottom: 8 }} type="info" showIcon data-testid="import-note" message="为什么不能导入" description={preview.import_note} />
          )}
          {preview.needs_project && (
            <Space style={{ marginBottom: 8 }} wrap>
              <Typography.Text strong>远程教育项目：</Typography.Text>
              <ProjectSelect
                testId="import-project"
                value={project}
                onChange={(id) => {
                  setProject(id);
                  setCheck(null);
                  setResult(null);
                }}
              />
              <Typography.Text type="secondary">学习记录按此项目的课程判断是否学完</Typography.Text>
            </Space>
          )}
          <Table
            size="small"
            data-testid="import-head"
            pagination={false}
            scroll={{ x: true }}
            rowKey="key"
            columns={[
              { title: "行", dataIndex: "row", width: 48 },
              ...Array.from({ length: Math.max(0, ...preview.head.map((r) => r.length)) }, (_, i) => ({
                title: String.fromCharCode(65 + (i % 26)),
                dataIndex: `c${i}`,
                ellipsis: true,
              })),
            ]}
            dataSource={preview.head.map((cells, i) => ({
              key: i,
              row: preview.head_first_row + i,
              ...Object.fromEntries(cells.map((c, j) => [`c${j}`, c])),
            }))}
            rowClassName={(r) => (r.row === preview.header_row ? "import-header-row" : "")}
          />
          {preview.problem && (
            <Alert style={{ marginTop: 8 }} type="warning" showIcon data-testid="import-problem" message={preview.problem.message} />
          )}
          {preview.fields.length > 0 && (
            <>
              <Typography.Title level={5}>表头对照</Typography.Title>
              <Table
                size="small"
                data-testid="import-mapping"
                pagination={false}
                rowKey="header"
                dataSource={choices}
                columns={[
                  { title: "表格中的表头", dataIndex: "header", render: (h: string, c) => (c.letter ? `${h}（${c.letter}列）` : h) },
                  {
                    title: "对应模板字段",
                    dataIndex: "field",
                    render: (f: string, c) => (
                      <Select
                        data-testid={`import-map-${c.header}`}
                        style={{ width: 220 }}
                        value={f}
                        onChange={(v) => choose(c.header, v)}
                        options={[
                          { value: "", label: "（忽略此列）", title: "（忽略此列）" },
                          ...preview.fields.map((x) => ({ value: x.field, label: x.header + (x.required ? " *" : ""), title: x.header })),
                        ]}
                      />
                    ),
                  },
                  { title: "", dataIndex: "chosen", render: (ch: boolean) => (ch ? <Tag color="green">已手动对照</Tag> : null) },
                ]}
              />
              {missing.length > 0 && (
                <Typography.Text type="danger" data-testid="import-missing">
                  尚未对照的必填列：{missing.map((m) => m.header).join("、")}
                </Typography.Text>
              )}
              <div style={{ marginTop: 8 }}>
                <Checkbox data-testid="import-remember" checked={remember} onChange={(e) => setRemember(e.target.checked)}>
                  导入时记住手动对照的表头（下次同一模板自动使用）
                </Checkbox>
              </div>
            </>
          )}
          <Space style={{ marginTop: 12 }}>
            <Button data-testid="import-check" disabled={!canCheck(preview, project) || busy !== ""} loading={busy === "check"} onClick={() => void run(true)}>
              检查全部行
            </Button>
            <Button
              type="primary"
              data-testid="import-commit"
              disabled={!check || check.rejected.length > 0 || !preview.importable || busy !== "" || result !== null}
              loading={busy === "import"}
              onClick={() => void run(false)}
            >
              导入
            </Button>
          </Space>
          {progress && (
            <div data-testid="import-progress" style={{ marginTop: 8 }}>
              {progress.stage}：{progress.done} / {progress.total || "…"}
              <Progress percent={percent(progress.done, progress.total)} />
            </div>
          )}
        </Card>
      )}
      {check && !result && (
        <Card size="small" title="检查结果" data-testid="import-check-result">
          <Typography.Paragraph data-testid="import-check-summary">
            数据 {check.data_rows} 行，可导入 {check.ready} 行，有误 {checkRows.length} 行
            {check.skipped_notes + check.skipped_blank > 0 && `（跳过说明行 ${check.skipped_notes} 行、空行 ${check.skipped_blank} 行）`}
            {check.rejected.length === 0 ? "。全部通过，可以导入。" : "。请改正表格或表头对照后重新预览；有误时不会导入任何数据。"}
          </Typography.Paragraph>
          <RowErrors rows={checkRows} />
          {check.remote && <RemoteOutcome summary={check.remote} />}
          {check.warnings.length > 0 && (
            <Alert
              type="info"
              message="提示（不影响导入）"
              description={check.warnings.slice(0, 50).map((w) => <div key={`${w.row}-${w.column}`}>第{w.row}行 {w.column}：{w.message}</div>)}
            />
          )}
        </Card>
      )}
      {result && (
        <Card size="small" title="导入结果" data-testid="import-result">
          {result.imported > 0 ? (
            <Alert type="success" showIcon message={`已导入 ${result.imported} 行（${preview?.template_title ?? result.template}）`} />
          ) : (
            <Alert type="error" showIcon message="有数据被拒绝，未导入任何数据" description={result.report ? `错误报告：${result.report}` : undefined} />
          )}
          <RowErrors rows={resultRows} />
          {result.remote && <RemoteOutcome summary={result.remote} />}
        </Card>
      )}
    </Space>
  );
}

/** Who gets credits for the remote project and why not for the others. */
function RemoteOutcome({ summary }: { summary: RemoteSummary }) {
  return (
    <>
      <Typography.Paragraph data-testid="import-remote-summary">{remoteSummaryText(summary)}</Typography.Paragraph>
      <Table
        size="small"
        data-testid="import-remote"
        rowKey="key"
        pagination={{ pageSize: 20, showSizeChanger: false }}
        dataSource={remoteRows(summary)}
        columns={[
          { title: "姓名", dataIndex: "name", width: 100 },
          { title: "身份证号", dataIndex: "id_number", width: 180 },
          { title: "平台", dataIndex: "platform", width: 120 },
          {
            title: "结果",
            dataIndex: "result",
            render: (text: string, r) => (r.credited ? <Tag color="green">{text}</Tag> : <span data-testid="import-remote-reason">{text}</span>),
          },
        ]}
      />
    </>
  );
}

function RowErrors({ rows }: { rows: { row: number; items: import("../bindings/Rejection").Rejection[] }[] }) {
  if (rows.length === 0) return null;
  return (
    <Table
      size="small"
      data-testid="import-errors"
      rowKey="row"
      pagination={{ pageSize: 20, showSizeChanger: false }}
      dataSource={rows}
      columns={[
        { title: "行号", dataIndex: "row", width: 72 },
        {
          title: "问题",
          dataIndex: "items",
          render: (items: import("../bindings/Rejection").Rejection[]) =>
            items.map((r, i) => (
              <div key={i} data-testid="import-error-line">
                {rejectionText(r)}
              </div>
            )),
        },
      ]}
    />
  );
}
