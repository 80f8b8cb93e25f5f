// The seed-004 fields a unit fills in for a hosted project (shared by "new" and "edit").
import { AutoComplete, DatePicker, Form, Input, InputNumber, Switch } from "antd";
import { DELIVERIES } from "../../api/projects";

export default function DetailsFields({ disabled = false }: { disabled?: boolean }) {
  const grid = { display: "grid", gridTemplateColumns: "1fr 1fr 1fr", columnGap: 16 } as const;
  return (
    <>
      <div style={grid}>
        <Form.Item label="举办方式" name="delivery">
          <AutoComplete options={DELIVERIES.map((d) => ({ value: d }))} disabled={disabled} data-testid="project-delivery" />
        </Form.Item>
        <Form.Item label="举办地点" name="venue">
          <Input disabled={disabled} data-testid="project-venue" maxLength={200} />
        </Form.Item>
        <Form.Item label="项目负责人" name="lead">
          <Input disabled={disabled} data-testid="project-lead" maxLength={50} />
        </Form.Item>
        <Form.Item label="拟举办起始日期" name="planned_start">
          <DatePicker disabled={disabled} style={{ width: "100%" }} />
        </Form.Item>
        <Form.Item label="拟举办截止日期" name="planned_end">
          <DatePicker disabled={disabled} style={{ width: "100%" }} />
        </Form.Item>
        <Form.Item label="会议费用（元）" name="fee">
          <InputNumber disabled={disabled} min={0} style={{ width: "100%" }} data-testid="project-fee" />
        </Form.Item>
        <Form.Item label="讲授理论学时数" name="lecture_hours">
          <InputNumber disabled={disabled} min={0} step={0.5} style={{ width: "100%" }} />
        </Form.Item>
        <Form.Item label="实验（技术示范）时数" name="practical_hours">
          <InputNumber disabled={disabled} min={0} step={0.5} style={{ width: "100%" }} />
        </Form.Item>
        <Form.Item label="其他项目编号" name="other_code">
          <Input disabled={disabled} maxLength={30} />
        </Form.Item>
        <Form.Item label="二级学科" name="discipline2">
          <Input disabled={disabled} data-testid="project-discipline2" maxLength={50} />
        </Form.Item>
        <Form.Item label="三级学科" name="discipline3">
          <Input disabled={disabled} data-testid="project-discipline3" maxLength={50} />
        </Form.Item>
        <Form.Item label="经办人" name="handler">
          <Input disabled={disabled} data-testid="project-handler" maxLength={50} />
        </Form.Item>
        <Form.Item label="经办人电话" name="handler_phone">
          <Input disabled={disabled} data-testid="project-handler-phone" maxLength={20} />
        </Form.Item>
        <Form.Item label="已在举办地备案" name="filed_at_venue" valuePropName="checked">
          <Switch disabled={disabled} />
        </Form.Item>
        <Form.Item label="需要考试" name="exam_required" valuePropName="checked">
          <Switch disabled={disabled} />
        </Form.Item>
      </div>
      <Form.Item label="备注" name="note">
        <Input.TextArea disabled={disabled} rows={2} maxLength={180} />
      </Form.Item>
    </>
  );
}
