import { Button, Checkbox, Group, Table, Text, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowBackUp, IconChevronDown, IconChevronUp, IconSelector } from "@tabler/icons-react";
import type { CSSProperties, MouseEvent } from "react";
import { useNavigate } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountListItem, AccountSort } from "../../api/types";
import { TableSkeletonRows } from "../../components/states";
import { AccountCell, cellProps, useCellNames } from "./AccountCell";
import type { SelectedAccounts } from "./accountList";
import type { Column } from "./columns";
import type { ListState } from "./listState";
import { useRestoreAccount } from "./queries";

// The leading cells stay in view while the table scrolls sideways (`global.css`): the tick
// box's, this wide with its padding (a 20-pixel box), and the first chosen column's beside it.
const TICK_WIDTH = 40;
const TICK_CELL = {
  className: "sticky-column",
  style: { width: TICK_WIDTH, minWidth: TICK_WIDTH, paddingInline: 10, left: 0 },
};
const NO_WRAP = { whiteSpace: "nowrap" as const };

/** The first chosen column's cells, stuck `left` pixels from the table's start. */
function firstColumn(left: number, style: CSSProperties = NO_WRAP) {
  return { className: "sticky-column last-sticky-column", style: { ...style, left } };
}

function SortHeader({
  column,
  state,
  onSort,
  pinned,
}: {
  column: Column;
  state: ListState;
  onSort: (key: AccountSort) => void;
  /** Where it sticks, if it is the first column. */
  pinned?: number;
}) {
  const place = pinned === undefined ? { style: NO_WRAP } : firstColumn(pinned);
  if (!column.sort) return <Table.Th {...place}>{column.label}</Table.Th>;
  const active = state.sort === column.sort;
  const Icon = active ? (state.descending ? IconChevronDown : IconChevronUp) : IconSelector;
  return (
    <Table.Th aria-sort={active ? (state.descending ? "descending" : "ascending") : "none"} {...place}>
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

/** A page of accounts in the chosen columns, sorted by a header's click; rows tick for a bulk edit
 * (`selection`), and deleted accounts, which have no page to open, can be restored. */
export function AccountsTable({
  accounts,
  columns,
  state,
  onSort,
  stale,
  selection,
}: {
  /** The page's accounts; undefined while they load. */
  accounts: AccountListItem[] | undefined;
  columns: Column[];
  /** The list's state, with the sort it asked for. */
  state: ListState;
  onSort: (key: AccountSort) => void;
  /** The rows are the last page's while the next one loads. */
  stale: boolean;
  /** Absent when rows cannot be ticked. */
  selection?: SelectedAccounts;
}) {
  const navigate = useNavigate();
  const names = useCellNames();
  const restore = useRestoreAccount();

  const onRestore = (event: MouseEvent, account: AccountListItem) => {
    event.stopPropagation();
    restore.mutate(account.id, {
      onSuccess: () => notifications.show({ color: "tenure", title: "Account restored", message: account.name }),
      onError: (error) => notifications.show({ color: "red", title: "Could not restore the account", message: errorMessage(error) }),
    });
  };

  const firstLeft = selection ? TICK_WIDTH : 0;

  const rows = accounts?.map((account) => (
    <Table.Tr
      key={account.id}
      // A deleted account's page cannot load (404 until it is restored): only Restore acts on its row.
      {...(!account.deleted_at && { onClick: () => navigate(`/accounts/${account.id}`), style: { cursor: "pointer" } })}
      data-testid="account-row"
    >
      {selection && (
        <Table.Td {...TICK_CELL} onClick={(event: MouseEvent) => event.stopPropagation()}>
          <Checkbox
            aria-label={`Select ${account.name}`}
            checked={selection.isSelected(account.id)}
            onChange={(event) => selection.toggleRow(account.id, event.currentTarget.checked)}
            data-testid="account-select"
          />
        </Table.Td>
      )}
      {columns.map((column, i) => {
        const props = cellProps(column);
        return (
          <Table.Td key={column.key} {...props} {...(i === 0 && firstColumn(firstLeft, props.style))}>
            <AccountCell account={account} column={column} names={names} />
          </Table.Td>
        );
      })}
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

  return (
    <Table.ScrollContainer minWidth={860}>
      <Table
        highlightOnHover
        verticalSpacing="sm"
        horizontalSpacing="md"
        style={{ opacity: stale ? 0.6 : 1, transition: "opacity 120ms" }}
        data-testid="accounts-table"
      >
        <Table.Thead bg="gray.0">
          <Table.Tr>
            {selection && (
              <Table.Th {...TICK_CELL}>
                <Checkbox
                  aria-label="Select all on this page"
                  checked={selection.allMatching || selection.pageAllSelected}
                  indeterminate={!selection.allMatching && !selection.pageAllSelected && selection.pageSomeSelected}
                  onChange={(event) => selection.togglePage(event.currentTarget.checked)}
                  data-testid="select-page"
                />
              </Table.Th>
            )}
            {columns.map((column, i) => (
              <SortHeader key={column.key} column={column} state={state} onSort={onSort} pinned={i === 0 ? firstLeft : undefined} />
            ))}
            {state.deleted && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows ?? (
            <TableSkeletonRows
              columns={columns.length + (state.deleted ? 1 : 0) + (selection ? 1 : 0)}
              rows={Math.min(state.size, 10)}
            />
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
