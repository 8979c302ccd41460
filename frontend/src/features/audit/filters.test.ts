import { describe, expect, it } from "vitest";
import { auditQuery, readAuditFilters } from "./filters";

describe("audit filters", () => {
  it("reads the filters from the URL, ignoring malformed days", () => {
    const filters = readAuditFilters(new URLSearchParams("actor=u1&action=account.updated&from=2026-03-01&to=nope"));
    expect(filters).toEqual({ actor: "u1", action: "account.updated", from: "2026-03-01", to: null });
  });

  it("asks for the whole of both days, from local midnight to the midnight after the last", () => {
    const query = auditQuery({ actor: null, action: null, from: "2026-03-01", to: "2026-03-02" });
    expect(query).toEqual({
      since: new Date(2026, 2, 1).toISOString(),
      until: new Date(2026, 2, 3).toISOString(),
    });
  });

  it("sends no filter when none is set", () => {
    expect(auditQuery({ actor: null, action: null, from: null, to: null })).toEqual({});
  });
});
