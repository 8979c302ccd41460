import { expect, test } from "@playwright/test";
import { DEMO } from "./demo";

// Acme Corp's demo revenue (scripts/demo.py): an annual Business plan at $15,000 a year and an
// SSO add-on at $200 a month whose launch coupon has run out: $1,450.00 MRR.
test("the Financials tab shows an account's MRR, movements, subscriptions and invoices", async ({ page }) => {
  const login = await page.request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), await login.text()).toBe(200);
  const token = (await login.json()).access_token as string;
  const listed = await page.request.get("/api/v1/accounts", {
    params: { q: "Acme Corp" },
    headers: { Authorization: `Bearer ${token}` },
  });
  const acme = (await listed.json()).items.find((a: { name: string }) => a.name === "Acme Corp");
  expect(acme).toBeTruthy();

  await page.goto(`/accounts/${acme.id}?tab=financials`);
  await expect(page.getByRole("tab", { name: "Financials" })).toHaveAttribute("aria-selected", "true");

  await expect(page.getByTestId("account-mrr")).toHaveText("$1,450.00");
  await expect(page.getByTestId("mrr-chart")).toBeVisible();
  await expect(page.getByTestId("movement-row").filter({ hasText: "renewal" })).toBeVisible();
  await expect(page.getByTestId("subscription")).toHaveCount(2);
  await expect(page.getByText("50% off for 3 intervals (coupon LAUNCH50)")).toBeVisible();
  await expect(page.getByTestId("invoices-table")).toContainText("INV-ACME-004");
});
