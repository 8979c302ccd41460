import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, unwrap } from "../../api/client";
import { endSession, getSessionStatus, startSession, subscribeSession } from "../../api/session";
import type { LoginResult, Me, Permission } from "../../api/types";

export const meKey = ["getMe"] as const;
export const invitationKey = (token: string) => ["getInvitation", { token }] as const;

/** "unknown" until the first refresh on page load has answered. */
export function useSessionStatus() {
  return useSyncExternalStore(subscribeSession, getSessionStatus, getSessionStatus);
}

export function useMe() {
  const status = useSessionStatus();
  return useQuery({
    queryKey: meKey,
    queryFn: () => unwrap(api.GET("/api/v1/me")),
    enabled: status === "signed-in",
    staleTime: 5 * 60_000,
  });
}

/** Whether the signed-in user holds a permission (false while /me is loading). */
export function useCan(): (permission: Permission) => boolean {
  const { data } = useMe();
  return (permission) => Boolean(data?.permissions.includes(permission));
}

/** Pages the SPA has; a role's landing page outside this list falls back to the accounts list. */
const KNOWN_PAGES = [
  "/accounts",
  "/interactions",
  "/profile",
  "/admin/account-settings",
  "/admin/users",
  "/admin/roles",
  "/admin/organisation",
  "/admin/audit-log",
];

export function landingPath(me: Me | undefined): string {
  const wanted = me?.role.landing_page ?? "/accounts";
  return KNOWN_PAGES.some((page) => wanted === page || wanted.startsWith(`${page}/`))
    ? wanted
    : "/accounts";
}

function signedIn(result: LoginResult) {
  if (result.status === "authenticated" && result.access_token) startSession(result.access_token);
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      unwrap(api.POST("/api/v1/auth/login", { body })),
    onSuccess: (result) => {
      queryClient.removeQueries();
      signedIn(result);
    },
  });
}

export function useLoginMfa() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { mfa_token: string; code?: string; recovery_code?: string }) =>
      unwrap(api.POST("/api/v1/auth/login/mfa", { body })),
    onSuccess: (result) => {
      queryClient.removeQueries();
      signedIn(result);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await unwrap(api.POST("/api/v1/auth/logout"));
      } catch {
        // Signing out locally must work even when the server cannot be reached.
      }
    },
    onSettled: () => {
      endSession("logout");
      queryClient.removeQueries();
    },
  });
}

export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (body: { email: string }) =>
      unwrap(api.POST("/api/v1/auth/password-reset", { body })),
  });
}

export function useConfirmPasswordReset() {
  return useMutation({
    mutationFn: (body: { token: string; new_password: string }) =>
      unwrap(api.POST("/api/v1/auth/password-reset/confirm", { body })),
  });
}

export function useInvitation(token: string | null) {
  return useQuery({
    queryKey: invitationKey(token ?? ""),
    queryFn: () =>
      unwrap(api.GET("/api/v1/auth/invitations/{token}", { params: { path: { token: token! } } })),
    enabled: Boolean(token),
    retry: false,
  });
}

export function useAcceptInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { token: string; password: string; full_name?: string }) =>
      unwrap(api.POST("/api/v1/auth/invitations/accept", { body })),
    onSuccess: (result) => {
      queryClient.removeQueries();
      signedIn(result);
    },
  });
}
