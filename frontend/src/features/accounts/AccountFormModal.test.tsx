import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Me } from "../../api/types";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, problem, requestsTo, type Handler } from "../../test/fakeApi";
import { meFixture, userFixture } from "../../test/render";
import { AccountFormModal } from "./AccountFormModal";

const SEAT_ROLE = "00000000-0000-0000-0000-0000000000aa";
const ADMIN = meFixture();
// A CSM sees only the accounts they look after.
const CSM = meFixture({ full_name: "Casey CSM" }, ["csm_seat", "update_accounts"]);

function renderForm(me: Me, more: Record<string, Handler> = {}) {
  startSession("token");
  const mock = fakeApi({
    "GET /api/v1/me": () => json(me),
    "GET /api/v1/roles": () =>
      json([{ id: SEAT_ROLE, name: "CSM", description: "", permissions: ["csm_seat"], landing_page: "/accounts", is_builtin: true }]),
    "GET /api/v1/users": () => json([userFixture(me.id, me.full_name), userFixture("00000000-0000-0000-0000-000000000002", "Sam Rivera")]),
    "GET /api/v1/tiers": () => json([]),
    "GET /api/v1/lifecycle-stages": () => json([]),
    "GET /api/v1/custom-fields": () => json([]),
    "POST /api/v1/accounts": async (request) => json({ id: "a1", ...((await request.clone().json()) as object) }, 201),
    ...more,
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <MemoryRouter>
        <AccountFormModal opened onClose={() => {}} />
      </MemoryRouter>
    </Providers>,
  );
  return { mock, user: userEvent.setup() };
}

async function fillRequired(user: ReturnType<typeof userEvent.setup>) {
  const dialog = await screen.findByRole("dialog", { name: "New account" });
  // The CSMs field shows once the team (and who is signed in) is known.
  await within(dialog).findByText(/^Who looks after this account/);
  await user.type(within(dialog).getByLabelText(/^Name/), "Acme Corp");
  await user.type(within(dialog).getByLabelText(/^External ID/), "acme-001");
  return dialog;
}

async function postedBodies(mock: ReturnType<typeof fakeApi>) {
  return Promise.all(requestsTo(mock, "POST", "/api/v1/accounts").map((r) => r.clone().json() as Promise<Record<string, unknown>>));
}

describe("the new account form", { timeout: 30_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("refuses a CSM score that is not a whole number from 0 to 100, as typed, rather than changing it", async () => {
    const { mock, user } = renderForm(ADMIN);
    const dialog = await fillRequired(user);
    const score = within(dialog).getByLabelText(/^CSM score/);

    for (const typed of ["150", "-5", "55.5"]) {
      await user.clear(score);
      await user.type(score, typed);
      await user.tab();
      expect(score).toHaveValue(typed);
      await user.click(within(dialog).getByRole("button", { name: "Create account" }));
      expect(await within(dialog).findByText("CSM score is a whole number from 0 to 100")).toBeInTheDocument();
    }
    expect(requestsTo(mock, "POST", "/api/v1/accounts")).toHaveLength(0);

    await user.clear(score);
    await user.type(score, "55");
    await user.click(within(dialog).getByRole("button", { name: "Create account" }));
    await waitFor(async () => expect(await postedBodies(mock)).toMatchObject([{ csm_score: 55 }]));
  });

  it("makes a CSM who sees only their accounts a CSM of the new one, saying they must stay so to see it", async () => {
    const { mock, user } = renderForm(CSM);
    const dialog = await fillRequired(user);
    const csms = await within(dialog).findByText(/You see only the accounts you look after: stay among its CSMs/);
    expect(csms).toBeInTheDocument();
    expect(within(dialog).getByText("Casey CSM")).toBeInTheDocument();

    await user.click(within(dialog).getByRole("button", { name: "Create account" }));
    await waitFor(async () => expect(await postedBodies(mock)).toMatchObject([{ csm_ids: [CSM.id] }]));
  });

  it("refuses, before the API does, a new account that a CSM who sees only their accounts is not a CSM of", async () => {
    const { mock, user } = renderForm(CSM);
    const dialog = await fillRequired(user);
    const field = within(dialog).getByLabelText("CSMs");
    await user.click(field);
    await user.keyboard("{Backspace}");
    await user.click(within(dialog).getByRole("button", { name: "Create account" }));
    expect(await within(dialog).findByText("Keep yourself among the CSMs, or you will not see this account")).toBeInTheDocument();
    expect(requestsTo(mock, "POST", "/api/v1/accounts")).toHaveLength(0);
  });

  it("leaves the CSMs empty for whoever sees every account", async () => {
    const { mock, user } = renderForm(ADMIN);
    const dialog = await fillRequired(user);
    await within(dialog).findByText("Who looks after this account");
    await user.click(within(dialog).getByRole("button", { name: "Create account" }));
    await waitFor(async () => expect(await postedBodies(mock)).toMatchObject([{ csm_ids: [] }]));
  });

  it("shows a refusal the form cannot place on a field above it, in the API's words", async () => {
    const { user } = renderForm(CSM, {
      "POST /api/v1/accounts": () => problem(422, "account_out_of_your_sight", "You see only the accounts you are a CSM of: list yourself among its CSMs"),
    });
    const dialog = await fillRequired(user);
    await within(dialog).findByText("Casey CSM");
    await user.click(within(dialog).getByRole("button", { name: "Create account" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("You see only the accounts you are a CSM of: list yourself among its CSMs");
    expect(within(dialog).getByLabelText(/^External ID/)).not.toHaveAttribute("aria-invalid", "true");
  });
});
