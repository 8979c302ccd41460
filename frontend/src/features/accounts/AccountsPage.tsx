import {
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  Pagination,
  SegmentedControl,
  Select,
  Skeleton,
  Switch,
  Table,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconArrowBackUp,
  IconChevronDown,
  IconChevronUp,
  IconDownload,
  IconEdit,
  IconPlus,
  IconUpload,
  IconSearch,
  IconSelector,
  IconX,
} from "@tabler/icons-react";
import { useEffect, useState, type MouseEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountListItem, AccountSort } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { formatDate, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useCan, useMe } from "../auth/queries";
import { AccountFormModal } from "./AccountFormModal";
import { useCsmNames } from "./csms";
import { useCsmOptions } from "./csms";
import { FilterBuilder } from "./FilterBuilder";
import { BulkEditModal } from "./BulkEditModal";
import { ColumnPicker } from "./ColumnPicker";
import {
  canSort,
  chosenColumns,
  columnsForSegment,
  columnValue,
  formatCell,
  readColumnState,
  resolveColumns,
  writeColumnState,
  type Column,
  type ColumnState,
} from "./columns";
import { useAccountFields, useAccountQuery, useAccounts, useAccountViews, useExportAccounts, useRestoreAccount } from "./queries";
import { churnedOf, PAGE_SIZES, readListState, writeListState, type ListState, type Segment } from "./listState";
import { ViewPicker } from "./ViewPicker";
import { useStages, useTiers } from "../settings/queries";
import { useOrganisation } from "../organisation/queries";
import { FieldText } from "./FieldText";

/** Trigger a browser download of some text. */
function downloadText(text: string, fileName: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function SortHeader({ column, state, onSort }: { column: Column; state: ListState; onSort: (key: AccountSort) => void }) {
  if (!column.sort) return <Table.Th style={{ whiteSpace: "nowrap" }}>{column.label}</Table.Th>;
  const active = state.sort === column.sort;
  const Icon = active ? (state.descending ? IconChevronDown : IconChevronUp) : IconSelector;
  return (
    <Table.Th aria-sort={active ? (state.descending ? "descending" : "ascending") : "none"} style={{ whiteSpace: "nowrap" }}>
      <UnstyledButton onClick={() => onSort(column.sort!)} data-testid={`sort-${column.sort}`} aria-label={column.label}>
        <Group gap={4} wrap="nowrap">
          <Text fw={active ? 700 : 600} size="sm" c={active ? undefined : "dimmed"}>
            {column.label}
          </Text>
          <Icon size={14} stroke={2} color={active ? "var(--mantine-color-tenure-filled)" : "var(--mantine-color-gray-5)"} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

// One line a row: a long name widens its column (the table scrolls) rather than wrapping or being cut.
const NO_WRAP = { whiteSpace: "nowrap" as const };

function RenewalCell({ value }: { value: string | null }) {
  if (!value) return <Text size="sm" c="dimmed">—</Text>;
  const days = Math.round((new Date(`${value}T00:00:00`).getTime() - new Date().setHours(0, 0, 0, 0)) / 86_400_000);
  return (
    <Group gap={6} wrap="nowrap" style={{ whiteSpace: "nowrap" }}>
      <Text size="sm">{formatDate(value)}</Text>
      {days < 0 ? (
        <Badge size="xs" color="red" variant="light" tt="none" style={{ flexShrink: 0, overflow: "visible" }}>
          overdue
        </Badge>
      ) : days <= 30 ? (
        <Tooltip label={days === 0 ? "Renews today" : `Renews in ${plural(days, "day")}`}>
          <Badge size="xs" color="orange" variant="light" tt="none" style={{ flexShrink: 0, overflow: "visible" }} data-testid="renewal-soon">
            {days === 0 ? "today" : `in ${days}d`}
          </Badge>
        </Tooltip>
      ) : null}
    </Group>
  );
}

export function AccountsPage() {
  const [params, setParams] = useSearchParams();
  const state = readListState(params);
  const columnState = readColumnState(params);
  const navigate = useNavigate();
  const can = useCan();
  const me = useMe();
  const csmNames = useCsmNames();
  const [createOpened, createModal] = useDisclosure(false);
  const restore = useRestoreAccount();
  const exportCsv = useExportAccounts();
  const [bulkOpened, bulkModal] = useDisclosure(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [allMatching, setAllMatching] = useState(false);

  const update = (patch: Partial<ListState>, replace = false, columnPatch: Partial<ColumnState> = {}) => {
    setParams(writeColumnState(writeListState({ ...state, ...patch }), { ...columnState, ...columnPatch }), { replace });
  };

  // Search as the user types, a moment after they stop.
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

  const fields = useAccountFields();
  const tiers = useTiers();
  const stages = useStages();
  const csmOptions = useCsmOptions(true);
  const tierNames = new Map((tiers.data ?? []).map((t) => [t.id, t.name]));
  const stageNames = new Map((stages.data ?? []).map((t) => [t.id, t.name]));

  // The columns: picked in the URL, else the open view's, else the defaults.
  const views = useAccountViews();
  const openView = views.data?.find((view) => view.id === columnState.viewId);
  const columnKeys = chosenColumns(columnState, openView?.columns);
  const columns = resolveColumns(columnsForSegment(columnKeys, state.segment), fields.data);
  const organisation = useOrganisation();
  const cellNames = {
    tier: (id: string) => tierNames.get(id),
    stage: (id: string) => stageNames.get(id),
    users: (ids: string[]) => csmNames(ids).map((name) => (name === me.data?.full_name ? "You" : name)),
    currency: organisation.data?.base_currency,
  };
  // A sort the organisation no longer has (a deleted custom field in an old link or view): by name.
  const sort = fields.data && !canSort(state.sort, fields.data) ? "name" : state.sort;
  // Metric values come with the list, for the metric columns shown: wait for the fields that say
  // which columns those are (and whether a custom field or metric sort still exists).
  const metricColumns = columns.filter((column) => column.key.startsWith("metric.")).map((column) => column.key);
  const needsFields = columnKeys.some((key) => key.startsWith("metric.")) || state.sort.includes(".");

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
      filter: state.filter,
      columns: metricColumns,
    },
    !state.deleted && (!needsFields || fields.data !== undefined || fields.isError),
  );
  const query = state.deleted ? deletedQuery : explorerQuery;
  const listSelection = { filter: state.filter, q: state.q, churned };

  // A new search, filter or segment is a new set of accounts: start the selection again.
  const selectionScope = JSON.stringify([state.q, state.segment, state.filter, state.deleted]);
  useEffect(() => {
    setSelected([]);
    setAllMatching(false);
  }, [selectionScope]);
  const data = query.data;
  const total = data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / state.size));

  // A page past the end (after deletes, or an edited URL): go to the last page instead.
  useEffect(() => {
    if (data && !query.isPlaceholderData && state.page > pages) update({ page: pages }, true);
  }, [data, pages]); // eslint-disable-line react-hooks/exhaustive-deps

  const onSort = (key: AccountSort) => {
    update({ sort: key, descending: sort === key ? !state.descending : false, page: 1 });
  };

  const onRestore = (event: MouseEvent, account: AccountListItem) => {
    event.stopPropagation();
    restore.mutate(account.id, {
      onSuccess: () => notifications.show({ color: "tenure", title: "Account restored", message: account.name }),
      onError: (error) => notifications.show({ color: "red", title: "Could not restore the account", message: errorMessage(error) }),
    });
  };

  const canEdit = can("update_accounts");
  const selectable = canEdit && !state.deleted;
  const pageIds = (data?.items ?? []).map((account) => account.id);
  const pageAllSelected = pageIds.length > 0 && pageIds.every((id) => selected.includes(id));
  const pageSomeSelected = pageIds.some((id) => selected.includes(id));
  const selectionCount = allMatching ? total : selected.length;

  const toggleRow = (id: string, checked: boolean) => {
    setAllMatching(false);
    setSelected(checked ? [...selected, id] : selected.filter((other) => other !== id));
  };
  const togglePage = (checked: boolean) => {
    setAllMatching(false);
    setSelected(checked ? [...new Set([...selected, ...pageIds])] : selected.filter((id) => !pageIds.includes(id)));
  };

  const onExport = () => {
    exportCsv.mutate(
      { selection: listSelection, columns: columns.map((column) => column.key), sort, descending: state.descending },
      {
        onSuccess: (text) => downloadText(text, "accounts.csv", "text/csv"),
        onError: (error) => notifications.show({ color: "red", title: "Could not export", message: errorMessage(error) }),
      },
    );
  };
  const canDelete = can("delete_accounts");
  const first = total === 0 ? 0 : (state.page - 1) * state.size + 1;
  const last = Math.min(state.page * state.size, total);

  const nameCell = (map: Map<string, string>, id: string | null) =>
    id ? <Text size="sm">{map.get(id) ?? "…"}</Text> : <Text size="sm" c="dimmed">—</Text>;

  const csmCell = (account: AccountListItem) => {
    if (!account.csm_ids.length) return <Text size="sm" c="dimmed">Unassigned</Text>;
    const names = csmNames(account.csm_ids);
    if (!names.length) return <Text size="sm" c="dimmed">{plural(account.csm_ids.length, "CSM")}</Text>;
    const extra = account.csm_ids.length - names.length;
    return (
      <Text size="sm">
        {names.map((name) => (name === me.data?.full_name ? "You" : name)).join(", ")}
        {extra > 0 ? ` +${extra}` : ""}
      </Text>
    );
  };

  /** Test ids and widths of the cells the journeys and the layout rely on. */
  const cellProps = (column: Column) => {
    if (column.key === "tier") return { "data-testid": "account-tier", style: NO_WRAP };
    if (column.key === "stage") return { "data-testid": "account-stage", style: NO_WRAP };
    if (column.key === "csm") return { "data-testid": "cell-csm", style: NO_WRAP };
    return { "data-testid": `cell-${column.key}`, style: NO_WRAP };
  };

  const cell = (account: AccountListItem, column: Column) => {
    switch (column.key) {
      case "name":
        return (
          <Anchor
            component={Link}
            to={`/accounts/${account.id}`}
            fw={600}
            size="sm"
            c="inherit"
            onClick={(event: MouseEvent) => event.stopPropagation()}
            data-testid="account-name"
          >
            {account.name}
          </Anchor>
        );
      case "external_id":
        return (
          <Text size="sm" ff="monospace" c="dimmed">
            {account.external_id}
          </Text>
        );
      case "tier":
        return nameCell(tierNames, account.tier_id);
      case "stage":
        return nameCell(stageNames, account.stage_id);
      case "csm":
        return csmCell(account);
      case "renewal_on":
        return <RenewalCell value={account.renewal_on} />;
      case "churned_on":
        return account.churned_on ? (
          <Tooltip label={account.churn_reason ?? "Churned"}>
            <Badge size="sm" color="red" variant="light" tt="none">
              {formatDate(account.churned_on)}
            </Badge>
          </Tooltip>
        ) : (
          <Text size="sm" c="dimmed">—</Text>
        );
    }
    const text = formatCell(column, columnValue(account, column.key), cellNames);
    return text === null ? (
      <Text size="sm" c="dimmed">—</Text>
    ) : (
      <Text size="sm" lineClamp={1}>
        <FieldText text={text} format={column.format} />
      </Text>
    );
  };

  let body;
  if (query.isPending) {
    body = (
      <TableSkeletonRows
        columns={columns.length + (state.deleted ? 1 : 0) + (selectable ? 1 : 0)}
        rows={Math.min(state.size, 10)}
      />
    );
  } else if (query.isError) {
    body = null;
  } else if (data && data.items.length > 0) {
    body = data.items.map((account) => (
      <Table.Tr
        key={account.id}
        onClick={() => navigate(`/accounts/${account.id}`)}
        style={{ cursor: "pointer" }}
        data-testid="account-row"
      >
        {selectable && (
          <Table.Td w={40} onClick={(event: MouseEvent) => event.stopPropagation()}>
            <Checkbox
              aria-label={`Select ${account.name}`}
              checked={allMatching || selected.includes(account.id)}
              onChange={(event) => toggleRow(account.id, event.currentTarget.checked)}
              data-testid="account-select"
            />
          </Table.Td>
        )}
        {columns.map((column) => (
          <Table.Td key={column.key} {...cellProps(column)}>
            {cell(account, column)}
          </Table.Td>
        ))}
        {state.deleted && (
          <Table.Td ta="right">
            <Button
              size="xs"
              variant="light"
              leftSection={<IconArrowBackUp size={14} />}
              onClick={(event) => onRestore(event, account)}
              loading={restore.isPending && restore.variables === account.id}
            >
              Restore
            </Button>
          </Table.Td>
        )}
      </Table.Tr>
    ));
  }

  const empty =
    data && data.items.length === 0 && total === 0 ? (
      state.filter && !state.deleted ? (
        <EmptyState
          title="No accounts match these filters"
          description="Change or remove a condition to see more accounts."
          action={
            <Button variant="default" onClick={() => update({ filter: null, page: 1 })}>
              Clear filters
            </Button>
          }
        />
      ) : state.q ? (
        <EmptyState
          title="No accounts match"
          description={`Nothing matches “${state.q}”. Try another name, domain or external ID.`}
          action={
            <Button variant="default" onClick={() => setSearch("")}>
              Clear search
            </Button>
          }
        />
      ) : state.deleted ? (
        <EmptyState title="No deleted accounts" description="Accounts you delete appear here, so you can restore them." />
      ) : state.segment === "churned" ? (
        <EmptyState title="No churned accounts" description="Accounts marked as churned appear here." />
      ) : (
        <EmptyState
          title="No accounts yet"
          description="Accounts are your customers. Add one here, or push them in through the API or a CRM connector."
          action={
            canEdit && (
              <Button leftSection={<IconPlus size={16} />} onClick={createModal.open}>
                New account
              </Button>
            )
          }
        />
      )
    ) : null;

  return (
    <>
      <PageHeader
        title="Accounts"
        description={
          data ? (
            <span data-testid="accounts-total">
              {plural(total, state.deleted ? "deleted account" : state.segment === "churned" ? "churned account" : "account")}
              {state.q ? " matching your search" : ""}
              {state.filter && !state.deleted ? (state.q ? " and filters" : " matching your filters") : ""}
            </span>
          ) : (
            "Your customers at a glance."
          )
        }
        actions={
          !state.deleted && (
            <>
              <Button
                variant="default"
                leftSection={<IconDownload size={16} />}
                onClick={onExport}
                loading={exportCsv.isPending}
                data-testid="export-csv"
              >
                Export CSV
              </Button>
              {canEdit && (
                <Button component={Link} to="/accounts/import" variant="default" leftSection={<IconUpload size={16} />}>
                  Import CSV
                </Button>
              )}
              {canEdit && (
                <Button leftSection={<IconPlus size={16} />} onClick={createModal.open}>
                  New account
                </Button>
              )}
            </>
          )
        }
      />

      <Card withBorder radius="lg" p={0}>
        <Group justify="space-between" p="md" gap="sm" wrap="wrap">
          <TextInput
            placeholder="Search by name, domain or external ID"
            aria-label="Search accounts"
            leftSection={<IconSearch size={16} />}
            rightSection={
              query.isFetching && !query.isPending ? (
                <Loader size={14} />
              ) : search ? (
                <IconX size={14} style={{ cursor: "pointer" }} onClick={() => setSearch("")} aria-label="Clear search" />
              ) : null
            }
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            w={{ base: "100%", sm: 360 }}
            data-testid="accounts-search"
          />
          <Group gap="md">
          {!state.deleted && (
            <ColumnPicker
              fields={fields.data}
              value={columnKeys}
              onChange={(keys) => update({}, true, { columns: keys })}
            />
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

        {selectable && selectionCount > 0 && (
          <Group px="md" pb="sm" gap="sm" data-testid="selection-bar">
            <Text size="sm" fw={600} data-testid="selection-count">
              {allMatching ? `All ${plural(total, "matching account")} selected` : `${plural(selected.length, "account")} selected`}
            </Text>
            {!allMatching && pageAllSelected && total > selected.length && (
              <Anchor component="button" size="sm" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
                Select all {total.toLocaleString()} matching
              </Anchor>
            )}
            <Button size="xs" leftSection={<IconEdit size={14} />} onClick={bulkModal.open} data-testid="bulk-edit">
              Bulk edit
            </Button>
            <Anchor
              component="button"
              size="sm"
              c="dimmed"
              onClick={() => {
                setSelected([]);
                setAllMatching(false);
              }}
            >
              Clear selection
            </Anchor>
          </Group>
        )}
        {query.isError ? (
          <Box p="md">
            <ErrorState error={query.error} onRetry={() => void query.refetch()} title="Could not load accounts" />
          </Box>
        ) : empty ? (
          empty
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table
              highlightOnHover
              verticalSpacing="sm"
              horizontalSpacing="md"
              style={{ opacity: query.isPlaceholderData ? 0.6 : 1, transition: "opacity 120ms" }}
              data-testid="accounts-table"
            >
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  {selectable && (
                    <Table.Th w={40}>
                      <Checkbox
                        aria-label="Select all on this page"
                        checked={allMatching || pageAllSelected}
                        indeterminate={!allMatching && !pageAllSelected && pageSomeSelected}
                        onChange={(event) => togglePage(event.currentTarget.checked)}
                        data-testid="select-page"
                      />
                    </Table.Th>
                  )}
                  {columns.map((column) => (
                    <SortHeader key={column.key} column={column} state={{ ...state, sort }} onSort={onSort} />
                  ))}
                  {state.deleted && <Table.Th />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>{body}</Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}

        {data && total > 0 && (
          <Group justify="space-between" p="md" gap="sm" wrap="wrap" style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>
            <Group gap="sm">
              <Text size="sm" c="dimmed" data-testid="accounts-range">
                Showing {first.toLocaleString()}–{last.toLocaleString()} of {total.toLocaleString()}
              </Text>
              <Tooltip label="Rows per page">
                <Select
                  aria-label="Rows per page"
                  data={PAGE_SIZES.map((size) => ({ value: String(size), label: `${size} per page` }))}
                  value={String(state.size)}
                  onChange={(value) => value && update({ size: Number(value), page: 1 })}
                  allowDeselect={false}
                  w={130}
                  size="xs"
                  data-testid="page-size"
                />
              </Tooltip>
            </Group>
            <Pagination
              total={pages}
              value={Math.min(state.page, pages)}
              onChange={(page) => update({ page })}
              size="sm"
              withEdges
              getControlProps={(control) => ({ "aria-label": `${control} page` })}
              data-testid="accounts-pagination"
            />
          </Group>
        )}
      </Card>

      <BulkEditModal
        opened={bulkOpened}
        onClose={bulkModal.close}
        ids={selected}
        allMatching={allMatching}
        count={selectionCount}
        list={listSelection}
        onDone={() => {
          setSelected([]);
          setAllMatching(false);
        }}
      />
      <AccountFormModal
        opened={createOpened}
        onClose={createModal.close}
        onSaved={(account) => navigate(`/accounts/${account.id}`)}
      />
    </>
  );
}
