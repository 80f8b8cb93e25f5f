// The project details form ↔ the core's ProjectDetails (ISO dates, nulls for empty fields).
import { describe, expect, it } from "vitest";
import dayjs from "dayjs";
import { fromDetails, parseLocalDateTime, toDetails } from "./projectForm";

describe("toDetails / fromDetails", () => {
  it("turns blanks into nulls and dates into ISO days", () => {
    const d = toDetails({ delivery: " 培训班 ", venue: "  ", planned_start: dayjs("2026-12-01"), lecture_hours: 6, fee: undefined });
    expect(d.delivery).toBe("培训班");
    expect(d.venue).toBeNull();
    expect(d.planned_start).toBe("2026-12-01");
    expect(d.planned_end).toBeNull();
    expect(d.lecture_hours).toBe(6);
    expect(d.fee).toBeNull();
    expect(d.filed_at_venue).toBe(false);
  });

  it("round-trips through the form", () => {
    const d = toDetails({ venue: "学术报告厅", planned_start: dayjs("2026-04-08"), planned_end: dayjs("2026-04-10"), exam_required: true, fee: 0 });
    expect(toDetails(fromDetails(d))).toEqual(d);
  });
});

describe("parseLocalDateTime", () => {
  it("accepts what an officer types", () => {
    expect(parseLocalDateTime("2026-12-02 07:00")).toBe("2026-12-02T07:00:00");
    expect(parseLocalDateTime("2026-12-02T7:05:30")).toBe("2026-12-02T07:05:30");
  });
  it("refuses impossible dates and times", () => {
    expect(parseLocalDateTime("2026-02-30 07:00")).toBeNull();
    expect(parseLocalDateTime("2026-12-02 24:00")).toBeNull();
    expect(parseLocalDateTime("明天上午")).toBeNull();
  });
});
