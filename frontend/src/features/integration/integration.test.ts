import { describe, expect, it } from "vitest";
import {
  BATCH_EXAMPLES,
  curlCommand,
  formatDuration,
  inboundWebhookUrl,
  LIST_ACCOUNTS_EXAMPLE,
  maskedKey,
  secretWorksUntil,
  shellQuote,
  statusColor,
  validSessionTimeout,
} from "./integration";

describe("API log status colour", () => {
  it("is green for success, orange for a refused call, yellow when rate limited, red for a server error", () => {
    expect([200, 201, 202, 204].map(statusColor)).toEqual(["green", "green", "green", "green"]);
    expect(statusColor(304)).toBe("blue");
    expect([400, 401, 403, 404, 413, 422].map(statusColor)).toEqual(Array(6).fill("orange"));
    expect(statusColor(429)).toBe("yellow");
    expect([500, 502, 503].map(statusColor)).toEqual(["red", "red", "red"]);
    expect(statusColor(0)).toBe("gray");
  });
});

describe("curl examples", () => {
  it("lists accounts with a bearer key against the page's origin", () => {
    expect(curlCommand("https://tenure.example.com", LIST_ACCOUNTS_EXAMPLE.spec)).toBe(
      "curl 'https://tenure.example.com/api/v1/accounts?limit=50&offset=0' \\\n  -H 'Authorization: Bearer tnr_xxx'",
    );
  });

  it("posts a JSON body, quoted so a single quote inside survives the shell", () => {
    const command = curlCommand("http://127.0.0.1:8000", { method: "POST", path: "/api/v1/accounts", body: { name: "O'Brien Ltd" } }, "tnr_abc_def");
    expect(command).toBe(
      [
        "curl -X POST http://127.0.0.1:8000/api/v1/accounts",
        "-H 'Authorization: Bearer tnr_abc_def'",
        "-H 'Content-Type: application/json'",
        `-d '{\n  "name": "O'\\''Brien Ltd"\n}'`,
      ].join(" \\\n  "),
    );
  });

  it("has a POST example with a JSON body and an ingest key for each batch endpoint", () => {
    expect(BATCH_EXAMPLES.map((e) => e.spec.path)).toEqual([
      "/api/v1/contacts/batch",
      "/api/v1/events/batch",
      "/api/v1/segment/batch",
      "/api/v1/subscriptions/batch",
      "/api/v1/invoices/batch",
      "/api/v1/fx-rates/batch",
    ]);
    for (const example of BATCH_EXAMPLES) {
      expect(example.scope).toBe("ingest");
      const command = curlCommand("https://tenure.example.com", example.spec);
      expect(command.startsWith(`curl -X POST https://tenure.example.com${example.spec.path} \\\n`)).toBe(true);
      expect(command).toContain("-H 'Content-Type: application/json'");
      // The quoted body is the JSON itself (none of the examples contains a single quote).
      const body = command.slice(command.indexOf("-d '") + 4, -1);
      expect(JSON.parse(body)).toEqual(example.spec.body);
    }
  });

  it("quotes only what the shell would split or expand", () => {
    expect(shellQuote("https://x.example/api/v1/accounts")).toBe("https://x.example/api/v1/accounts");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("$HOME")).toBe("'$HOME'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe("small formatters", () => {
  it("shows a key by its public prefix only", () => {
    expect(maskedKey("a1b2c3d4e5f6")).toBe("tnr_a1b2c3d4e5f6_…");
  });

  it("builds the inbound webhook URL from the origin and the organisation id", () => {
    expect(inboundWebhookUrl("https://tenure.example.com", "0b5e")).toBe("https://tenure.example.com/api/v1/webhooks/0b5e");
  });

  it("formats durations in ms under a second, in seconds above", () => {
    expect(formatDuration(7)).toBe("7 ms");
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(12_345)).toBe("12.3 s");
  });

  it("keeps a retired secret working for 24 hours", () => {
    expect(secretWorksUntil("2026-01-01T10:00:00Z").toISOString()).toBe("2026-01-02T10:00:00.000Z");
  });

  it("accepts a session timeout of 1 to 1440 whole minutes", () => {
    expect(validSessionTimeout(1)).toBeNull();
    expect(validSessionTimeout(1440)).toBeNull();
    expect(validSessionTimeout(0)).toMatch(/Between 1 and 1440/);
    expect(validSessionTimeout(1441)).toMatch(/Between 1 and 1440/);
    expect(validSessionTimeout("")).toMatch(/whole number/);
    expect(validSessionTimeout(2.5)).toMatch(/whole number/);
  });
});
