import { describe, expect, it } from "vitest";
import type { CustomFieldType } from "../../api/types";
import { FORMAT_OPTIONS, defaultFormat, formatFieldValue, formatNumberAs, linkFor } from "./fieldFormat";

describe("custom field formats", () => {
  it("offers each type its own formats, its default first", () => {
    const types: CustomFieldType[] = ["number", "date", "text", "category", "boolean"];
    expect(types.map(defaultFormat)).toEqual(["plain", "date", "text", "default", "default"]);
    expect(FORMAT_OPTIONS.number.map((o) => o.value)).toEqual(["plain", "integer", "decimal", "currency", "percent"]);
    expect(FORMAT_OPTIONS.text.map((o) => o.value)).toEqual(["text", "url", "email"]);
  });

  it("shows numbers as the format says", () => {
    expect(formatNumberAs(1234.567, "plain")).toBe((1234.567).toLocaleString());
    expect(formatNumberAs(1234.567, "integer")).toBe((1235).toLocaleString());
    expect(formatNumberAs(3, "decimal")).toBe((3).toLocaleString(undefined, { minimumFractionDigits: 2 }));
    expect(formatNumberAs(99.5, "currency", "EUR")).toBe("€99.50");
    expect(formatNumberAs(12.5, "percent")).toBe("12.5%");
    expect(formatNumberAs(1, "days")).toBe("1 day");
  });

  it("formats values by type, and nothing for no value", () => {
    expect(formatFieldValue(null, "number", "currency", "USD")).toBeNull();
    expect(formatFieldValue("", "text", "text")).toBeNull();
    expect(formatFieldValue(2000, "number", "currency", "USD")).toBe("$2,000.00");
    expect(formatFieldValue(true, "boolean", "default")).toBe("Yes");
    expect(formatFieldValue("2024-06-01", "date", "date")).toBe(
      new Date(2024, 5, 1).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }),
    );
  });

  it("links web and email addresses, and never anything else", () => {
    expect(linkFor("url", "acme.example/pricing")).toBe("https://acme.example/pricing");
    expect(linkFor("url", "http://acme.example")).toBe("http://acme.example/");
    expect(linkFor("url", "javascript:alert(1)")).toBeNull();
    expect(linkFor("email", "ops@acme.example")).toBe("mailto:ops@acme.example");
    expect(linkFor("email", "not an address")).toBeNull();
    expect(linkFor("text", "acme.example")).toBeNull();
  });
});
