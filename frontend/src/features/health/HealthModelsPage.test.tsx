import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { bandsProblem, HealthModelsPage } from "./HealthModelsPage";
import type { HealthModelRead } from "./queries";

const LOAD = { timeout: 5_000 };
const DEFAULT: HealthModelRead = {
  id: "00000000-0000-0000-0000-000000000301",
  name: "Default",
  default: true,
  filter: null,
  priority: null,
  updated_at: "2026-03-01T10:00:00Z",
  scored_by_live: 6,
  scored_by_earlier: 4,
  shadow: null,
  live: {
    number: 1,
    created_at: "2026-03-01T10:00:00Z",
    created_by: null,
    components: [
      { name: "CSM score", weight: 3, metrics: [{ metric: "csm_score", mapping: { kind: "linear", low: 0, high: 100, invert: false } }] },
    ],
  },
};

function segment(n: number, name: string): HealthModelRead {
  return { ...DEFAULT, id: `00000000-0000-0000-0000-00000000031${n}`, name, default: false, priority: n, filter: { kind: "compare", field: "plan", op: "eq", value: name }, scored_by_earlier: 0 };
}

function renderPage(models: HealthModelRead[] = [DEFAULT]) {
  startSession("token");
  const saved: unknown[] = [];
  const previews: unknown[] = [];
  const orders: unknown[] = [];
  const api = fakeApi({
    "GET /api/v1/health/models": () => json(models),
    "PUT /api/v1/health/segment-order": async (request) => {
      orders.push(await request.json());
      return json(models);
    },
    "GET /api/v1/health/bands": () => json({ good_from: 71, average_from: 31 }),
    "GET /api/v1/accounts/fields": () => json([]),
    "GET /api/v1/metrics": () =>
      json([{ key: "csm_score", field: "csm_score", label: "CSM score", format: "number", kind: "builtin", description: null, formula: null, valid: true }]),
    [`POST /api/v1/health/models/${DEFAULT.id}/preview`]: async (request) => {
      previews.push(await request.json());
      return json({ now: { good: 1, average: 2, poor: 3, no_data: 0 }, if_saved: { good: 4, average: 1, poor: 1, no_data: 0 } });
    },
    [`PUT /api/v1/health/models/${DEFAULT.id}`]: async (request) => {
      saved.push(await request.json());
      return json({ ...DEFAULT, live: { ...DEFAULT.live, number: 2 } });
    },
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <MemoryRouter>
        <HealthModelsPage />
      </MemoryRouter>
    </Providers>,
  );
  return { api, saved, previews, orders };
}

describe("the health models page", { timeout: 30_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("edits the default model, previews the bands and saves a new version", async () => {
    const user = userEvent.setup({ delay: null });
    const { saved, previews } = renderPage();

    const row = await screen.findByTestId("health-model-row", {}, LOAD);
    expect(row).toHaveTextContent("Every account no segment matches");
    expect(row).toHaveTextContent("CSM score (3)");
    expect(within(row).getByTestId("health-recomputing")).toHaveTextContent("Recomputing: 6 of 10 scored by v1");
    await user.click(within(row).getByLabelText("Edit Default"));

    const weight = await screen.findByLabelText("Weight");
    await user.clear(weight);
    await user.type(weight, "5");
    expect(await screen.findByTestId("preview-saved-good", {}, LOAD)).toHaveTextContent("good 4");
    expect(screen.getByTestId("preview-now-poor")).toHaveTextContent("poor 3");
    await waitFor(() => expect(previews.at(-1)).toMatchObject({ components: [{ name: "CSM score", weight: 5 }] }));
    // The mapping is drawn and the weights shared out as the draft stands.
    expect(await screen.findByTestId("mapping-chart", {}, LOAD)).toHaveAttribute("aria-label", "Score by value: -25 → 0, 0 → 0, 100 → 100, 125 → 100");
    expect(await screen.findByTestId("health-weight-share", {}, LOAD)).toHaveTextContent("CSM score 100%");

    await user.click(screen.getByTestId("health-model-save"));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({
      shadow: false,
      components: [{ name: "CSM score", weight: 5, metrics: [{ metric: "csm_score", mapping: { kind: "linear", low: 0, high: 100, invert: false } }] }],
    });
  });

  it("refuses a draft with a zero weight and says why", async () => {
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByLabelText("Edit Default", {}, LOAD));
    const weight = await screen.findByLabelText("Weight");
    await user.clear(weight);
    await user.type(weight, "0");

    expect(await screen.findByTestId("health-draft-problem")).toHaveTextContent("CSM score: the weight must be above 0.");
    expect(screen.getByTestId("health-model-save")).toBeDisabled();
  });

  it("reorders segment models by dragging a row onto another's place, or from the keyboard", async () => {
    const user = userEvent.setup({ delay: null });
    const [first, second, third] = [segment(1, "Enterprise"), segment(2, "Growth"), segment(3, "Starter")];
    const { orders } = renderPage([first!, second!, third!, DEFAULT]);
    const rows = await screen.findAllByTestId("health-model-row", {}, LOAD);
    expect(rows[3]).not.toHaveAttribute("draggable", "true");

    fireEvent.dragStart(rows[2]!, { dataTransfer: { effectAllowed: "" } });
    fireEvent.dragOver(rows[0]!);
    fireEvent.drop(rows[0]!);
    await waitFor(() => expect(orders).toHaveLength(1));
    expect(orders[0]).toEqual({ segment_ids: [third!.id, first!.id, second!.id] });

    await user.click(screen.getByLabelText("Move Enterprise down"));
    await waitFor(() => expect(orders).toHaveLength(2));
    expect(orders[1]).toEqual({ segment_ids: [second!.id, first!.id, third!.id] });
    expect(screen.getByLabelText("Move Enterprise up")).toBeDisabled();
  });

  it("says why bands cannot be saved", () => {
    expect(bandsProblem(71, 31)).toBeNull();
    expect(bandsProblem(30, 31)).toBe("Good must start above where average starts.");
    expect(bandsProblem(31, 31)).toBe("Good must start above where average starts.");
    expect(bandsProblem(71, "")).toBe("Enter where each band starts.");
    expect(bandsProblem(71, 0)).toBe("Average must start at 1 or more, so poor has scores of its own.");
    expect(bandsProblem(101, 31)).toBe("Good must start at 100 or less.");
    expect(bandsProblem(70.5, 31)).toBe("Bands start at whole numbers.");
  });

  it("keeps a band's start as typed and says why it cannot be saved, rather than clamping it", async () => {
    const user = userEvent.setup({ delay: null });
    renderPage();
    const good = await screen.findByTestId("band-good", {}, LOAD);
    await waitFor(() => expect(good).toHaveValue("71"));
    await user.clear(good);
    await user.type(good, "150");
    await user.tab();
    expect(good).toHaveValue("150");
    expect(screen.getByTestId("band-problem")).toHaveTextContent("Good must start at 100 or less.");
    expect(screen.getByRole("button", { name: "Save bands" })).toBeDisabled();
  });

  it("keeps a weight as typed and says why the draft cannot be saved, rather than clamping it", async () => {
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByLabelText("Edit Default", {}, LOAD));
    const weight = await screen.findByLabelText("Weight");
    await user.clear(weight);
    await user.type(weight, "-2");
    await user.tab();
    expect(weight).toHaveValue("-2");
    expect(await screen.findByTestId("health-draft-problem")).toHaveTextContent("CSM score: the weight must be above 0.");
  });
});
