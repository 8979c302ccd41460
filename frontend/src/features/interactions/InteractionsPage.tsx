import { Anchor, Badge, Box, Card, Group, Loader, Pagination, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { InteractionType } from "../../api/types";
import { headlineParts } from "../../components/richtext";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { INTERACTION_TYPES } from "../accounts/AccountTabs";
import { useInteractionSearch } from "../accounts/queries";

const PAGE_SIZE = 25;

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
  const q = params.get("q") ?? "";
  const type = (INTERACTION_TYPES.some((t) => t.value === params.get("type")) ? params.get("type") : null) as InteractionType | null;
  const page = Math.max(1, Number(params.get("page")) || 1);

  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  useEffect(() => {
    if (debounced.trim() !== q) set({ q: debounced.trim() || null, page: null });
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps

  const query = useInteractionSearch({ q, type: type ?? undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const data = query.data;
  const pages = Math.max(1, Math.ceil((data?.total ?? 0) / PAGE_SIZE));

  return (
    <>
      <PageHeader
        title="Interactions"
        description={data ? <span data-testid="interactions-total">{plural(data.total, "result")}</span> : "Calls, meetings, emails and notes across your accounts."}
      />
      <Card withBorder radius="lg" p={0}>
        <Group p="md" gap="sm">
          <TextInput
            placeholder="Search subjects, bodies and notes"
            aria-label="Search interactions"
            leftSection={<IconSearch size={16} />}
            rightSection={query.isFetching && !query.isPending ? <Loader size={14} /> : null}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={{ base: "100%", sm: 360 }}
          />
          <Select
            aria-label="Type"
            placeholder="All types"
            data={INTERACTION_TYPES}
            clearable
            value={type}
            onChange={(v) => set({ type: v, page: null })}
            w={160}
          />
        </Group>
        {query.isError ? (
          <Box p="md">
            <ErrorState error={query.error} onRetry={() => void query.refetch()} title="Could not search interactions" />
          </Box>
        ) : data && data.items.length === 0 ? (
          <EmptyState
            title={q || type ? "Nothing matches" : "No interactions yet"}
            description={q || type ? "Try other words or another type." : "Interactions logged on accounts show up here."}
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
                        <Badge size="sm" variant="light" tt="none" color={item.kind === "note" ? "yellow" : undefined}>
                          {item.kind === "note" ? "Note" : (INTERACTION_TYPES.find((t) => t.value === item.type)?.label ?? item.type)}
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
                      <Table.Td>
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
