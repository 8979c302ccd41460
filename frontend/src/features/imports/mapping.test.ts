import { describe, expect, it } from "vitest";
import { IGNORE, csvHeader, duplicateFields, fieldLabel, initialMapping, mappingJson, parseCsvLine, statusLabel } from "./mapping";

describe("import column mapping", () => {
  it("reads the header row, quotes and BOM included", () => {
    expect(csvHeader('\uFEFFexternal_id,"Company, Inc",tier\r\n1,a,b\n')).toEqual(["external_id", "Company, Inc", "tier"]);
    expect(parseCsvLine('a,"b ""c""",d')).toEqual(["a", 'b "c"', "d"]);
    expect(csvHeader("")).toEqual([]);
  });

  it("pre-selects columns named as a field's key or label, each field once, and ignores the rest", () => {
    const fields = ["external_id", "name", "tier", "custom.seats", "custom.plan", "csm"];
    const labels = new Map([
      ["name", "Name"],
      ["custom.plan", "Plan"],
    ]);
    expect(initialMapping(["external_id", "Name", "tier", "custom.seats", "plan", "CSM email", "Notes", "name"], fields, labels)).toEqual({
      external_id: "external_id",
      Name: "name",
      tier: "tier",
      "custom.seats": "custom.seats",
      plan: "custom.plan",
      "CSM email": "csm",
      Notes: IGNORE,
      name: IGNORE,
    });
  });

  it("shows a field by its label, with its key when they differ", () => {
    const labels = new Map([["custom.plan", "Plan"]]);
    expect(fieldLabel("custom.plan", labels)).toBe("Plan · custom.plan");
    expect(fieldLabel("csm", labels)).toBe("CSM email · csm");
    expect(fieldLabel("tier", new Map([["tier", "tier"]]))).toBe("tier");
    expect(fieldLabel("crm_id", labels)).toBe("crm_id");
  });

  it("sends only the mapped columns as JSON", () => {
    const json = mappingJson({ external_id: "external_id", Company: "name", Notes: IGNORE });
    expect(JSON.parse(json)).toEqual({ external_id: "external_id", Company: "name" });
  });

  it("finds fields mapped twice", () => {
    expect(duplicateFields({ a: "name", b: "name", c: IGNORE, d: IGNORE })).toEqual(["name"]);
  });

  it("says a finished dry run that found errors found errors, not that it succeeded", () => {
    expect(statusLabel({ status: "succeeded", dry_run: true, error_count: 3 })).toBe("errors found");
    expect(statusLabel({ status: "succeeded", dry_run: true, error_count: 0 })).toBe("succeeded");
    expect(statusLabel({ status: "running", dry_run: true, error_count: 1 })).toBe("running");
    expect(statusLabel({ status: "failed", dry_run: false, error_count: 3 })).toBe("failed");
  });
});
