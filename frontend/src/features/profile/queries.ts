import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { meKey } from "../auth/queries";

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      unwrap(api.POST("/api/v1/me/password", { body })),
  });
}

export function useStartMfaEnrolment() {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/me/mfa/enrolment")),
  });
}

/**
 * Confirming enrolment flips `mfa_enabled`, and may lift `mfa_enrolment_required`. /me is
 * refetched only when the caller says so: on the forced-enrolment screen that would redirect away
 * before the user has saved their recovery codes.
 */
export function useConfirmMfaEnrolment() {
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST("/api/v1/me/mfa/confirm", { body: { code } })),
  });
}

export function useRefreshMe() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: meKey });
}

export function useRegenerateRecoveryCodes() {
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST("/api/v1/me/mfa/recovery-codes", { body: { code } })),
  });
}

export function useDisableMfa() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { password: string; code: string }) => unwrap(api.POST("/api/v1/me/mfa/disable", { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: meKey }),
  });
}
