import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };

const EUR = {
  id: "00000000-0000-0000-0000-00000000f001",
  currency: "EUR",
  effective_on: "2026-01-01",
  rate: "1.0800000000",
  base_currency: "USD",
};

function signedInApi(missing: unknown[], sent: unknown[] = []) {
  startSession("token");
  // The live chain takes the rate in on the second look.
  const states = ["running", "done"];
  return fakeApi({
    "GET /api/v1/freshness": () => json({ pending_accounts: 3, running_accounts: 0, failed_accounts: 0, oldest_change_at: null, oldest_change_seconds: null, last_change: 7, stages: [] }),
    "GET /api/v1/freshness/changes/7": () => json({ change: 7, state: states.shift() ?? "done", pending_accounts: 0 }),
    "GET /api/v1/me": () => json(meFixture({}, ["view_all_accounts", "ingest_data"])),
    "GET /api/v1/fx-rates": () => json([EUR]),
    "GET /api/v1/fx-rates/missing": () => json(missing),
    "POST /api/v1/fx-rates": async (request) => {
      const body = (await request.json()) as { currency: string; effective_on: string; rate: string };
      sent.push(body);
      if (body.currency === "USD") return problem(409, "base_currency_rate", "currency: the base currency needs no rate");
      if (body.currency === "ZZZ") {
        return problem(422, "validation_error", "body.currency: Value error, 'ZZZ' is not an ISO 4217 currency code", {
          errors: [{ loc: ["body", "currency"], msg: "Value error, 'ZZZ' is not an ISO 4217 currency code", type: "value_error" }],
        });
      }
      return json({ ...EUR, ...body, id: "00000000-0000-0000-0000-00000000f002" });
    },
  });
}

describe("the FX rates page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("lists currencies in use without a rate and sets one from the list", async () => {
    const sent: unknown[] = [];
    const api = signedInApi([{ currency: "GBP", since: "2026-02-10", accounts: 3 }], sent);
    renderApp("/admin/fx-rates");

    const missing = await screen.findByTestId("missing-fx-rates", {}, LOAD);
    const row = within(missing).getByTestId("missing-fx-rate");
    expect(row).toHaveTextContent("GBP");
    expect(row).toHaveTextContent("3 accounts");
    await userEvent.click(within(row).getByRole("button", { name: "Set a rate" }));
    expect(screen.getByTestId("fx-currency")).toHaveValue("GBP");
    expect(screen.getByTestId("fx-date")).toHaveValue("2026-02-10");
    await userEvent.type(screen.getByTestId("fx-rate"), "1.27");
    await userEvent.click(screen.getByTestId("fx-save"));

    await waitFor(() => expect(sent).toEqual([{ currency: "GBP", effective_on: "2026-02-10", rate: "1.27" }]));
    // Saving follows the recompute it triggers, then asks again which currencies lack a rate.
    expect(await screen.findByTestId("fx-recomputing", {}, LOAD)).toBeInTheDocument();
    await waitFor(() => expect(requestsTo(api, "GET", "/api/v1/freshness/changes/7")).toHaveLength(2), LOAD);
    await waitFor(() => expect(screen.queryByTestId("fx-recomputing")).toBeNull());
    expect(requestsTo(api, "GET", "/api/v1/fx-rates/missing").length).toBeGreaterThanOrEqual(3);
  });

  it("shows no warning when every currency has a rate, and the refusal of a bad one", async () => {
    signedInApi([]);
    renderApp("/admin/fx-rates");

    const table = await screen.findByTestId("fx-rates-table", {}, LOAD);
    expect(table).toHaveTextContent("1 EUR = 1.08 USD");
    expect(screen.queryByTestId("missing-fx-rates")).toBeNull();
    await userEvent.type(screen.getByTestId("fx-currency"), "usd");
    await userEvent.type(screen.getByTestId("fx-rate"), "1");
    await userEvent.click(screen.getByTestId("fx-save"));

    expect(await screen.findByText(/the base currency needs no rate/)).toBeInTheDocument();
  });

  it("shows a currency the API refuses under the field, in words, not the raw validation text", async () => {
    signedInApi([]);
    renderApp("/admin/fx-rates");

    await screen.findByTestId("fx-rates-table", {}, LOAD);
    await userEvent.type(screen.getByTestId("fx-currency"), "ZZZ");
    await userEvent.type(screen.getByTestId("fx-rate"), "1");
    await userEvent.click(screen.getByTestId("fx-save"));

    expect(await screen.findByText("'ZZZ' is not an ISO 4217 currency code")).toBeInTheDocument();
    expect(screen.getByTestId("fx-currency")).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByText(/body\.currency|Value error/)).toBeNull();
  });
});
