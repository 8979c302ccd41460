import type { AccountSegment, AccountSort } from "../../api/types";
import { plausibleSort } from "./columns";
import { decodeFilter, encodeFilter } from "./filters";

export const PAGE_SIZES = [10, 25, 50, 100] as const;
const DEFAULT_PAGE_SIZE = 25;
export const SEGMENTS = ["active", "churned", "all"] as const satisfies readonly AccountSegment[];
export type Segment = (typeof SEGMENTS)[number];

/** The list's `churned` filter for a segment (null: both). */
export function churnedOf(segment: Segment): boolean | null {
  return segment === "active" ? false : segment === "churned" ? true : null;
}

/** The list's state lives in the URL, so a view can be bookmarked, shared and navigated back to. */
export function readListState(params: URLSearchParams) {
  const sortParam = params.get("sort");
  const size = Number(params.get("size"));
  const page = Number(params.get("page"));
  return {
    q: params.get("q") ?? "",
    sort: sortParam && plausibleSort(sortParam) ? sortParam : ("name" as AccountSort),
    descending: params.get("desc") === "1",
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    page: Number.isInteger(page) && page > 0 ? page : 1,
    deleted: params.get("deleted") === "1",
    segment: (SEGMENTS as readonly string[]).includes(params.get("segment") ?? "") ? (params.get("segment") as Segment) : "active",
    filter: decodeFilter(params.get("filter")),
  };
}

export type ListState = ReturnType<typeof readListState>;

export function writeListState(state: ListState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort !== "name") params.set("sort", state.sort);
  if (state.descending) params.set("desc", "1");
  if (state.page > 1) params.set("page", String(state.page));
  if (state.size !== DEFAULT_PAGE_SIZE) params.set("size", String(state.size));
  if (state.deleted) params.set("deleted", "1");
  if (state.segment !== "active") params.set("segment", state.segment);
  const filter = encodeFilter(state.filter);
  if (filter) params.set("filter", filter);
  return params;
}
