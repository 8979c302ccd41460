import { renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests, startSession } from "../../api/session";
import type { User } from "../../api/types";
import { Providers } from "../../app/Providers";
import { createQueryClient } from "../../app/queryClient";
import { fakeApi, json } from "../../test/fakeApi";
import { userFixture } from "../../test/render";
import { useCsmOptions } from "./csms";

const SEAT = "00000000-0000-0000-0000-0000000000c1";
const NO_SEAT = "00000000-0000-0000-0000-0000000000c2";

function user(n: number, full_name: string, overrides: Partial<User> = {}): User {
  return userFixture(`00000000-0000-0000-0000-00000000000${n}`, full_name, { role_id: SEAT, ...overrides });
}

describe("the CSMs offered by pickers and filters", () => {
  beforeEach(() => resetSessionForTests());
  afterEach(() => vi.unstubAllGlobals());

  it("are the active users with a CSM seat: not one still invited, deactivated or without a seat", async () => {
    startSession("token");
    const invited = user(3, "Nina New", { status: "invited" });
    fakeApi({
      "GET /api/v1/roles": () =>
        json([
          { id: SEAT, name: "CSM", description: "", permissions: ["csm_seat"], landing_page: "/accounts", is_builtin: true },
          { id: NO_SEAT, name: "Analyst", description: "", permissions: [], landing_page: "/accounts", is_builtin: true },
        ]),
      "GET /api/v1/users": () =>
        json([user(1, "Casey CSM"), user(2, "Ann Analyst", { role_id: NO_SEAT }), invited, user(4, "Ivy Gone", { status: "inactive" })]),
    });
    const wrapper = ({ children }: { children: ReactNode }) => <Providers queryClient={createQueryClient()}>{children}</Providers>;

    const { result } = renderHook(() => useCsmOptions(true), { wrapper });

    await waitFor(() => expect(result.current.available).toBe(true));
    expect(result.current.options.map((o) => o.label)).toEqual(["Casey CSM"]);
  });
});
