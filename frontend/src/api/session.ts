/**
 * The signed-in session as the SPA knows it: an access token held in memory only (never in
 * localStorage, so a script injected into the page cannot read a long-lived credential), renewed
 * from the HttpOnly refresh cookie that only /api/v1/auth/* ever sees.
 */

export type SessionStatus = "unknown" | "signed-in" | "signed-out";

/** Why there is no session: never had one on this page load, signed out, or it ran out. */
export type SignedOutReason = "anonymous" | "logout" | "expired";

interface State {
  status: SessionStatus;
  accessToken: string | null;
  reason: SignedOutReason | null;
}

let state: State = { status: "unknown", accessToken: null, reason: null };
const listeners = new Set<() => void>();

function emit(next: State) {
  state = next;
  for (const listener of listeners) listener();
}

export function getAccessToken(): string | null {
  return state.accessToken;
}

export function getSessionStatus(): SessionStatus {
  return state.status;
}

export function getSignedOutReason(): SignedOutReason | null {
  return state.reason;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startSession(accessToken: string) {
  emit({ status: "signed-in", accessToken, reason: null });
}

/** Forget the access token. Without a reason: "expired" if there was a session, else "anonymous". */
export function endSession(reason?: SignedOutReason) {
  const why = reason ?? (state.status === "signed-in" ? "expired" : "anonymous");
  if (state.status === "signed-out" && state.accessToken === null && state.reason === why) return;
  emit({ status: "signed-out", accessToken: null, reason: why });
}

/** Set by the API beside the HttpOnly refresh cookie at sign-in (api/routers/auth.py). */
const SIGNED_IN_COOKIE = "tenure_signed_in";

/** Whether this browser signed in and has not signed out since: only then is there a session to resume. */
export function mayResumeSession(): boolean {
  return document.cookie.split(";").some((cookie) => cookie.trim().startsWith(`${SIGNED_IN_COOKIE}=`));
}

/** The refresh cookie was refused: the next page load starts signed out without asking. */
export function forgetSignedIn() {
  if (typeof document === "undefined") return; // not in a browser (the client's own tests)
  document.cookie = `${SIGNED_IN_COOKIE}=; Max-Age=0; Path=/; SameSite=Strict`;
}

/** Tests only: back to the state of a fresh page load. */
export function resetSessionForTests() {
  forgetSignedIn();
  state = { status: "unknown", accessToken: null, reason: null };
  listeners.clear();
}
