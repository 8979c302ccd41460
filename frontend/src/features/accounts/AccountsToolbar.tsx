import { Box, Group, Loader, SegmentedControl, Skeleton, Switch, TextInput } from "@mantine/core";
import { IconSearch, IconX } from "@tabler/icons-react";
import { ErrorState } from "../../components/states";
import type { AccountList, UpdateList } from "./accountList";
import { ColumnPicker } from "./ColumnPicker";
import type { ColumnState } from "./columns";
import { useCsmOptions } from "./csms";
import { FilterBuilder } from "./FilterBuilder";
import type { ListState, Segment } from "./listState";
import { ViewPicker } from "./ViewPicker";

/** Above the list: the search box, the column and view pickers, which accounts (active, churned,
 * all or deleted) and the filter builder. */
export function AccountsToolbar({
  state,
  columnState,
  update,
  search,
  onSearch,
  searching,
  list: { fields, columnKeys, columns, sort },
  canDelete,
}: {
  state: ListState;
  columnState: ColumnState;
  update: UpdateList;
  search: string;
  onSearch: (search: string) => void;
  /** A new search's accounts are on their way. */
  searching: boolean;
  list: Pick<AccountList, "fields" | "columnKeys" | "columns" | "sort">;
  canDelete: boolean;
}) {
  const csmOptions = useCsmOptions(true);
  return (
    <>
      <Group justify="space-between" p="md" gap="sm" wrap="wrap">
        <TextInput
          placeholder="Search by name, domain or external ID"
          aria-label="Search accounts"
          leftSection={<IconSearch size={16} />}
          rightSection={
            searching ? (
              <Loader size={14} />
            ) : search ? (
              <IconX size={14} style={{ cursor: "pointer" }} onClick={() => onSearch("")} aria-label="Clear search" />
            ) : null
          }
          value={search}
          onChange={(event) => onSearch(event.currentTarget.value)}
          w={{ base: "100%", sm: 360 }}
          data-testid="accounts-search"
        />
        <Group gap="md">
          {!state.deleted && (
            <ColumnPicker fields={fields.data} value={columnKeys} onChange={(keys) => update({}, true, { columns: keys })} />
          )}
          {!state.deleted && (
            <ViewPicker
              current={{
                filter: state.filter,
                sort,
                descending: state.descending,
                columns: columns.map((column) => column.key),
                segment: state.segment,
              }}
              selectedId={columnState.viewId}
              onOpen={(view) =>
                update(
                  {
                    filter: view.filter ?? null,
                    sort: view.sort,
                    descending: view.descending,
                    segment: view.segment,
                    page: 1,
                  },
                  false,
                  { viewId: view.id, columns: null },
                )
              }
              onSaved={(view) => update({}, true, { viewId: view.id, columns: null })}
              onDeleted={(view) => {
                if (view.id === columnState.viewId) update({}, true, { viewId: null });
              }}
            />
          )}
          {!state.deleted && (
            <SegmentedControl
              aria-label="Which accounts"
              data={[
                { value: "active", label: "Active" },
                { value: "churned", label: "Churned" },
                { value: "all", label: "All" },
              ]}
              value={state.segment}
              onChange={(segment) => update({ segment: segment as Segment, page: 1 })}
              data-testid="segment"
            />
          )}
          {canDelete && (
            <Switch
              label="Show deleted"
              checked={state.deleted}
              onChange={(event) => update({ deleted: event.currentTarget.checked, page: 1 })}
            />
          )}
        </Group>
      </Group>
      {!state.deleted && (
        <Box px="md" pb="md">
          {fields.isError ? (
            <ErrorState error={fields.error} onRetry={() => void fields.refetch()} title="Could not load the filter fields" />
          ) : fields.isPending ? (
            <Skeleton height={30} width={160} />
          ) : (
            <FilterBuilder
              fields={fields.data}
              value={state.filter}
              users={csmOptions.options}
              onChange={(filter) => update({ filter, page: 1 }, true)}
            />
          )}
        </Box>
      )}
    </>
  );
}
