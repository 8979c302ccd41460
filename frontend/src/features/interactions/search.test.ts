import { describe, expect, it } from "vitest";
import { dayRange, hasFilters, rangeError, readSearchState, searchTotal } from "./search";

const ACCOUNT = "0b7e4c1e-8a51-4f6e-9d0a-1f2e3d4c5b6a";

describe("readSearchState", () => {
  it("reads every filter from the URL", () => {
    const state = readSearchState(
      new URLSearchParams({ q: "renewal", type: "call", account: ACCOUNT, author: ACCOUNT, from: "2025-01-01", to: "2025-01-31", page: "2" }),
    );
    expect(state).toEqual({ q: "renewal", type: "call", account: ACCOUNT, author: ACCOUNT, from: "2025-01-01", to: "2025-01-31", page: 2 });
    expect(hasFilters(state)).toBe(true);
  });

  it("ignores malformed values instead of sending them", () => {
    const state = readSearchState(
      new URLSearchParams({ type: "fax", account: "acme", author: "1", from: "2025-02-30", to: "yesterday", page: "-1" }),
    );
    expect(state).toEqual({ q: "", type: null, account: null, author: null, from: null, to: null, page: 1 });
    expect(hasFilters(state)).toBe(false);
  });
});

describe("dayRange", () => {
  it("covers whole local days: from the start of the first to the start of the day after the last", () => {
    expect(dayRange("2025-01-01", "2025-01-31")).toEqual({
      since: new Date(2025, 0, 1).toISOString(),
      until: new Date(2025, 1, 1).toISOString(),
    });
  });

  it("leaves out an open end", () => {
    expect(dayRange(null, "2024-12-31")).toEqual({ until: new Date(2025, 0, 1).toISOString() });
    expect(dayRange("2025-03-01", null)).toEqual({ since: new Date(2025, 2, 1).toISOString() });
    expect(dayRange(null, null)).toEqual({});
  });

  it("flags a range that ends before it starts", () => {
    expect(rangeError("2025-02-01", "2025-01-31")).toBeTruthy();
    expect(rangeError("2025-01-31", "2025-01-31")).toBeNull();
    expect(rangeError(null, "2025-01-31")).toBeNull();
  });
});

describe("searchTotal", () => {
  it("counts exactly below the cap and says 1,000+ when the API capped it", () => {
    expect(searchTotal(1, false)).toBe("1 result");
    expect(searchTotal(999, false)).toBe("999 results");
    expect(searchTotal(1000, true)).toBe(`${(1000).toLocaleString()}+ results`);
    expect(searchTotal(1740, true)).toBe(`${(1000).toLocaleString()}+ results`);
  });
});
