import type { InteractionType } from "../../api/types";
import { plural } from "../../components/format";

const TYPES: InteractionType[] = ["call", "meeting", "email", "qbr", "note", "other"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** How many of the newest interactions and notes (each) a listing without words counts; see `total_capped`. */
export const SEARCH_CAP = 1000;

/** A calendar day ("2025-03-01") as local midnight, or null when it is not a real day. */
function localDay(value: string, plusDays = 0): Date | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(y, m - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) return null;
  date.setDate(date.getDate() + plusDays);
  return date;
}

/** The search page's state, from its URL; anything malformed is ignored rather than sent. */
export function readSearchState(params: URLSearchParams) {
  const type = params.get("type") as InteractionType | null;
  const id = (key: string) => {
    const value = params.get(key);
    return value && UUID.test(value) ? value : null;
  };
  const day = (key: string) => {
    const value = params.get(key);
    return value && localDay(value) ? value : null;
  };
  const page = Number(params.get("page"));
  return {
    q: params.get("q") ?? "",
    type: type && TYPES.includes(type) ? type : null,
    account: id("account"),
    author: id("author"),
    from: day("from"),
    to: day("to"),
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

export type SearchState = ReturnType<typeof readSearchState>;

/** Whether any filter (not the words) narrows the search. */
export function hasFilters(state: SearchState): boolean {
  return Boolean(state.type || state.account || state.author || state.from || state.to);
}

/**
 * A range of whole days in the browser's time zone as the API's `since` (inclusive) and `until`
 * (exclusive): from the start of `from` to the end of `to`.
 */
export function dayRange(from: string | null, to: string | null): { since?: string; until?: string } {
  const since = from ? localDay(from) : null;
  const until = to ? localDay(to, 1) : null;
  return { ...(since && { since: since.toISOString() }), ...(until && { until: until.toISOString() }) };
}

export function rangeError(from: string | null, to: string | null): string | null {
  return from && to && to < from ? "The range ends before it starts" : null;
}

/** The result count; a listing without words counts only the newest, so a capped count reads "1,000+". */
export function searchTotal(total: number, capped: boolean): string {
  return capped ? `${SEARCH_CAP.toLocaleString()}+ results` : plural(total, "result");
}
