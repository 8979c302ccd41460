import { Badge, Box, Button, Card, Group, Modal, Pagination, ScrollArea, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useSearchParams } from "react-router";
import type { AuditEntry } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { useRoles } from "../roles/queries";
import { useStages, useTiers } from "../settings/queries";
import { useUserDirectory } from "../users/queries";
import { changedFields, recordFields, type AuditNames } from "./changes";
import { auditQuery, readAuditFilters, type AuditFilters } from "./filters";
import { useAuditActions, useAuditEntries } from "./queries";

const PAGE_SIZES = [25, 50, 100];

function actionColor(action: string): string {
  if (/delete|deactivat|revoke|disable/.test(action)) return "red";
  if (/create|invite|restore|reactivat|enable/.test(action)) return "tenure";
  return "blue";
}

/** A record created or deleted in full, a field a row. */
function RecordTable({ record, names, testId }: { record: Record<string, unknown>; names: AuditNames; testId: string }) {
  return (
    <Table data-testid={testId} verticalSpacing={6}>
      <Table.Tbody>
        {recordFields(record, names).map((row) => (
          <Table.Tr key={row.field}>
            <Table.Td w="35%">
              <Text size="sm" fw={500}>{row.field}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" style={{ wordBreak: "break-word" }}>{row.value}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** An update's fields as a table, before and after; a record created or deleted in full. */
function Changes({ entry, names }: { entry: AuditEntry; names: AuditNames }) {
  if (entry.before && entry.after) {
    const changes = changedFields(entry.before, entry.after, names);
    if (changes.length === 0) return <Text size="sm" c="dimmed">Saved with no field changed.</Text>;
    return (
      <Table data-testid="audit-changes" verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Field</Table.Th>
            <Table.Th>Before</Table.Th>
            <Table.Th>After</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {changes.map((change) => (
            <Table.Tr key={change.field}>
              <Table.Td>
                <Text size="sm" fw={500}>{change.field}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: "break-word" }}>{change.before}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: "break-word" }}>{change.after}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }
  const record = entry.after ?? entry.before;
  if (!record) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <Stack gap={4}>
      <Title order={6}>{entry.after ? "Created as" : "As it was when deleted"}</Title>
      <RecordTable record={record} names={names} testId="audit-record" />
    </Stack>
  );
}

export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const size = PAGE_SIZES.includes(Number(params.get("size"))) ? Number(params.get("size")) : 25;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const filters = readAuditFilters(params);
  const entries = useAuditEntries({ limit: size, offset: (page - 1) * size, ...auditQuery(filters) });
  const directory = useUserDirectory(true);
  const tiers = useTiers();
  const stages = useStages();
  const roles = useRoles();
  const names: AuditNames = {
    tiers: new Map((tiers.data ?? []).map((tier) => [tier.id, tier.name])),
    stages: new Map((stages.data ?? []).map((stage) => [stage.id, stage.name])),
    users: new Map([...directory.byId.values()].map((user) => [user.id, user.full_name || user.email])),
    roles: new Map((roles.data ?? []).map((role) => [role.id, role.name])),
  };
  const actions = useAuditActions();
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const total = entries.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));
  const filtered = Object.values(filters).some(Boolean);

  const go = (next: { page?: number; size?: number; filters?: AuditFilters }) => {
    const out = new URLSearchParams();
    const p = next.page ?? page;
    const s = next.size ?? size;
    const f = next.filters ?? filters;
    for (const [key, value] of Object.entries(f)) if (value) out.set(key, value);
    if (p > 1) out.set("page", String(p));
    if (s !== 25) out.set("size", String(s));
    setParams(out);
  };
  const filter = (change: Partial<AuditFilters>) => go({ filters: { ...filters, ...change }, page: 1 });

  // Names come with each entry; a user since removed keeps the name the directory still has.
  const actor = (entry: AuditEntry) =>
    entry.actor_user_id
      ? (entry.actor_name ?? directory.byId.get(entry.actor_user_id)?.full_name ?? "A removed user")
      : // An integration's API key, by name, else the organisation's own rules.
        (entry.actor_name ?? "System");

  return (
    <>
      <PageHeader
        title="Audit log"
        description={entries.data ? <span data-testid="audit-total">{plural(total, "entry", "entries")}</span> : "Who changed what, and when."}
      />
      <Group mb="md" align="flex-end" gap="sm" data-testid="audit-filters">
        <Select
          label="Who"
          placeholder="Anyone"
          data={(directory.data ?? []).map((u) => ({ value: u.id, label: u.full_name }))}
          value={filters.actor}
          onChange={(value) => filter({ actor: value })}
          searchable
          clearable
          w={220}
        />
        <Select
          label="Action"
          placeholder="Any action"
          data={actions.data ?? []}
          value={filters.action}
          onChange={(value) => filter({ action: value })}
          searchable
          clearable
          w={240}
        />
        <TextInput
          label="From"
          type="date"
          value={filters.from ?? ""}
          onChange={(e) => filter({ from: e.currentTarget.value || null })}
          w={160}
        />
        <TextInput
          label="To"
          type="date"
          value={filters.to ?? ""}
          onChange={(e) => filter({ to: e.currentTarget.value || null })}
          w={160}
        />
        {filtered && (
          <Button variant="subtle" onClick={() => go({ filters: { actor: null, action: null, from: null, to: null }, page: 1 })}>
            Clear filters
          </Button>
        )}
      </Group>
      <Card withBorder radius="lg" p={0}>
        {entries.isError ? (
          <Box p="md">
            <ErrorState error={entries.error} onRetry={() => void entries.refetch()} title="Could not load the audit log" />
          </Box>
        ) : entries.data && entries.data.items.length === 0 ? (
          filtered ? (
            <EmptyState title="No matching changes" description="No change matches these filters." />
          ) : (
            <EmptyState title="No activity yet" description="Changes to users, roles, settings and accounts will be recorded here." />
          )
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
                          {entry.target_name ?? "—"}
                          <Text span size="xs" c="dimmed" ml={6}>
                            {entry.entity_type.replace(/_/g, " ")}
                          </Text>
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
              <Changes entry={open} names={names} />
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Modal>
    </>
  );
}
