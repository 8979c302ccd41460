export interface FieldError {
  /** Where the error is, e.g. ["body", "email"]. */
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** The field a validation error is about: the last name in its `loc` (["body", "items", 2, "currency"] → "currency"). */
function fieldKey(error: FieldError): string | undefined {
  const key = [...error.loc].reverse().find((part) => typeof part === "string" && part !== "body");
  return typeof key === "string" ? key : undefined;
}

/** A validation error's message as a person reads it: without the prefix pydantic gives the
 * message of a validator's ValueError ("Value error, 'ZZZ' is not an ISO 4217 currency code"). */
export function fieldErrorText(error: FieldError): string {
  return error.msg.replace(/^(Value error|Assertion failed), /, "");
}

/** "Currency: 'ZZZ' is not an ISO 4217 currency code", rather than the problem's
 * "body.currency: Value error, ...". */
function describeFieldError(error: FieldError): string {
  const key = fieldKey(error);
  const label = key ? key.charAt(0).toUpperCase() + key.slice(1).replaceAll("_", " ") : "";
  return label ? `${label}: ${fieldErrorText(error)}` : fieldErrorText(error);
}

/**
 * A failed API call. The backend answers every error with RFC 9457 problem+json carrying a
 * stable `code`; anything else (a proxy's HTML page, a dropped connection) is mapped onto the
 * same shape so callers handle one kind of error.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  /** Seconds from a Retry-After header (429 answers), when given. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string;
    fieldErrors?: FieldError[];
    retryAfter?: number | null;
  }) {
    super(init.detail || init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail ?? "";
    this.fieldErrors = init.fieldErrors ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }

  /** Field errors keyed by field name (the last element of `loc`), for form.setErrors(). */
  fieldErrorMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.fieldErrors) {
      const key = fieldKey(e);
      if (key !== undefined && !(key in out)) out[key] = fieldErrorText(e);
    }
    return out;
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** A sentence to show a person for any error thrown by an API call. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return "Could not reach the server. Check your connection and try again.";
    if (error.fieldErrors.length) return error.fieldErrors.map(describeFieldError).join("; ");
    return error.detail || error.title || `Request failed (${error.status})`;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Build an ApiError from a non-2xx response (reads its body). */
export async function apiErrorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  const contentType = response.headers.get("Content-Type") ?? "";
  if (contentType.includes("json")) {
    try {
      const body = (await response.clone().json()) as Record<string, unknown>;
      if (body && typeof body === "object" && ("code" in body || "title" in body)) {
        return new ApiError({
          status: typeof body.status === "number" ? body.status : response.status,
          code: typeof body.code === "string" ? body.code : `http_${response.status}`,
          title: typeof body.title === "string" ? body.title : response.statusText,
          detail: typeof body.detail === "string" ? body.detail : "",
          fieldErrors: Array.isArray(body.errors) ? (body.errors as FieldError[]) : [],
          retryAfter,
        });
      }
    } catch {
      // Fall through to the generic error below: the body was not valid JSON.
    }
  }
  return new ApiError({
    status: response.status,
    code: `http_${response.status}`,
    title: response.statusText || `HTTP ${response.status}`,
    retryAfter,
  });
}
