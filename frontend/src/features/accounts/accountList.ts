import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import {
  canSort,
  chosenColumns,
  columnsForSegment,
  listedValues,
  readColumnState,
  resolveColumns,
  writeColumnState,
  type ColumnState,
} from "./columns";
import { appliedFilter } from "./filters";
import { churnedOf, readListState, writeListState, type ListState } from "./listState";
import { useAccountFields, useAccountQuery, useAccounts, useAccountViews } from "./queries";

/** The list's state and its columns, read from the URL; `update` writes a change back (a new
 * history entry unless `replace`). */
export function useListState() {
  const [params, setParams] = useSearchParams();
  const state = readListState(params);
  const columnState = readColumnState(params);
  const update = (patch: Partial<ListState>, replace = false, columnPatch: Partial<ColumnState> = {}) => {
    setParams(writeColumnState(writeListState({ ...state, ...patch }), { ...columnState, ...columnPatch }), { replace });
  };
  return { state, columnState, update };
}

export type UpdateList = ReturnType<typeof useListState>["update"];

/** The search box's text: searches as the user types, a moment after they stop. */
export function useSearchBox(state: ListState, update: UpdateList) {
  const [search, setSearch] = useState(state.q);
  const [debouncedSearch] = useDebouncedValue(search, 300);
  useEffect(() => {
    const q = debouncedSearch.trim();
    if (q !== state.q) update({ q, page: 1 }, true);
  }, [debouncedSearch]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    // Back/forward changed the URL: show its search in the box.
    if (state.q !== debouncedSearch.trim()) setSearch(state.q);
  }, [state.q]); // eslint-disable-line react-hooks/exhaustive-deps
  return [search, setSearch] as const;
}

/** The accounts the list shows, with the columns to show them in and the sort it asked for. */
export function useAccountList(state: ListState, columnState: ColumnState) {
  const fields = useAccountFields();

  // The columns: picked in the URL, else the open view's, else the defaults.
  const views = useAccountViews();
  const openView = views.data?.find((view) => view.id === columnState.viewId);
  const columnKeys = chosenColumns(columnState, openView?.columns);
  const columns = resolveColumns(columnsForSegment(columnKeys, state.segment), fields.data);
  // A sort the organisation no longer has (a deleted custom field in an old link or view): by name.
  const sort = fields.data && !canSort(state.sort, fields.data) ? "name" : state.sort;
  // Metric and health values come with the list, for those columns shown: wait for the fields
  // that say which columns those are (and whether a custom field or metric sort still exists).
  const valueColumns = listedValues(columns.map((column) => column.key));
  const needsFields = listedValues(columnKeys).length > 0 || state.sort.includes(".") || state.filter !== null;
  // Conditions the builder shows as not applied (a field since deleted) are left out here too.
  const filter = fields.data ? appliedFilter(state.filter, fields.data) : state.filter;

  // Deleted accounts are only listed (and restored) through the plain list; the explorer is the rest.
  const deletedQuery = useAccounts(
    {
      q: state.q,
      sort,
      descending: state.descending,
      limit: state.size,
      offset: (state.page - 1) * state.size,
      deleted: true,
    },
    state.deleted,
  );
  const churned = churnedOf(state.segment);
  const explorerQuery = useAccountQuery(
    {
      q: state.q || null,
      sort,
      descending: state.descending,
      limit: state.size,
      offset: (state.page - 1) * state.size,
      churned,
      filter,
      columns: valueColumns,
    },
    !state.deleted && (!needsFields || fields.data !== undefined || fields.isError),
  );
  const query = state.deleted ? deletedQuery : explorerQuery;
  const total = query.data?.total ?? 0;
  return {
    fields,
    columnKeys,
    columns,
    sort,
    query,
    total,
    pages: Math.max(1, Math.ceil(total / state.size)),
    /** The accounts the list stands for, for an export or a bulk edit of all that match. */
    listSelection: { filter, q: state.q, churned },
  };
}

export type AccountList = ReturnType<typeof useAccountList>;

/** The accounts ticked for a bulk edit: some by id, or all that match (`allMatching`). `scope` is
 * what decides which accounts the list holds; a new one starts the selection again. */
export function useSelectedAccounts(scope: string, pageIds: string[], total: number) {
  const [selected, setSelected] = useState<string[]>([]);
  const [allMatching, setAllMatching] = useState(false);
  const clear = () => {
    setSelected([]);
    setAllMatching(false);
  };
  useEffect(() => {
    setSelected([]);
    setAllMatching(false);
  }, [scope]);
  return {
    selected,
    allMatching,
    count: allMatching ? total : selected.length,
    pageAllSelected: pageIds.length > 0 && pageIds.every((id) => selected.includes(id)),
    pageSomeSelected: pageIds.some((id) => selected.includes(id)),
    isSelected: (id: string) => allMatching || selected.includes(id),
    toggleRow: (id: string, checked: boolean) => {
      setAllMatching(false);
      setSelected(checked ? [...selected, id] : selected.filter((other) => other !== id));
    },
    togglePage: (checked: boolean) => {
      setAllMatching(false);
      setSelected(checked ? [...new Set([...selected, ...pageIds])] : selected.filter((id) => !pageIds.includes(id)));
    },
    selectAllMatching: () => setAllMatching(true),
    clear,
  };
}

export type SelectedAccounts = ReturnType<typeof useSelectedAccounts>;
