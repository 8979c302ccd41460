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
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { IconSearch, IconX } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import type { AccountSelection, FilterCondition } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useCsmNames } from "../accounts/csms";
import { useAccountQuery } from "../accounts/queries";
import { sideQuery, sideSelection, toggleIds } from "./assignment";

const PAGE_SIZE = 25;

/** What a side does to the accounts picked on it (assign them to the CSM, or unassign them). */
export interface SideAction {
  /** "Assign", "Unassign". */
  verb: string;
  /** How the confirmation for every matching account reads. */
  confirmAll: (count: number) => string;
  /** Resolves to whether it worked (the page reports errors itself). */
  run: (selection: AccountSelection) => Promise<boolean>;
  pending: boolean;
}

/**
 * One side of the assignment page: a searchable, paginated list of the accounts `filter`
 * matches, with ticks, and `action` for the ticked accounts or every matching one.
 */
export function AccountSide({
  testId,
  title,
  filter,
  toolbar,
  action,
  emptyTitle,
  emptyDescription,
}: {
  testId: string;
  title: string;
  filter: FilterCondition;
  toolbar?: ReactNode;
  action: SideAction;
  emptyTitle: string;
  emptyDescription: string;
}) {
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search, 300);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<string[]>([]);
  const [confirmOpened, confirmModal] = useDisclosure(false);
  const csmNames = useCsmNames();

  // A new condition or search is a new list: start again on its first page, nothing ticked.
  const listKey = JSON.stringify([filter, q]);
  const [shownKey, setShownKey] = useState(listKey);
  if (shownKey !== listKey) {
    setShownKey(listKey);
    setPage(1);
    setSelected([]);
  }

  const side = { filter, q };
  const query = useAccountQuery(sideQuery(side, page, PAGE_SIZE));
  const data = query.data;
  const total = data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pageIds = data?.items.map((account) => account.id) ?? [];
  const pageAllSelected = pageIds.length > 0 && pageIds.every((id) => selected.includes(id));
  const pageSomeSelected = pageIds.some((id) => selected.includes(id));

  const apply = (allMatching: boolean) => {
    void action.run(sideSelection(side, selected, allMatching)).then((done) => {
      if (!done) return;
      setSelected([]);
      confirmModal.close();
    });
  };

  return (
    <Card withBorder radius="lg" p={0} data-testid={testId}>
      <Stack gap="sm" p="md">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={2}>
            <Title order={4}>{title}</Title>
            <Text size="sm" c="dimmed" data-testid={`${testId}-total`}>
              {data ? plural(total, "account") : "Loading…"}
            </Text>
          </Stack>
          <Button
            variant="default"
            size="xs"
            disabled={!total || action.pending}
            onClick={confirmModal.open}
            data-testid={`${testId}-all`}
          >
            {action.verb} all {total ? total.toLocaleString() : ""} matching
          </Button>
        </Group>
        {toolbar}
        <TextInput
          placeholder="Search by name, domain or external ID"
          aria-label={`Search ${title}`}
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
          data-testid={`${testId}-search`}
        />
        <Group gap="sm" mih={30}>
          {selected.length > 0 ? (
            <>
              <Text size="sm" fw={600} data-testid={`${testId}-selected`}>
                {plural(selected.length, "account")} selected
              </Text>
              <Button size="xs" onClick={() => apply(false)} loading={action.pending} data-testid={`${testId}-apply`}>
                {action.verb} {plural(selected.length, "account")}
              </Button>
              <Anchor component="button" size="sm" c="dimmed" onClick={() => setSelected([])}>
                Clear selection
              </Anchor>
            </>
          ) : (
            <Text size="sm" c="dimmed">
              Tick accounts to {action.verb.toLowerCase()} them.
            </Text>
          )}
        </Group>
      </Stack>

      {query.isError ? (
        <Box p="md">
          <ErrorState error={query.error} onRetry={() => void query.refetch()} title="Could not load accounts" />
        </Box>
      ) : data && total === 0 ? (
        <EmptyState title={q ? "No accounts match your search" : emptyTitle} description={q ? undefined : emptyDescription} />
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table
            highlightOnHover
            verticalSpacing="xs"
            style={{ opacity: query.isPlaceholderData ? 0.6 : 1, transition: "opacity 120ms" }}
          >
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox
                    aria-label={`Select all on this page of ${title}`}
                    checked={pageAllSelected}
                    indeterminate={!pageAllSelected && pageSomeSelected}
                    onChange={(event) => setSelected(toggleIds(selected, pageIds, event.currentTarget.checked))}
                  />
                </Table.Th>
                <Table.Th>Account</Table.Th>
                <Table.Th>CSMs</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {!data ? (
                <TableSkeletonRows columns={3} rows={6} />
              ) : (
                data.items.map((account) => (
                  <Table.Tr key={account.id} data-testid={`${testId}-row`}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${account.name}`}
                        checked={selected.includes(account.id)}
                        onChange={(event) => setSelected(toggleIds(selected, [account.id], event.currentTarget.checked))}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Anchor component={Link} to={`/accounts/${account.id}`} size="sm" fw={600} data-testid={`${testId}-name`}>
                          {account.name}
                        </Anchor>
                        {account.churned_on && (
                          <Badge size="xs" color="red" variant="light">
                            churned
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={account.csm_ids.length ? undefined : "dimmed"}>
                        {csmNames(account.csm_ids).join(", ") || "Unassigned"}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      {data && total > PAGE_SIZE && (
        <Group justify="space-between" p="md" gap="sm" style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>
          <Text size="sm" c="dimmed">
            {((page - 1) * PAGE_SIZE + 1).toLocaleString()}–{Math.min(page * PAGE_SIZE, total).toLocaleString()} of{" "}
            {total.toLocaleString()}
          </Text>
          <Pagination
            total={pages}
            value={Math.min(page, pages)}
            onChange={setPage}
            size="sm"
            getControlProps={(control) => ({ "aria-label": `${control} page of ${title}` })}
            data-testid={`${testId}-pagination`}
          />
        </Group>
      )}

      <ConfirmModal
        opened={confirmOpened}
        onClose={confirmModal.close}
        title={`${action.verb} ${plural(total, "account")}?`}
        confirmLabel={`${action.verb} ${plural(total, "account")}`}
        loading={action.pending}
        onConfirm={() => apply(true)}
      >
        {action.confirmAll(total)}
      </ConfirmModal>
    </Card>
  );
}
