import { Anchor, Badge, Box, Button, Card, Group, Loader, Pagination, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { headlineParts } from "../../components/richtext";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { AccountPicker } from "../accounts/AccountPicker";
import { INTERACTION_TYPES, interactionTypeLabel } from "../accounts/ActivityForms";
import { useInteractionSearch } from "../accounts/queries";
import { useUserDirectory } from "../users/queries";
import { dayRange, hasFilters, rangeError, readSearchState, searchTotal } from "./search";

const PAGE_SIZE = 25;
const FILTER_KEYS = ["type", "account", "author", "from", "to"];

/** The search snippet: the server's <mark> hits become marks; everything else is shown as text. */
function Headline({ text }: { text: string }) {
  return (
    <Text size="sm" c="dimmed" lineClamp={2}>
      {headlineParts(text).map((part, i) => (part.hit ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </Text>
  );
}

export function InteractionsPage() {
  const [params, setParams] = useSearchParams();
  const state = readSearchState(params);
  const { q, type, account, author, from, to, page } = state;
  const filtered = hasFilters(state);
  const directory = useUserDirectory(true);

  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  // Any change of what is searched starts again from the first page.
  const filter = (key: string, value: string | null) => set({ [key]: value, page: null });

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  useEffect(() => {
    if (debounced.trim() !== q) set({ q: debounced.trim() || null, page: null });
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps

  const query = useInteractionSearch({
    q,
    type: type ?? undefined,
    account_id: account ?? undefined,
    author_id: author ?? undefined,
    ...dayRange(from, to),
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  const data = query.data;
  const pages = Math.max(1, Math.ceil((data?.total ?? 0) / PAGE_SIZE));
  const badRange = rangeError(from, to);
  const authors = (directory.data ?? []).map((user) => ({
    value: user.id,
    label: user.status === "inactive" ? `${user.full_name} (inactive)` : user.full_name,
  }));

  return (
    <>
      <PageHeader
        title="Interactions"
        description={
          data ? (
            <span data-testid="interactions-total">{searchTotal(data.total, data.total_capped)}</span>
          ) : (
            "Calls, meetings, emails and notes across your accounts."
          )
        }
      />
      <Card withBorder radius="lg" p={0}>
        <Group p="md" gap="sm" align="flex-start" data-testid="interaction-filters">
          <TextInput
            placeholder="Search subjects, bodies and notes"
            aria-label="Search interactions"
            leftSection={<IconSearch size={16} />}
            rightSection={query.isFetching && !query.isPending ? <Loader size={14} /> : null}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={{ base: "100%", sm: 320 }}
          />
          <Select
            aria-label="Type"
            placeholder="All types"
            data={INTERACTION_TYPES}
            clearable
            value={type}
            onChange={(v) => filter("type", v)}
            w={140}
          />
          <AccountPicker
            aria-label="Account"
            placeholder="All accounts"
            clearable
            value={account}
            onChange={(v) => filter("account", v)}
            w={200}
          />
          <Select
            aria-label="Author"
            placeholder="Anyone"
            data={authors}
            searchable
            clearable
            value={author}
            onChange={(v) => filter("author", v)}
            nothingFoundMessage="No team member by that name"
            w={180}
          />
          <TextInput
            type="date"
            aria-label="From"
            leftSection={<Text size="xs" c="dimmed">From</Text>}
            leftSectionWidth={44}
            value={from ?? ""}
            max={to ?? undefined}
            onChange={(e) => filter("from", e.currentTarget.value || null)}
            w={190}
          />
          <TextInput
            type="date"
            aria-label="To"
            leftSection={<Text size="xs" c="dimmed">To</Text>}
            leftSectionWidth={32}
            value={to ?? ""}
            min={from ?? undefined}
            onChange={(e) => filter("to", e.currentTarget.value || null)}
            error={badRange}
            w={180}
          />
          {filtered && (
            <Button variant="subtle" color="gray" onClick={() => set({ ...Object.fromEntries(FILTER_KEYS.map((k) => [k, null])), page: null })}>
              Clear filters
            </Button>
          )}
        </Group>
        {query.isError ? (
          <Box p="md">
            <ErrorState error={query.error} onRetry={() => void query.refetch()} title="Could not search interactions" />
          </Box>
        ) : data && data.items.length === 0 ? (
          <EmptyState
            title={q || filtered ? "Nothing matches" : "No interactions yet"}
            description={q || filtered ? "Try other words or fewer filters." : "Interactions logged on accounts show up here."}
          />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="interactions-search-table">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Subject</Table.Th>
                  <Table.Th>By</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.isPending ? (
                  <TableSkeletonRows columns={5} />
                ) : (
                  data?.items.map((item) => (
                    <Table.Tr key={`${item.kind}-${item.id}`} data-testid="interaction-result">
                      <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(item.occurred_at)}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/accounts/${item.account_id}?tab=${item.kind === "note" ? "notes" : "interactions"}`} size="sm" fw={600}>
                          {item.account_name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        {/* Never cut to "N…": the column widens instead. */}
                        <Badge size="sm" variant="light" tt="none" color={item.kind === "note" ? "yellow" : undefined} styles={{ label: { overflow: "visible" } }}>
                          {item.kind === "note" ? "Note" : interactionTypeLabel(item.type)}
                        </Badge>
                      </Table.Td>
                      <Table.Td maw={420}>
                        <Stack gap={2}>
                          {item.subject && (
                            <Text size="sm" fw={600}>
                              {item.subject}
                            </Text>
                          )}
                          <Headline text={item.headline} />
                        </Stack>
                      </Table.Td>
                      {/* One line: "Casey CSM" wrapped beside a two-line headline at 1280 pixels. */}
                      <Table.Td style={{ whiteSpace: "nowrap" }} data-testid="interaction-author">
                        <Text size="sm">{item.author_name ?? "—"}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {data && data.total > PAGE_SIZE && (
          <Group justify="flex-end" p="md" style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>
            <Pagination total={pages} value={Math.min(page, pages)} onChange={(p) => set({ page: p > 1 ? String(p) : null })} size="sm" />
          </Group>
        )}
      </Card>
    </>
  );
}
