import { describe, expect, it } from "vitest";
import { contactName, traitEntries, traitValue } from "./format";

describe("contactName", () => {
  it("falls back from the name to the email to the external id", () => {
    expect(contactName({ name: "Ada Lovelace", email: "ada@acme.com", external_id: "u-1" })).toBe("Ada Lovelace");
    expect(contactName({ name: "  ", email: "ada@acme.com", external_id: "u-1" })).toBe("ada@acme.com");
    expect(contactName({ name: null, email: null, external_id: "u-1" })).toBe("u-1");
  });
});

describe("traitValue", () => {
  it("shows scalars plainly and anything else as JSON", () => {
    expect(traitValue(null)).toBe("—");
    expect(traitValue("")).toBe("—");
    expect(traitValue(true)).toBe("Yes");
    expect(traitValue(false)).toBe("No");
    expect(traitValue("owner")).toBe("owner");
    expect(traitValue(1200)).toBe((1200).toLocaleString());
    expect(traitValue({ plan: "pro", seats: [1, 2] })).toBe('{"plan":"pro","seats":[1,2]}');
  });
});

describe("traitEntries", () => {
  it("sorts traits by key", () => {
    expect(traitEntries({ plan_role: "owner", beta: true })).toEqual([
      ["beta", "Yes"],
      ["plan_role", "owner"],
    ]);
  });
});
