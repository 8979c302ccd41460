import { expect, test } from "@playwright/test";

// A new Tenure without the demo: the sign-in page leads to the setup, which makes the first
// organisation and signs its admin in; afterwards the setup is gone for good.
test("first run: create the organisation and its admin, then never again", async ({ page, request }) => {
  await page.goto("/login");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Tenure" })).toBeVisible();

  await page.getByLabel("Organisation").fill("Acme Customer Success");
  await page.getByLabel("Your name").fill("Dana Ops");
  await page.getByLabel("Email").fill("dana@acme.example");
  await page.getByLabel("Password", { exact: true }).fill("a long passphrase");
  await page.getByLabel("Confirm password").fill("a long passphrase");
  await page.getByRole("button", { name: "Create organisation" }).click();

  await expect(page).toHaveURL(/\/accounts/);
  await expect(page.getByRole("heading", { name: "Accounts", exact: true })).toBeVisible();
  await expect(page.getByTestId("organisation-name")).toHaveText("Acme Customer Success");

  const status = await request.get("/api/v1/setup");
  expect(await status.json()).toEqual({ needed: false });
  const again = await request.post("/api/v1/setup", {
    data: {
      organisation_name: "Evil",
      admin_email: "eve@evil.example",
      admin_name: "Eve",
      admin_password: "another long passphrase",
    },
  });
  expect(again.status()).toBe(409);
  expect((await again.json()).code).toBe("setup_done");

  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
