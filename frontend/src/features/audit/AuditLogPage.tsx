import { Badge, Box, Button, Card, Code, Group, Modal, Pagination, ScrollArea, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useSearchParams } from "react-router";
import type { AuditEntry } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useUserDirectory } from "../users/queries";
import { useAuditEntries } from "./queries";

const PAGE_SIZES = [25, 50, 100];

function actionColor(action: string): string {
  if (/delete|deactivat|revoke|disable/.test(action)) return "red";
  if (/create|invite|restore|reactivat|enable/.test(action)) return "tenure";
  return "blue";
}

function Json({ value }: { value: Record<string, unknown> | null }) {
  if (!value) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <Code block style={{ maxHeight: 320, overflow: "auto" }}>
      {JSON.stringify(value, null, 2)}
    </Code>
  );
}

export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const size = PAGE_SIZES.includes(Number(params.get("size"))) ? Number(params.get("size")) : 25;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const entries = useAuditEntries({ limit: size, offset: (page - 1) * size });
  const directory = useUserDirectory(true);
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const total = entries.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));

  const go = (next: { page?: number; size?: number }) => {
    const out = new URLSearchParams();
    const p = next.page ?? page;
    const s = next.size ?? size;
    if (p > 1) out.set("page", String(p));
    if (s !== 25) out.set("size", String(s));
    setParams(out);
  };

  const actor = (entry: AuditEntry) =>
    entry.actor_user_id ? (directory.byId.get(entry.actor_user_id)?.full_name ?? "A user") : "System";

  return (
    <>
      <PageHeader
        title="Audit log"
        description={entries.data ? <span data-testid="audit-total">{plural(total, "entry", "entries")}</span> : "Who changed what, and when."}
      />
      <Card withBorder radius="lg" p={0}>
        {entries.isError ? (
          <Box p="md">
            <ErrorState error={entries.error} onRetry={() => void entries.refetch()} title="Could not load the audit log" />
          </Box>
        ) : entries.data && entries.data.items.length === 0 ? (
          <EmptyState title="No activity yet" description="Changes to users, roles, settings and accounts will be recorded here." />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="audit-table" style={{ opacity: entries.isPlaceholderData ? 0.6 : 1 }}>
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.isPending ? (
                  <TableSkeletonRows columns={5} />
                ) : (
                  entries.data!.items.map((entry) => (
                    <Table.Tr key={entry.id} data-testid="audit-row">
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: "nowrap" }}>{formatDateTime(entry.created_at)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{actor(entry)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={actionColor(entry.action)} tt="none" radius="sm">
                          {entry.action}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {entry.entity_type}
                          {entry.entity_id && (
                            <Text span size="xs" c="dimmed" ff="monospace" ml={6}>
                              {entry.entity_id.slice(0, 8)}
                            </Text>
                          )}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        {(entry.before || entry.after) && (
                          <Button size="compact-xs" variant="subtle" onClick={() => setOpen(entry)}>
                            Details
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {entries.data && total > 0 && (
          <Group justify="space-between" p="md" style={{ borderTop: "1px solid var(--mantine-color-gray-2)" }}>
            <Select
              aria-label="Rows per page"
              data={PAGE_SIZES.map((s) => ({ value: String(s), label: `${s} per page` }))}
              value={String(size)}
              onChange={(value) => value && go({ size: Number(value), page: 1 })}
              allowDeselect={false}
              w={130}
              size="xs"
            />
            <Pagination total={pages} value={Math.min(page, pages)} onChange={(p) => go({ page: p })} size="sm" withEdges />
          </Group>
        )}
      </Card>
      <Modal opened={Boolean(open)} onClose={() => setOpen(null)} title="Change details" size="xl" centered>
        {open && (
          <ScrollArea.Autosize mah="70vh">
            <Stack>
              <Text size="sm" c="dimmed">
                {actor(open)} · {open.action} · {formatDateTime(open.created_at)}
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <Stack gap={4}>
                  <Title order={6}>Before</Title>
                  <Json value={open.before} />
                </Stack>
                <Stack gap={4}>
                  <Title order={6}>After</Title>
                  <Json value={open.after} />
                </Stack>
              </SimpleGrid>
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Modal>
    </>
  );
}
