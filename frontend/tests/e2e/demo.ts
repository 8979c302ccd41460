import { expect, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";

/** The demo organisation loaded into the fresh database (scripts/demo/). */
export const DEMO = {
  admin: {
    email: process.env.E2E_ADMIN_EMAIL ?? "admin@demo.example.com",
    password: process.env.E2E_ADMIN_PASSWORD ?? "tenure-demo-admin",
  },
  csm: {
    email: process.env.E2E_CSM_EMAIL ?? "csm@demo.example.com",
    password: process.env.E2E_CSM_PASSWORD ?? "tenure-demo-csm",
    totpSecret: process.env.E2E_CSM_TOTP_SECRET ?? "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  },
};

function base32Decode(input: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of input.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1, 30-second steps, 6 digits. */
export function totp(secret: string, now = Date.now()): string {
  const counter = Math.floor(now / 1000 / 30);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac("sha1", base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const code = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

/** A code with a few seconds of life left: waits out the end of a 30-second step. */
export async function freshTotp(secret: string): Promise<string> {
  const intoStep = (Date.now() / 1000) % 30;
  if (intoStep > 26) await new Promise((resolve) => setTimeout(resolve, (30 - intoStep + 0.5) * 1000));
  return totp(secret);
}

/**
 * Sign in through the API, in the page's browser context: the refresh cookie lands in the
 * context's cookie jar and the SPA resumes the session from it on its first page load.
 * (Saved storageState cannot be shared between tests: a refresh token works once, and
 * presenting a rotated one again revokes the whole session.)
 */
export async function signInViaApi(page: Page, user: { email: string; password: string }) {
  const response = await page.request.post("/api/v1/auth/login", { data: user });
  expect(response.status(), await response.text()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe("authenticated");
}

/** A suffix that keeps names made by one run apart from another's. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
