import { ActionIcon, Badge, Box, Button, Code, Drawer, Group, Pagination, Stack, Switch, Table, Text } from "@mantine/core";
import { IconChevronDown, IconChevronRight, IconRefresh } from "@tabler/icons-react";
import { Fragment, useState } from "react";
import type { ApiCall, ApiKey } from "../../api/types";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { formatDuration, maskedKey, statusColor } from "./integration";
import { useApiCalls } from "./queries";

const PAGE_SIZE = 20;
const COLUMNS = 8;

function CallErrors({ call }: { call: ApiCall }) {
  return (
    <Table withRowBorders={false} verticalSpacing={4} fz="xs" data-testid="api-call-errors">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={70}>Index</Table.Th>
          <Table.Th w={200}>Id</Table.Th>
          <Table.Th>Error</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {call.errors.map((error, i) => (
          <Table.Tr key={i}>
            <Table.Td>{error.index ?? "—"}</Table.Td>
            <Table.Td ff="monospace" style={{ wordBreak: "break-all" }}>
              {error.id ?? "—"}
            </Table.Td>
            <Table.Td style={{ whiteSpace: "pre-wrap" }}>{error.message}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function CallLog({ apiKey }: { apiKey: ApiKey }) {
  const [onlyErrors, setOnlyErrors] = useState(false);
  const [page, setPage] = useState(1);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const calls = useApiCalls(apiKey.id, { only_errors: onlyErrors, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const total = calls.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  let body;
  if (calls.isError) {
    body = <ErrorState error={calls.error} onRetry={() => void calls.refetch()} title="Could not load the API log" />;
  } else if (calls.data && calls.data.items.length === 0) {
    body = (
      <EmptyState
        title={onlyErrors ? "No failed calls" : "No calls yet"}
        description={
          onlyErrors
            ? "Every call in the last 14 days succeeded and every record was accepted."
            : "Calls made with this key in the last 14 days will appear here."
        }
      />
    );
  } else {
    body = (
      <Table.ScrollContainer minWidth={820}>
        <Table verticalSpacing="xs" horizontalSpacing="sm" data-testid="api-log-table" style={{ opacity: calls.isPlaceholderData ? 0.6 : 1 }}>
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th w={36} />
              <Table.Th>Time</Table.Th>
              <Table.Th>Method</Table.Th>
              <Table.Th>Path</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Duration</Table.Th>
              <Table.Th ta="right">Accepted</Table.Th>
              <Table.Th ta="right">Rejected</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {calls.isPending ? (
              <TableSkeletonRows columns={COLUMNS} rows={5} />
            ) : (
              calls.data!.items.map((call) => {
                const open = expanded.has(call.id);
                const hasErrors = call.errors.length > 0;
                return (
                  <Fragment key={call.id}>
                    <Table.Tr data-testid="api-call-row">
                      <Table.Td>
                        {hasErrors && (
                          <ActionIcon
                            variant="subtle"
                            color="gray"
                            size="sm"
                            onClick={() => toggle(call.id)}
                            aria-expanded={open}
                            aria-label={open ? "Hide errors" : "Show errors"}
                          >
                            {open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
                          </ActionIcon>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                          {formatDateTime(call.received_at)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {call.method}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace" style={{ overflowWrap: "break-word" }}>
                          {call.path}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={statusColor(call.status)} variant="light" radius="sm" data-testid="api-call-status">
                          {call.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                          {formatDuration(call.duration_ms)}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm">{call.accepted.toLocaleString()}</Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text size="sm" c={call.rejected ? "red" : undefined} fw={call.rejected ? 600 : undefined}>
                          {call.rejected.toLocaleString()}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                    {open && (
                      <Table.Tr>
                        <Table.Td />
                        <Table.Td colSpan={COLUMNS - 1} bg="red.0">
                          <CallErrors call={call} />
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                );
              })
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  }

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Calls made with <Code>{maskedKey(apiKey.prefix)}</Code> in the last 14 days, newest first.
        {apiKey.revoked_at && ` The key was revoked on ${formatDateTime(apiKey.revoked_at)}.`}
      </Text>
      <Group justify="space-between">
        <Switch
          label="Only errors"
          checked={onlyErrors}
          onChange={(event) => {
            setOnlyErrors(event.currentTarget.checked);
            setPage(1);
          }}
        />
        <Group gap="sm">
          {calls.data && (
            <Text size="sm" c="dimmed" data-testid="api-log-total">
              {plural(total, "call")}
            </Text>
          )}
          <Button
            variant="default"
            size="xs"
            leftSection={<IconRefresh size={14} />}
            loading={calls.isFetching && !calls.isPending}
            onClick={() => void calls.refetch()}
          >
            Refresh
          </Button>
        </Group>
      </Group>
      <Box>{body}</Box>
      {total > PAGE_SIZE && (
        <Group justify="flex-end">
          <Pagination total={pages} value={Math.min(page, pages)} onChange={setPage} size="sm" withEdges />
        </Group>
      )}
    </Stack>
  );
}

/** The API log of one key: its calls of the last 14 days, with every rejected record and why. */
export function ApiLogDrawer({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  return (
    <Drawer
      opened={Boolean(apiKey)}
      onClose={onClose}
      position="right"
      size={980}
      title={apiKey ? `API log · ${apiKey.name}` : "API log"}
    >
      {/* Keyed by key, so the switch and page start afresh for each. */}
      {apiKey && <CallLog key={apiKey.id} apiKey={apiKey} />}
    </Drawer>
  );
}
