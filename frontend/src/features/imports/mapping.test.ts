import { describe, expect, it } from "vitest";
import { IGNORE, csvHeader, duplicateFields, initialMapping, mappingJson, parseCsvLine } from "./mapping";

describe("import column mapping", () => {
  it("reads the header row, quotes and BOM included", () => {
    expect(csvHeader('\uFEFFexternal_id,"Company, Inc",tier\r\n1,a,b\n')).toEqual(["external_id", "Company, Inc", "tier"]);
    expect(parseCsvLine('a,"b ""c""",d')).toEqual(["a", 'b "c"', "d"]);
    expect(csvHeader("")).toEqual([]);
  });

  it("pre-selects exact field-name matches and ignores the rest", () => {
    const fields = ["external_id", "name", "tier", "custom.seats"];
    expect(initialMapping(["external_id", "Name", "tier", "custom.seats", "Notes"], fields)).toEqual({
      external_id: "external_id",
      Name: IGNORE,
      tier: "tier",
      "custom.seats": "custom.seats",
      Notes: IGNORE,
    });
  });

  it("sends only the mapped columns as JSON", () => {
    const json = mappingJson({ external_id: "external_id", Company: "name", Notes: IGNORE });
    expect(JSON.parse(json)).toEqual({ external_id: "external_id", Company: "name" });
  });

  it("finds fields mapped twice", () => {
    expect(duplicateFields({ a: "name", b: "name", c: IGNORE, d: IGNORE })).toEqual(["name"]);
  });
});
