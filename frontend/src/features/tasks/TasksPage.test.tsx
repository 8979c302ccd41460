import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { meFixture } from "../../test/render";
import type { TaskRead, TaskViewRead } from "./tasks";
import { TasksPage } from "./TasksPage";

const LOAD = { timeout: 5_000 };
const ME = meFixture();

function task(id: string, title: string, due_on: string | null): TaskRead {
  return {
    id,
    account_id: "00000000-0000-0000-0000-000000000a01",
    account_name: "Acme",
    parent_id: null,
    alert_id: null,
    type: "regular",
    title,
    details: "",
    owner_id: ME.id,
    owner_name: ME.full_name,
    due_on,
    priority: "normal",
    tags: ["qbr"],
    status: "open",
    outcome: null,
    closed_at: null,
    closed_by: null,
    created_at: "2026-12-01T10:00:00Z",
    is_overdue: false,
    hours_to_close: null,
    subtask_count: 0,
  };
}

const DEFAULT_VIEW: TaskViewRead = {
  id: "00000000-0000-0000-0000-000000000b01",
  owner_id: ME.id,
  name: "My QBRs",
  is_shared: false,
  filters: { view: "mine", status: "open", tags: ["qbr"] },
  group_by: "due",
  is_default: true,
  created_at: "2026-12-01T10:00:00Z",
};

const TEAMMATE = { ...ME, id: "00000000-0000-0000-0000-000000000002", email: "sam@demo.example.com", full_name: "Sam Rivera" };

function renderPage(views: TaskViewRead[], me = ME) {
  startSession("token");
  const updates: unknown[] = [];
  const deletions: string[] = [];
  const groupQueries: string[] = [];
  const listQueries: string[] = [];
  const saved: unknown[] = [];
  const defaults: string[] = [];
  const viewDeletions: string[] = [];
  fakeApi({
    "GET /api/v1/me": () => json(me),
    "GET /api/v1/users": () => json([ME, TEAMMATE]),
    "PATCH /api/v1/tasks/t1": async (request) => {
      updates.push(await request.json());
      return json(task("t1", "Late call", "2026-11-01"));
    },
    "DELETE /api/v1/tasks/t1": () => {
      deletions.push("t1");
      return new Response(null, { status: 204 });
    },
    "GET /api/v1/task-views": () => json(views),
    "POST /api/v1/task-views": async (request) => {
      const body = await request.json();
      saved.push(body);
      const view = { ...DEFAULT_VIEW, ...body, id: "00000000-0000-0000-0000-000000000b02", is_default: false };
      views.push(view);
      return json(view, 201);
    },
    [`DELETE /api/v1/task-views/${DEFAULT_VIEW.id}`]: () => {
      viewDeletions.push(DEFAULT_VIEW.id);
      return new Response(null, { status: 204 });
    },
    "PUT /api/v1/task-views/00000000-0000-0000-0000-000000000b02/default": () => {
      defaults.push("b02");
      return json({ ...DEFAULT_VIEW, id: "00000000-0000-0000-0000-000000000b02", is_default: true });
    },
    "GET /api/v1/tasks": (request) => {
      listQueries.push(new URL(request.url).search);
      return json({ items: [task("t3", "Plain list", null)], total: 1, limit: 50, offset: 0 });
    },
    "GET /api/v1/tasks/groups": (request) => {
      groupQueries.push(new URL(request.url).search);
      return json({
        group_by: "due",
        total: 3,
        group_count: 2,
        groups: [
          { key: "overdue", label: "Overdue", count: 2, items: [task("t1", "Late call", "2026-11-01")] },
          { key: "no_date", label: "No due date", count: 1, items: [task("t2", "Someday", null)] },
        ],
      });
    },
  });
  render(
    <Providers queryClient={createQueryClient()}>
      <MemoryRouter>
        <TasksPage />
      </MemoryRouter>
    </Providers>,
  );
  return { groupQueries, listQueries, saved, defaults, updates, deletions, viewDeletions };
}

describe("the tasks page's views", { timeout: 30_000 }, () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("opens with the default view: its filters asked for, its groups shown with counts, collapsible", async () => {
    const user = userEvent.setup({ delay: null });
    const { groupQueries } = renderPage([DEFAULT_VIEW]);

    const groups = await screen.findAllByTestId("task-group", {}, LOAD);
    expect(groups.map((g) => within(g).getByTestId("task-group-header").textContent)).toEqual(["Overdue2", "No due date1"]);
    const query = new URLSearchParams(groupQueries.at(-1));
    expect(Object.fromEntries(query)).toEqual({ view: "mine", status: "open", tag: "qbr", group_by: "due" });
    expect(screen.getByTestId("task-views")).toHaveTextContent("My QBRs");
    expect(screen.getByText("Showing the first 1 of 2.")).toBeInTheDocument();

    expect(within(groups[0]).getByText("Late call")).toBeInTheDocument();
    await user.click(within(groups[0]).getByTestId("task-group-header"));
    expect(within(groups[0]).queryByText("Late call")).toBeNull();
    expect(within(groups[1]).getByText("Someday")).toBeInTheDocument();
  });

  it("saves the page as a view and makes it the default", async () => {
    const user = userEvent.setup({ delay: null });
    const { saved, defaults, listQueries } = renderPage([]);

    await screen.findByText("Plain list", {}, LOAD);
    expect(listQueries.at(-1)).toContain("view=mine");
    await user.click(screen.getByTestId("tasks-group-by"));
    await user.click(await screen.findByRole("option", { name: "Group by owner", hidden: true }));
    await user.click(screen.getByTestId("task-view-save"));
    await user.type(await screen.findByTestId("task-view-name"), "Mine by owner");
    await user.click(screen.getByTestId("task-view-confirm"));
    await waitFor(() =>
      expect(saved).toEqual([{ name: "Mine by owner", is_shared: false, filters: { view: "mine", status: "open" }, group_by: "owner" }]),
    );
    await user.click(await screen.findByTestId("task-view-default"));
    await waitFor(() => expect(defaults).toEqual(["b02"]));
  });

  it("deletes the open view only once confirmed", async () => {
    const user = userEvent.setup({ delay: null });
    const { viewDeletions } = renderPage([DEFAULT_VIEW]);

    await user.click(await screen.findByTestId("task-view-delete", {}, LOAD));
    const confirm = await screen.findByRole("dialog", { name: "Delete this view?" });
    expect(confirm).toHaveTextContent("“My QBRs” will be deleted. This cannot be undone.");
    expect(viewDeletions).toEqual([]);
    await user.click(within(confirm).getByRole("button", { name: "Delete view" }));
    await waitFor(() => expect(viewDeletions).toEqual([DEFAULT_VIEW.id]));
  });

  it("edits a task from its title and deletes one only once confirmed", async () => {
    const user = userEvent.setup({ delay: null });
    const { updates, deletions } = renderPage([DEFAULT_VIEW]);

    await user.click(await screen.findByRole("button", { name: "Late call" }, LOAD));
    const dialog = await screen.findByRole("dialog", { name: "Edit task" });
    const title = within(dialog).getByTestId("task-title");
    await user.clear(title);
    await user.type(title, "Call the sponsor");
    await user.click(within(dialog).getByTestId("task-owner"));
    await user.click(await screen.findByRole("option", { name: "Sam Rivera", hidden: true }));
    await user.click(within(dialog).getByTestId("task-save"));
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toMatchObject({ title: "Call the sponsor", owner_id: TEAMMATE.id, due_on: "2026-11-01", tags: ["qbr"] });

    const row = screen.getAllByTestId("task-row").find((r) => r.textContent?.includes("Late call"))!;
    await user.click(within(row).getByLabelText("Delete"));
    expect(deletions).toEqual([]);
    await user.click(within(await screen.findByRole("dialog", { name: "Delete “Late call”?" })).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deletions).toEqual(["t1"]));
  });

  it("shows tasks read-only to those who may not change accounts", async () => {
    renderPage([DEFAULT_VIEW], meFixture({}, ["view_all_accounts"]));

    await screen.findAllByTestId("task-group", {}, LOAD);
    await screen.findAllByTestId("task-row");
    expect(screen.queryByRole("button", { name: "Late call" })).toBeNull();
    expect(screen.queryByLabelText("Delete")).toBeNull();
    expect(screen.queryByTestId("task-new")).toBeNull();
  });
});
