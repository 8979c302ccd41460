import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { AttributeTrigger } from "../../api/types";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture, renderApp } from "../../test/render";

function trigger(n: number, name: string, position: number): AttributeTrigger {
  return {
    id: `00000000-0000-0000-0000-00000000070${n}`,
    name,
    target: "churned",
    tier_id: null,
    stage_id: null,
    churn_reason: "Gone",
    condition: { kind: "all", conditions: [{ kind: "compare", field: "csm", op: "is_empty" }] },
    position,
    is_active: true,
    last_run_at: null,
    last_changed: 0,
  };
}

describe("the attribute triggers page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("counts positions from 1, in the list and in the edit form", async () => {
    startSession("token");
    fakeApi({
      "GET /api/v1/me": () => json(meFixture()),
      "GET /api/v1/attribute-triggers": () => json([trigger(2, "Second", 1), trigger(1, "First", 0)]),
    });
    renderApp("/admin/attribute-triggers");

    const rows = await screen.findAllByTestId("trigger-row");
    expect(rows.map((row) => within(row).getByTestId("trigger-position").textContent)).toEqual(["1", "2"]);
    await userEvent.click(within(rows[0]!).getByRole("button", { name: "Edit First" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit trigger" });
    expect(within(dialog).getByLabelText(/^Position/)).toHaveValue("1");
  });
});
