import { Badge, Box, Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconKey, IconListDetails, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { ApiKey } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { formatDateTime } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { ApiLogDrawer } from "./ApiLogDrawer";
import { maskedKey, SCOPES } from "./integration";
import { NewApiKeyModal } from "./NewApiKeyModal";
import { useApiKeys, useRevokeApiKey } from "./queries";

const COLUMNS = ["Name", "Key", "Scopes", "Created", "Last used", "Status", ""];
const SCOPE_LABEL = new Map(SCOPES.map((s) => [s.value, s.label]));

export function ApiKeysSection() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const [newOpened, newModal] = useDisclosure(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [logKey, setLogKey] = useState<ApiKey | null>(null);

  const confirmRevoke = () => {
    if (!revoking) return;
    const key = revoking;
    revoke.mutate(key.id, {
      onSuccess: () => {
        notifications.show({ color: "tenure", title: "API key revoked", message: `${key.name} no longer works.` });
        setRevoking(null);
      },
      onError: (error) => notifications.show({ color: "red", title: "Could not revoke the key", message: errorMessage(error) }),
    });
  };

  let content;
  if (keys.isError) {
    content = (
      <Box p="md">
        <ErrorState error={keys.error} onRetry={() => void keys.refetch()} title="Could not load the API keys" />
      </Box>
    );
  } else if (keys.data && keys.data.length === 0) {
    content = (
      <EmptyState
        icon={<IconKey size={28} />}
        title="No API keys yet"
        description="Create a key for each system that sends data to Tenure or reads from it."
        action={
          <Button leftSection={<IconPlus size={16} />} onClick={newModal.open}>
            New API key
          </Button>
        }
      />
    );
  } else {
    content = (
      <Table.ScrollContainer minWidth={860}>
        <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="api-keys-table">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              {COLUMNS.map((c) => (
                <Table.Th key={c} style={{ whiteSpace: "nowrap" }}>
                  {c}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.isPending ? (
              <TableSkeletonRows columns={COLUMNS.length} rows={3} />
            ) : (
              keys.data!.map((key) => (
                <Table.Tr key={key.id} data-testid="api-key-row" style={{ opacity: key.revoked_at ? 0.65 : 1 }}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {key.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                      {maskedKey(key.prefix)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {key.scopes.map((scope) => (
                        <Badge key={scope} variant="light" color={scope === "full" ? "grape" : "blue"} radius="sm" tt="none">
                          {SCOPE_LABEL.get(scope) ?? scope}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                      {formatDateTime(key.created_at)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                      {key.last_used_at ? formatDateTime(key.last_used_at) : "Never"}
                    </Text>
                  </Table.Td>
                  <Table.Td miw={100}>
                    {key.revoked_at ? (
                      <Stack gap={0}>
                        <Badge color="red" variant="light" data-testid="api-key-status">
                          Revoked
                        </Badge>
                        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                          {formatDateTime(key.revoked_at)}
                        </Text>
                      </Stack>
                    ) : (
                      <Badge color="tenure" variant="light" data-testid="api-key-status">
                        Active
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      <Button size="compact-sm" variant="subtle" leftSection={<IconListDetails size={14} />} onClick={() => setLogKey(key)}>
                        API log
                      </Button>
                      {!key.revoked_at && (
                        <Button size="compact-sm" variant="subtle" color="red" onClick={() => setRevoking(key)}>
                          Revoke
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  }

  return (
    <Card withBorder radius="lg" p={0}>
      <Group justify="space-between" p="md" wrap="wrap" gap="sm" style={{ borderBottom: "1px solid var(--mantine-color-gray-2)" }}>
        <Stack gap={2}>
          <Title order={4}>API keys</Title>
          <Text size="sm" c="dimmed">
            Keys let other systems call the API. Each is shown once, when it is created.
          </Text>
        </Stack>
        <Button leftSection={<IconPlus size={16} />} onClick={newModal.open}>
          New API key
        </Button>
      </Group>
      {content}

      <NewApiKeyModal opened={newOpened} onClose={newModal.close} />
      <ApiLogDrawer apiKey={logKey} onClose={() => setLogKey(null)} />
      <ConfirmModal
        opened={Boolean(revoking)}
        onClose={() => setRevoking(null)}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        danger
        loading={revoke.isPending}
        onConfirm={confirmRevoke}
      >
        {revoking
          ? `Calls made with “${revoking.name}” (${maskedKey(revoking.prefix)}) will be refused from now on. This cannot be undone; its API log stays readable.`
          : ""}
      </ConfirmModal>
    </Card>
  );
}
