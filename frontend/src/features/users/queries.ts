import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { InvitationCreate, User, UserStatus, UserUpdate } from "../../api/types";
import { auditKeys } from "../audit/queries";
import { meKey } from "../auth/queries";

export interface UserListParams {
  status?: UserStatus;
  q?: string;
}

export const userKeys = {
  lists: ["listUsers"] as const,
  list: (params: UserListParams) => ["listUsers", params] as const,
};

export function useUsers(params: UserListParams, options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: userKeys.list(params),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/users", {
          params: { query: { status: params.status, q: params.q || undefined } },
          signal,
        }),
      ),
    enabled: options.enabled ?? true,
  });
}

/** A user's name from their id (null for none, or a user the directory does not hold). */
export type NameOf = (id: string | null | undefined) => string | null;

/** Every user of the organisation by id, for showing names (CSMs, audit actors). Needs manage_users. */
export function useUserDirectory(enabled: boolean) {
  const query = useUsers({}, { enabled });
  const byId = new Map<string, User>((query.data ?? []).map((user) => [user.id, user]));
  return { ...query, byId };
}

function useInvalidateUsers() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: userKeys.lists });
    void queryClient.invalidateQueries({ queryKey: auditKeys.lists });
  };
}

export function useInviteUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (body: InvitationCreate) => unwrap(api.POST("/api/v1/users/invitations", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateUser() {
  const invalidate = useInvalidateUsers();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, body }: { userId: string; body: UserUpdate }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: userId } }, body })),
    onSuccess: () => {
      invalidate();
      // Changing one's own role changes one's permissions.
      void queryClient.invalidateQueries({ queryKey: meKey });
    },
  });
}

export type UserAction = "deactivate" | "reactivate" | "resend-invitation" | "reset-password" | "reset-mfa";

export function useUserAction(action: UserAction) {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (userId: string) => {
      const init = { params: { path: { user_id: userId } } };
      switch (action) {
        case "deactivate":
          return unwrap(api.POST("/api/v1/users/{user_id}/deactivate", init));
        case "reactivate":
          return unwrap(api.POST("/api/v1/users/{user_id}/reactivate", init));
        case "resend-invitation":
          return unwrap(api.POST("/api/v1/users/{user_id}/resend-invitation", init));
        case "reset-password":
          return unwrap(api.POST("/api/v1/users/{user_id}/reset-password", init));
        case "reset-mfa":
          return unwrap(api.POST("/api/v1/users/{user_id}/reset-mfa", init));
      }
    },
    onSuccess: invalidate,
  });
}
