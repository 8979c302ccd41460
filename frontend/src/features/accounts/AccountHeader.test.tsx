import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { Account } from "../../api/types";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json, requestsTo } from "../../test/fakeApi";
import { AccountHeader } from "./AccountHeader";

const ACCOUNT: Account = {
  id: "00000000-0000-0000-0000-000000000101",
  external_id: "acme",
  name: "Acme Corp",
  domain: "acme.example",
  joined_on: "2024-01-15",
  renewal_on: "2030-03-01",
  csm_ids: ["u1"],
  crm_id: null,
  billing_id: null,
  support_id: null,
  parent_id: null,
  tier_id: "t1",
  stage_id: "s1",
  status_title: "Expansion talks",
  status_details: "They want 20 more seats.",
  status_at: "2025-05-01T10:00:00Z",
  status_author_id: "u1",
  csm_score: 82,
  nps: "8.50",
  churned_on: null,
  churn_reason: null,
  custom_values: {},
  created_at: "2024-01-15T00:00:00Z",
  updated_at: "2024-01-15T00:00:00Z",
  deleted_at: null,
};

const UNSCORED = "00000000-0000-0000-0000-000000000102";

function renderHeader(account: Account, onPostStatus?: () => void) {
  startSession("token");
  // Scored with the first account's id only: the other has no score yet (404).
  const mock = fakeApi({ [`GET /api/v1/accounts/${ACCOUNT.id}/health`]: () => json({ score: 64, band: "average" }) });
  render(
    <Providers queryClient={createQueryClient()}>
      <AccountHeader
        account={account}
        tierName="Gold"
        stageName="Established"
        csmNames={["Casey CSM"]}
        statusAuthor="Casey CSM"
        onPostStatus={onPostStatus}
      />
    </Providers>,
  );
  return mock;
}

describe("the account header", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("shows who looks after the account and how it is doing", async () => {
    const onPostStatus = vi.fn();
    renderHeader(ACCOUNT, onPostStatus);
    expect(screen.getByTestId("account-title")).toHaveTextContent("Acme Corp");
    expect(screen.getByTestId("account-csms")).toHaveTextContent("Casey CSM");
    expect(screen.getByTestId("account-tier")).toHaveTextContent("Gold");
    expect(screen.getByTestId("account-stage")).toHaveTextContent("Established");
    expect(screen.getByTestId("account-csm-score")).toHaveTextContent("82");
    expect(await screen.findByTestId("account-health-score")).toHaveTextContent("64 · Average");
    expect(screen.getByTestId("account-nps")).toHaveTextContent("8.5");
    expect(screen.getByTestId("account-status-title")).toHaveTextContent("Expansion talks");
    expect(screen.getByText("They want 20 more seats.")).toBeInTheDocument();
    expect(screen.queryByTestId("churned-badge")).not.toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Post status" }));
    expect(onPostStatus).toHaveBeenCalledOnce();
  });

  it("keeps Post status whole in a narrow window: the status beside it wraps, the button does not shrink", () => {
    renderHeader(ACCOUNT, vi.fn());
    expect(screen.getByRole("button", { name: "Post status" })).toHaveStyle({ flexShrink: "0" });
    expect(screen.getByTestId("account-status")).toHaveStyle({ minWidth: "0px" });
  });

  it("marks a churned account, and says when there is no status, CSM or health score", async () => {
    const mock = renderHeader({ ...ACCOUNT, id: UNSCORED, churned_on: "2025-04-30", churn_reason: "Budget cuts", csm_ids: [], status_title: null, nps: null });
    expect(screen.getByTestId("churned-badge")).toHaveTextContent("Churned");
    expect(screen.getByTestId("account-csms")).toHaveTextContent("Unassigned");
    expect(screen.getByText("No status posted yet.")).toBeInTheDocument();
    expect(screen.getByTestId("account-nps")).toHaveTextContent("—");
    expect(screen.queryByRole("button", { name: "Post status" })).not.toBeInTheDocument();
    // Asked, and answered 404: no score yet.
    await waitFor(() => expect(requestsTo(mock, "GET", `/api/v1/accounts/${UNSCORED}/health`)).not.toHaveLength(0));
    expect(screen.getByTestId("account-health")).toHaveTextContent("—");
  });
});
