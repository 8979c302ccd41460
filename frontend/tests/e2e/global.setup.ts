import { expect, test as setup } from "@playwright/test";
import { DEMO } from "./demo";

// Fail fast, with a clear message, when the stack is not up or the demo organisation is missing.
setup("the API is ready and the demo organisation exists", async ({ request }) => {
  const ready = await request.get("/readyz");
  expect(ready.status(), "GET /readyz: is the API running at E2E_BASE_URL?").toBe(200);

  const spa = await request.get("/login");
  expect(spa.status(), "the built SPA is served at /").toBe(200);
  expect(await spa.text()).toContain('<div id="root">');

  const login = await request.post("/api/v1/auth/login", { data: DEMO.admin });
  expect(login.status(), `demo admin login: ${await login.text()}`).toBe(200);
});
