// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, problem, requestsTo } from "../test/fakeApi";
import { createApiClient, unwrap } from "./client";
import { ApiError } from "./errors";
import { getAccessToken, getSessionStatus, getSignedOutReason, resetSessionForTests, startSession } from "./session";

const BASE = "http://tenure.test";
const page = { items: [], total: 0, limit: 50, offset: 0 };
const authenticated = (token: string) => json({ status: "authenticated", access_token: token, expires_in: 900, mfa_enrolment_required: false });

function bearer(request: Request) {
  return request.headers.get("Authorization");
}

describe("the API client middleware", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("sends the in-memory access token as a Bearer header", async () => {
    const mock = fakeApi({ "GET /api/v1/accounts": () => json(page) });
    startSession("token-1");
    const { client } = createApiClient({ baseUrl: BASE });
    await unwrap(client.GET("/api/v1/accounts"));
    expect(bearer(requestsTo(mock, "GET", "/api/v1/accounts")[0]!)).toBe("Bearer token-1");
  });

  it("turns a problem+json answer into an ApiError with its code and field errors", async () => {
    fakeApi({
      "POST /api/v1/accounts": () =>
        problem(422, "validation_error", "body.name: too short", {
          title: "Invalid request",
          errors: [{ loc: ["body", "name"], msg: "too short", type: "string_too_short" }],
        }),
    });
    startSession("token-1");
    const { client } = createApiClient({ baseUrl: BASE });
    const error = await unwrap(client.POST("/api/v1/accounts", { body: { name: "", external_id: "x" } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.code).toBe("validation_error");
    expect(apiError.title).toBe("Invalid request");
    expect(apiError.detail).toBe("body.name: too short");
    expect(apiError.fieldErrorMap()).toEqual({ name: "too short" });
  });

  it("reads Retry-After from a throttled login", async () => {
    fakeApi({ "POST /api/v1/auth/login": () => problem(429, "login_throttled", "Too many", {}, { "Retry-After": "42" }) });
    const { client } = createApiClient({ baseUrl: BASE });
    const error = (await unwrap(client.POST("/api/v1/auth/login", { body: { email: "a@b.co", password: "x" } })).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("login_throttled");
    expect(error.retryAfter).toBe(42);
  });

  it("on a 401, refreshes the session once and replays the request with the new token", async () => {
    let accountsCalls = 0;
    const mock = fakeApi({
      "POST /api/v1/accounts": async (request) => {
        accountsCalls += 1;
        if (bearer(request) !== "Bearer fresh") return problem(401, "invalid_token");
        const body = await request.json();
        return json({ id: "1", ...body }, 201);
      },
      "POST /api/v1/auth/refresh": () => authenticated("fresh"),
    });
    startSession("stale");
    const { client } = createApiClient({ baseUrl: BASE });
    const created = await unwrap(client.POST("/api/v1/accounts", { body: { name: "Acme", external_id: "acme" } }));

    expect(created).toMatchObject({ id: "1", name: "Acme", external_id: "acme" });
    expect(accountsCalls).toBe(2);
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(1);
    expect(getAccessToken()).toBe("fresh");
  });

  it("shares one refresh between requests that fail together", async () => {
    const mock = fakeApi({
      "GET /api/v1/accounts": (request) => (bearer(request) === "Bearer fresh" ? json(page) : problem(401, "invalid_token")),
      "GET /api/v1/me": (request) => (bearer(request) === "Bearer fresh" ? json({ id: "me" }) : problem(401, "invalid_token")),
      "POST /api/v1/auth/refresh": async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return authenticated("fresh");
      },
    });
    startSession("stale");
    const { client } = createApiClient({ baseUrl: BASE });
    await Promise.all([unwrap(client.GET("/api/v1/accounts")), unwrap(client.GET("/api/v1/me")), unwrap(client.GET("/api/v1/accounts"))]);
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("when the refresh fails, ends the session and throws the 401", async () => {
    const mock = fakeApi({
      "GET /api/v1/accounts": () => problem(401, "invalid_token", "expired"),
      "POST /api/v1/auth/refresh": () => problem(401, "refresh_token_reused"),
    });
    startSession("stale");
    const { client } = createApiClient({ baseUrl: BASE });
    const error = (await unwrap(client.GET("/api/v1/accounts")).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(requestsTo(mock, "GET", "/api/v1/accounts")).toHaveLength(1);
    expect(getSessionStatus()).toBe("signed-out");
    expect(getSignedOutReason()).toBe("expired");
    expect(getAccessToken()).toBeNull();
  });

  it("does not refresh on a 401 from the auth endpoints themselves", async () => {
    const mock = fakeApi({ "POST /api/v1/auth/login": () => problem(401, "invalid_credentials") });
    const { client } = createApiClient({ baseUrl: BASE });
    const error = (await unwrap(client.POST("/api/v1/auth/login", { body: { email: "a@b.co", password: "x" } })).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("invalid_credentials");
    expect(requestsTo(mock, "POST", "/api/v1/auth/refresh")).toHaveLength(0);
  });

  it("resumes a session from the refresh cookie", async () => {
    fakeApi({ "POST /api/v1/auth/refresh": () => authenticated("resumed") });
    const { refreshSession } = createApiClient({ baseUrl: BASE });
    await expect(refreshSession()).resolves.toBe(true);
    expect(getSessionStatus()).toBe("signed-in");
    expect(getAccessToken()).toBe("resumed");
  });

  it("without a refresh cookie, the visitor is anonymous", async () => {
    fakeApi({ "POST /api/v1/auth/refresh": () => problem(401, "invalid_token") });
    const { refreshSession } = createApiClient({ baseUrl: BASE });
    await expect(refreshSession()).resolves.toBe(false);
    expect(getSessionStatus()).toBe("signed-out");
    expect(getSignedOutReason()).toBe("anonymous");
  });

  it("maps an unreachable server to an ApiError with status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("fetch failed"))));
    const { client } = createApiClient({ baseUrl: BASE });
    const error = (await unwrap(client.GET("/api/v1/roles")).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe("network_error");
  });

  it("maps a non-JSON error page to an ApiError too", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "Content-Type": "text/html" } })));
    const { client } = createApiClient({ baseUrl: BASE });
    const error = (await unwrap(client.GET("/api/v1/roles")).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe("http_502");
  });
});
