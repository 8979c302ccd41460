import createClient, { type Middleware } from "openapi-fetch";
import { ApiError, apiErrorFromResponse } from "./errors";
import type { paths } from "./gen/schema";
import { endSession, forgetSignedIn, getAccessToken, startSession } from "./session";

/** Endpoints that authenticate by cookie or by body: a 401 from them is an answer, not an expired token. */
const AUTH_PREFIX = "/api/v1/auth/";

export type ApiClient = ReturnType<typeof createClient<paths>>;

export interface ApiClientOptions {
  /** "" (same origin) in the app; an absolute URL in tests, where Request needs one. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
}

/**
 * The one typed API client. Its middleware:
 * - sends the in-memory access token as a Bearer header;
 * - on a 401 from a non-auth endpoint, renews the session once through the refresh cookie
 *   (one refresh shared by every request that failed meanwhile) and replays the request;
 * - turns every non-2xx answer into an ApiError, so callers only ever see data or a throw.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  // Resolve fetch at call time, so tests can stub the global after the client exists.
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    credentials: "include",
    fetch: fetchImpl,
  });

  let refreshing: Promise<boolean> | null = null;

  /** Exchange the refresh cookie for a new access token. Concurrent callers share one request. */
  function refreshSession(): Promise<boolean> {
    refreshing ??= (async () => {
      try {
        const { data } = await client.POST("/api/v1/auth/refresh");
        if (data?.status === "authenticated" && data.access_token) {
          startSession(data.access_token);
          return true;
        }
        endSession();
        return false;
      } catch (error) {
        // A refused cookie is gone for good; a network failure may pass.
        if (error instanceof ApiError && error.status === 401) forgetSignedIn();
        endSession();
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // Per request: an untouched copy to replay after a refresh, and the token it was sent with.
  const replays = new Map<string, { request: Request; token: string | null }>();

  const middleware: Middleware = {
    onRequest({ request, id, schemaPath }) {
      const token = getAccessToken();
      if (!schemaPath.startsWith(AUTH_PREFIX)) {
        replays.set(id, { request: request.clone(), token });
      }
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    async onResponse({ response, id, options: merged }) {
      const replay = replays.get(id);
      replays.delete(id);
      let final = response;
      if (response.status === 401 && replay) {
        // Another request may already have renewed the token while this one was in flight.
        const current = getAccessToken();
        const renewed = current !== null && current !== replay.token ? true : await refreshSession();
        if (renewed) {
          replay.request.headers.set("Authorization", `Bearer ${getAccessToken()}`);
          final = await merged.fetch(replay.request);
          if (final.status === 401) endSession();
        }
      }
      if (!final.ok) throw await apiErrorFromResponse(final);
      return final;
    },
    onError({ id, error }) {
      replays.delete(id);
      if (error instanceof ApiError) return error;
      if (error instanceof Error && error.name === "AbortError") return error;
      return new ApiError({
        status: 0,
        code: "network_error",
        title: "Network error",
        detail: error instanceof Error ? error.message : String(error),
      });
    },
  };
  client.use(middleware);

  return { client, refreshSession };
}

const instance = createApiClient();

/** The app's API client. Components use it only through the hooks in src/features/<area>/queries.ts. */
export const api: ApiClient = instance.client;
export const refreshSession = instance.refreshSession;

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Await an openapi-fetch call and return its data. The middleware already throws ApiError for
 * non-2xx answers; this narrows the type and covers a client built without it.
 */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    throw error instanceof ApiError ? error : await apiErrorFromResponse(response);
  }
  return data as T;
}
