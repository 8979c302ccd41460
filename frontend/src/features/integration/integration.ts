import type { paths } from "../../api/gen/schema";
import type { ApiScope } from "../../api/types";

export const SCOPES: { value: ApiScope; label: string; description: string }[] = [
  { value: "read", label: "Read", description: "Read every account, for reports and syncs out of Tenure." },
  {
    value: "ingest",
    label: "Ingest",
    description: "Send data in: contacts, usage events, subscriptions, invoices and FX rates.",
  },
  {
    value: "full",
    label: "Full",
    description: "Both of the above, and create, edit and delete accounts (never users, roles, keys or settings).",
  },
];

/** How a key is shown after creation: its public start only (Tenure keeps just a hash). */
export function maskedKey(prefix: string): string {
  return `tnr_${prefix}_…`;
}

/** Mantine colour for an HTTP status in the API log. */
export function statusColor(status: number): string {
  if (status >= 200 && status < 300) return "green";
  if (status >= 300 && status < 400) return "blue";
  if (status === 429) return "yellow";
  if (status >= 400 && status < 500) return "orange";
  if (status >= 500) return "red";
  return "gray";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Bounds of the organisation's session timeout (PATCH /organisation checks them too). */
export const SESSION_TIMEOUT_MIN = 1;
export const SESSION_TIMEOUT_MAX = 1440;

export function validSessionTimeout(value: number | string): string | null {
  const n = typeof value === "number" ? value : Number(value);
  if (value === "" || !Number.isInteger(n)) return "Enter a whole number of minutes";
  if (n < SESSION_TIMEOUT_MIN || n > SESSION_TIMEOUT_MAX) return `Between ${SESSION_TIMEOUT_MIN} and ${SESSION_TIMEOUT_MAX} minutes (a day)`;
  return null;
}

/** A retired webhook secret keeps verifying signatures this long after a rotation. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export function secretWorksUntil(retiredAt: string): Date {
  return new Date(new Date(retiredAt).getTime() + ROTATION_GRACE_MS);
}

export function inboundWebhookUrl(origin: string, orgId: string): string {
  return `${origin}/api/v1/webhooks/${orgId}`;
}

/** Quote one word for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The placeholder the examples use instead of a real key. */
export const PLACEHOLDER_KEY = "tnr_xxx";

export interface CurlSpec {
  method: "GET" | "POST";
  /** A path of the API (typed, so an example for a removed endpoint stops compiling). */
  path: keyof paths;
  query?: Record<string, string>;
  body?: unknown;
}

/** A copy-paste curl command, one option per line. */
export function curlCommand(origin: string, spec: CurlSpec, key = PLACEHOLDER_KEY): string {
  const query = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : "";
  const lines = [`curl ${spec.method === "GET" ? "" : `-X ${spec.method} `}${shellQuote(`${origin}${spec.path}${query}`)}`];
  lines.push(`-H ${shellQuote(`Authorization: Bearer ${key}`)}`);
  if (spec.body !== undefined) {
    lines.push(`-H ${shellQuote("Content-Type: application/json")}`);
    lines.push(`-d ${shellQuote(JSON.stringify(spec.body, null, 2))}`);
  }
  return lines.join(" \\\n  ");
}

export interface CurlExample {
  title: string;
  description: string;
  scope: ApiScope;
  spec: CurlSpec;
}

export const LIST_ACCOUNTS_EXAMPLE: CurlExample = {
  title: "List accounts",
  description: "The first page of accounts, by name. Needs a read (or full) key.",
  scope: "read",
  spec: { method: "GET", path: "/api/v1/accounts", query: { limit: "50", offset: "0" } },
};

/** The JSON body of a POST endpoint, from the generated schema. */
type PostBody<P extends keyof paths> = paths[P] extends { post: { requestBody?: { content: { "application/json": infer B } } } } ? B : never;

// Realistic bodies, type-checked against the generated schema: an endpoint that changes its
// request shape (or goes away) breaks the build instead of showing a wrong example.
const CONTACTS = {
  items: [
    {
      external_id: "user-42",
      email: "ada@acme.com",
      name: "Ada Lovelace",
      title: "Head of Analytics",
      account_external_ids: ["acme-001"],
      traits: { plan_role: "owner" },
    },
  ],
} satisfies PostBody<"/api/v1/contacts/batch">;

const EVENTS = {
  items: [
    {
      message_id: "evt-2026-11-20-0001",
      name: "Report Exported",
      contact_external_id: "user-42",
      account_external_id: "acme-001",
      occurred_at: "2026-11-20T09:30:00Z",
      module: "analytics",
      feature: "reports",
      properties: { format: "pdf" },
    },
  ],
} satisfies PostBody<"/api/v1/events/batch">;

const SEGMENT = {
  batch: [
    { type: "identify", userId: "user-42", traits: { email: "ada@acme.com", name: "Ada Lovelace" } },
    { type: "group", userId: "user-42", groupId: "acme-001" },
    { type: "track", userId: "user-42", event: "Report Exported", messageId: "ajs-0001", properties: { feature: "reports" } },
  ],
} satisfies PostBody<"/api/v1/segment/batch">;

const SUBSCRIPTIONS = {
  items: [
    {
      external_id: "sub_1001",
      account_external_id: "acme-001",
      currency: "USD",
      status: "active",
      starts_on: "2026-01-01",
      ends_on: "2027-01-01",
      items: [
        { external_id: "si_1", kind: "plan", name: "Business", quantity: 10, unit_price: 120000, interval_months: 12 },
        { external_id: "si_2", kind: "add_on", name: "SSO", quantity: 1, unit_price: 5000, interval_months: 1 },
      ],
    },
  ],
} satisfies PostBody<"/api/v1/subscriptions/batch">;

const INVOICES = {
  items: [
    {
      number: "INV-2026-0042",
      account_external_id: "acme-001",
      currency: "USD",
      issued_on: "2026-03-01",
      due_on: "2026-03-31",
      paid_on: "2026-03-12",
      lines: [{ description: "Business plan, 10 seats", quantity: 1, amount: 100000 }],
    },
  ],
} satisfies PostBody<"/api/v1/invoices/batch">;

const FX_RATES = {
  items: [
    { currency: "EUR", effective_on: "2026-01-01", rate: "1.08" },
    { currency: "GBP", effective_on: "2026-01-01", rate: "1.27" },
  ],
} satisfies PostBody<"/api/v1/fx-rates/batch">;

/** Concrete examples for the batch endpoints (see /api/docs for every field). */
export const BATCH_EXAMPLES: CurlExample[] = [
  {
    title: "Send contacts",
    description: "Create or update up to 5,000 contacts by external id, with the accounts they belong to.",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/contacts/batch", body: CONTACTS },
  },
  {
    title: "Send usage events",
    description: "Up to 5,000 events per call. message_id makes a resend harmless: an event already received is stored once.",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/events/batch", body: EVENTS },
  },
  {
    title: "Forward Segment calls",
    description: "identify, group, track, page and screen calls in Segment's own format (Segment can also send the key as HTTP Basic user name).",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/segment/batch", body: SEGMENT },
  },
  {
    title: "Send subscriptions",
    description:
      "Up to 1,000 subscriptions with their items, by external id; the account by its external, CRM, billing or support id; prices in minor units (cents). MRR follows.",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/subscriptions/batch", body: SUBSCRIPTIONS },
  },
  {
    title: "Send invoices",
    description: "Up to 1,000 invoices with their lines, by number; amounts in minor units.",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/invoices/batch", body: INVOICES },
  },
  {
    title: "Send FX rates",
    description: "How much of your base currency one unit of each currency buys, from a given day.",
    scope: "ingest",
    spec: { method: "POST", path: "/api/v1/fx-rates/batch", body: FX_RATES },
  },
];

export const EXAMPLES: CurlExample[] = [LIST_ACCOUNTS_EXAMPLE, ...BATCH_EXAMPLES];
