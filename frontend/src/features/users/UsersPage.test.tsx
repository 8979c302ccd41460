import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { User } from "../../api/types";
import { fakeApi, json, problem, requestsTo } from "../../test/fakeApi";
import { meFixture, renderApp, userFixture } from "../../test/render";

const LOAD = { timeout: 5_000 };
const ROLE_ID = "00000000-0000-0000-0000-0000000000aa";

function user(id: string, full_name: string, overrides: Partial<User> = {}): User {
  return userFixture(id, full_name, { role_id: ROLE_ID, ...overrides });
}

const ADA = user(meFixture().id, "Ada Admin");
const BEN = user("00000000-0000-0000-0000-000000000002", "Ben Boss");
const CLEO = user("00000000-0000-0000-0000-000000000003", "Cleo Csm", { manager_id: BEN.id });
const IVY = user("00000000-0000-0000-0000-000000000004", "Ivy Inactive", { status: "inactive" });
const PAT = user("00000000-0000-0000-0000-000000000005", "Pat Pending", { status: "invited" });

/** A backend holding the users; PATCH sets manager_id, or answers `refuse` when given. */
function api(refuse?: Response, cleo: User = CLEO) {
  startSession("token");
  const users = new Map([ADA, BEN, cleo, IVY, PAT].map((u) => [u.id, { ...u }]));
  return fakeApi({
    "GET /api/v1/me": () => json(meFixture()),
    "GET /api/v1/roles": () => json([{ id: ROLE_ID, name: "Admin", description: "", permissions: [], landing_page: "/accounts", is_builtin: true }]),
    "GET /api/v1/users": (request) => {
      const status = new URL(request.url).searchParams.get("status");
      return json([...users.values()].filter((u) => !status || u.status === status));
    },
    [`PATCH /api/v1/users/${CLEO.id}`]: async (request) => {
      if (refuse) return refuse;
      const body = (await request.clone().json()) as { manager_id: string | null };
      const saved = { ...users.get(CLEO.id)!, manager_id: body.manager_id };
      users.set(CLEO.id, saved);
      return json(saved);
    },
  });
}

async function openSetManager(person: string) {
  const row = (await screen.findAllByTestId("user-row", {}, LOAD)).find((r) => within(r).queryByText(person))!;
  await userEvent.click(within(row).getByRole("button", { name: `Actions for ${person}` }));
  await userEvent.click(await screen.findByRole("menuitem", { name: "Set manager" }));
  return screen.findByTestId("user-manager-select");
}

/** The items of a user's actions menu (read from the DOM: the menu may be mid-transition). */
async function actionsOffered(person: string): Promise<(string | null)[]> {
  const row = screen.getAllByTestId("user-row").find((r) => within(r).queryByText(person))!;
  const target = within(row).getByRole("button", { name: `Actions for ${person}` });
  await userEvent.click(target);
  const menu = await waitFor(() => {
    const open = document.getElementById(target.getAttribute("aria-controls") ?? "");
    if (!open) throw new Error(`the menu of ${person} is not open`);
    return open;
  });
  const items = within(menu).getAllByRole("menuitem", { hidden: true }).map((item) => item.textContent);
  await userEvent.keyboard("{Escape}");
  return items;
}

function managerOf(person: string): string | null | undefined {
  const row = screen.getAllByTestId("user-row").find((r) => within(r).queryByText(person))!;
  return within(row).getByTestId("user-manager").textContent;
}

describe("managers on the users page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows each user's manager and offers only the other active users", async () => {
    const mock = api();
    renderApp("/admin/users");
    await waitFor(() => expect(managerOf("Cleo Csm")).toBe("Ben Boss"), LOAD);
    expect(managerOf("Ben Boss")).toBe("—");

    const input = await openSetManager("Cleo Csm");
    expect(input).toHaveValue("Ben Boss (ben@demo.example.com)");
    await userEvent.click(input);
    const listbox = document.getElementById(input.getAttribute("aria-controls") ?? "")!;
    const options = within(listbox).getAllByRole("option", { hidden: true }).map((o) => o.textContent);
    expect(options).toEqual(["Ada Admin (ada@demo.example.com)", "Ben Boss (ben@demo.example.com)"]);

    await userEvent.click(within(listbox).getByRole("option", { name: "Ada Admin (ada@demo.example.com)", hidden: true }));
    await userEvent.click(screen.getByRole("button", { name: "Save manager" }));

    expect(await screen.findByText("Cleo Csm is now on Ada Admin's team.", {}, LOAD)).toBeInTheDocument();
    const [patch] = requestsTo(mock, "PATCH", `/api/v1/users/${CLEO.id}`);
    expect(await patch!.json()).toEqual({ manager_id: ADA.id });
    await waitFor(() => expect(managerOf("Cleo Csm")).toBe("Ada Admin"));
  });

  it("clears a manager", async () => {
    const mock = api();
    renderApp("/admin/users");
    const input = await openSetManager("Cleo Csm");
    const save = screen.getByRole("button", { name: "Save manager" });
    expect(save).toBeDisabled();

    expect(input).toHaveValue("Ben Boss (ben@demo.example.com)");
    // Mantine's clear button, beside the input.
    await userEvent.click(within(input.parentElement!).getByRole("button", { hidden: true }));
    await userEvent.click(save);

    expect(await screen.findByText("Cleo Csm has no manager.", {}, LOAD)).toBeInTheDocument();
    const [patch] = requestsTo(mock, "PATCH", `/api/v1/users/${CLEO.id}`);
    expect(await patch!.json()).toEqual({ manager_id: null });
    await waitFor(() => expect(managerOf("Cleo Csm")).toBe("—"));
  });

  it("shows the server's refusal in the dialog", async () => {
    api(problem(409, "manager_not_found", "The manager is not another user of the organisation"));
    renderApp("/admin/users");
    const input = await openSetManager("Cleo Csm");
    await userEvent.click(input);
    const listbox = document.getElementById(input.getAttribute("aria-controls") ?? "")!;
    await userEvent.click(within(listbox).getByRole("option", { name: "Ada Admin (ada@demo.example.com)", hidden: true }));
    await userEvent.click(screen.getByRole("button", { name: "Save manager" }));

    expect(await screen.findByText("The manager is not another user of the organisation", {}, LOAD)).toBeInTheDocument();
    expect(screen.getByRole("dialog", { name: "Set manager" })).toBeInTheDocument();
    expect(managerOf("Cleo Csm")).toBe("Ben Boss");
  });

  it("names a manager who has since been deactivated", async () => {
    api(undefined, { ...CLEO, manager_id: IVY.id });
    renderApp("/admin/users");
    await waitFor(() => expect(managerOf("Cleo Csm")).toBe("Ivy Inactive"), LOAD);
    const input = await openSetManager("Cleo Csm");
    expect(input).toHaveValue("Ivy Inactive (deactivated)");
  });

  it("does not offer a manager for deactivated users", async () => {
    api();
    renderApp("/admin/users?status=inactive");
    const row = await screen.findByTestId("user-row", {}, LOAD);
    await userEvent.click(within(row).getByRole("button", { name: "Actions for Ivy Inactive" }));
    expect(await screen.findByRole("menuitem", { name: "Reactivate" })).toBeInTheDocument();
    expect(screen.queryByRole("menuitem", { name: "Set manager" })).not.toBeInTheDocument();
  });
});

describe("actions on the users page", { timeout: 20_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("does not offer to reset one's own two-factor, only other users'", async () => {
    startSession("token");
    fakeApi({
      "GET /api/v1/me": () => json(meFixture({ mfa_enabled: true })),
      "GET /api/v1/roles": () => json([]),
      "GET /api/v1/users": () => json([{ ...ADA, mfa_enabled: true }, { ...BEN, mfa_enabled: true }]),
    });
    renderApp("/admin/users");
    await screen.findAllByTestId("user-row", {}, LOAD);

    expect(await actionsOffered("Ada Admin")).toEqual(["Change role", "Set manager", "Reset password"]);
    expect(await actionsOffered("Ben Boss")).toContain("Reset two-factor");
  });
});
