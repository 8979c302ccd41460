import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { fakeApi, json, problem } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

const LOAD = { timeout: 5_000 };

// The formula's autosizing Textarea listens for font loads, which jsdom does not implement.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", { value: new EventTarget(), configurable: true });
}

const PER_SEAT = {
  id: "m1",
  key: "per_seat",
  label: "Per seat",
  formula: "mrr / 2",
  format: "number",
  description: null,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
};

function signedInApi() {
  startSession("token");
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture({}, ["configure_product"])),
    "GET /api/v1/metrics": () => json([]),
    "GET /api/v1/computed-metrics": () => json([PER_SEAT]),
    "DELETE /api/v1/computed-metrics/m1": () =>
      problem(
        409,
        "metric_in_use",
        "The computed metric “Per seat” (metric.per_seat) is in use by Sam Lee's personal account view “Mine”. Change or delete it first.",
      ),
    "POST /api/v1/computed-metrics": async (request) => {
      const body = (await request.json()) as { key: string };
      if (body.key === "taken") return problem(409, "metric_key_taken", "'taken' is already the key of the metric 'Taken'");
      return problem(409, "formula_cycle", "Computed metrics may not depend on themselves: selfish → selfish");
    },
  });
}

async function addMetric(label: string, formula: string) {
  await userEvent.click(await screen.findByTestId("metric-new", {}, LOAD));
  const dialog = await screen.findByRole("dialog", { name: "New computed metric" }, LOAD);
  await userEvent.type(within(dialog).getByTestId("metric-label"), label);
  await userEvent.type(within(dialog).getByTestId("metric-formula"), formula);
  await userEvent.click(within(dialog).getByTestId("metric-save"));
}

describe("the computed metrics page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("says a percent is shown as the formula's value, not times 100", async () => {
    signedInApi();
    renderApp("/admin/metrics");
    await userEvent.click(await screen.findByTestId("metric-new", {}, LOAD));
    const dialog = await screen.findByRole("dialog", { name: "New computed metric" }, LOAD);
    await userEvent.click(within(dialog).getByTestId("metric-format"));
    expect(await screen.findByRole("option", { name: "Percent (12.5 → 12.5%)", hidden: true })).toBeInTheDocument();
  });

  it("shows a formula cycle under the formula and a taken key under the key (both 409s)", async () => {
    signedInApi();
    renderApp("/admin/metrics");

    await addMetric("Selfish", "selfish + 1");
    expect(await screen.findByText(/may not depend on themselves/)).toBeInTheDocument();
    expect(screen.getByTestId("metric-formula")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("metric-key")).not.toHaveAttribute("aria-invalid", "true");

    await userEvent.clear(screen.getByTestId("metric-label"));
    await userEvent.type(screen.getByTestId("metric-label"), "Taken");
    await userEvent.click(screen.getByTestId("metric-save"));
    expect(await screen.findByText(/already the key/)).toBeInTheDocument();
    expect(screen.getByTestId("metric-key")).toHaveAttribute("aria-invalid", "true");
  });

  it("shows why a metric in use was not deleted, with a way to every user's account views", async () => {
    signedInApi();
    renderApp("/admin/metrics");

    await userEvent.click(await screen.findByRole("button", { name: "Delete Per seat" }, LOAD));
    const dialog = await screen.findByRole("dialog", { name: "Delete this computed metric?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));

    const refusal = await within(dialog).findByTestId("in-use-error");
    expect(refusal).toHaveTextContent("in use by Sam Lee's personal account view “Mine”");
    expect(within(refusal).getByRole("link", { name: "Find these views among every user's views" })).toHaveAttribute(
      "href",
      "/admin/account-settings#account-views",
    );
  });
});
