import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError, isApiError } from "../api/errors";
import { meKey } from "../features/auth/queries";

/**
 * While a user must enrol in 2FA, every endpoint but a few answers 403 `mfa_enrolment_required`.
 * Refetching /me then flips `mfa_enrolment_required`, and the route guard moves the user to the
 * enrolment screen, whatever page made the call.
 */
function onAnyError(client: () => QueryClient, error: unknown) {
  if (isApiError(error, "mfa_enrolment_required")) {
    void client().invalidateQueries({ queryKey: meKey });
  }
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => onAnyError(() => client, error) }),
    mutationCache: new MutationCache({ onError: (error) => onAnyError(() => client, error) }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // A 4xx will not get better by asking again; a network blip or a 5xx might.
        retry: (failures, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      },
      mutations: { retry: false },
    },
  });
  return client;
}
