import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Account } from "../../api/types";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { RecordNpsModal } from "./AccountActionModals";

const ACCOUNT = { id: "a1", name: "Acme Corp", parent_id: null } as Account;

describe("recording an NPS answer", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("refuses a score that is not a whole number from 0 to 10, as typed, rather than changing it", async () => {
    startSession("token");
    const mock = fakeApi({ "POST /api/v1/accounts/a1/nps": () => json({ ...ACCOUNT, nps: 9 }) });
    render(
      <Providers queryClient={createQueryClient()}>
        <RecordNpsModal account={ACCOUNT} opened onClose={() => {}} />
      </Providers>,
    );
    const user = userEvent.setup();
    const dialog = await screen.findByRole("dialog", { name: "Record NPS" });
    const score = within(dialog).getByLabelText(/^Score/);

    for (const typed of ["11", "-1", "7.5"]) {
      await user.clear(score);
      await user.type(score, typed);
      await user.tab();
      expect(score).toHaveValue(typed);
      await user.click(within(dialog).getByRole("button", { name: "Record" }));
      expect(await within(dialog).findByText("The score is a whole number from 0 to 10")).toBeInTheDocument();
    }
    expect(requestsTo(mock, "POST", "/api/v1/accounts/a1/nps")).toHaveLength(0);

    await user.clear(score);
    await user.type(score, "9");
    await user.click(within(dialog).getByRole("button", { name: "Record" }));
    await waitFor(() => expect(requestsTo(mock, "POST", "/api/v1/accounts/a1/nps")).toHaveLength(1));
    expect(await requestsTo(mock, "POST", "/api/v1/accounts/a1/nps")[0]!.clone().json()).toEqual({ score: 9, contact: null });
  });
});
