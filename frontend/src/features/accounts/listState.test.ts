import { describe, expect, it } from "vitest";
import { readListState } from "./listState";

describe("readListState", () => {
  it("falls back to defaults for missing or bad values", () => {
    expect(readListState(new URLSearchParams("sort=bogus&size=7&page=-1"))).toEqual({
      q: "",
      sort: "name",
      descending: false,
      size: 25,
      page: 1,
      deleted: false,
      segment: "active",
      filter: null,
    });
    expect(readListState(new URLSearchParams("q=acme&sort=renewal_on&desc=1&size=50&page=3&deleted=1"))).toEqual({
      q: "acme",
      sort: "renewal_on",
      descending: true,
      size: 50,
      page: 3,
      deleted: true,
      segment: "active",
      filter: null,
    });
    const filter = { kind: "all", conditions: [{ kind: "compare", field: "tier", op: "eq", value: "Gold" }] };
    expect(readListState(new URLSearchParams({ segment: "churned", filter: JSON.stringify(filter) }))).toMatchObject({
      segment: "churned",
      filter,
    });
    expect(readListState(new URLSearchParams("segment=bogus&filter=%7Bnot-json")).filter).toBeNull();
  });
});
