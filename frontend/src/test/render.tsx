import { render } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import type { Me, Permission, User } from "../api/types";
import { Providers } from "../app/Providers";
import { createQueryClient } from "../app/queryClient";
import { routes } from "../app/router";

/** The whole app (routes, guards, providers) in memory, starting at `path`. */
export function renderApp(path: string) {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: Infinity } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const utils = render(
    <Providers queryClient={queryClient}>
      <RouterProvider router={router} />
    </Providers>,
  );
  return { ...utils, router, queryClient };
}

const ALL: Permission[] = [
  "csm_seat",
  "view_all_accounts",
  "update_accounts",
  "configure_product",
  "configure_connectors",
  "manage_email",
  "manage_users",
  "manage_organisation",
  "delete_accounts",
];

export function meFixture(overrides: Partial<Me> = {}, permissions: Permission[] = ALL): Me {
  return {
    id: "00000000-0000-0000-0000-000000000001",
    email: "admin@demo.example.com",
    full_name: "Ada Admin",
    status: "active",
    role_id: "00000000-0000-0000-0000-0000000000aa",
    mfa_enabled: false,
    last_login_at: null,
    manager_id: null,
    invited_at: null,
    deactivated_at: null,
    created_at: "2025-01-01T00:00:00Z",
    org_id: "00000000-0000-0000-0000-0000000000bb",
    organisation_name: "Demo Co",
    organisation_requires_mfa: false,
    role: {
      id: "00000000-0000-0000-0000-0000000000aa",
      name: "Admin",
      description: "",
      permissions,
      landing_page: "/accounts",
      is_builtin: true,
    },
    permissions,
    mfa_enrolment_required: false,
    ...overrides,
  };
}

/** A user of the organisation as `GET /api/v1/users` lists them: active, never signed in. */
export function userFixture(id: string, full_name: string, overrides: Partial<User> = {}): User {
  return {
    id,
    email: `${full_name.split(" ")[0]!.toLowerCase()}@demo.example.com`,
    full_name,
    status: "active",
    role_id: "00000000-0000-0000-0000-0000000000aa",
    manager_id: null,
    mfa_enabled: false,
    last_login_at: null,
    invited_at: null,
    deactivated_at: null,
    created_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}
