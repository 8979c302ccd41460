import { Alert, Badge, Box, Button, Card, Code, Group, List, Modal, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle, IconRotateClockwise } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { WebhookSecretCreated } from "../../api/types";
import { formatDateTime } from "../../components/format";
import { ErrorState, TableSkeletonRows } from "../../components/states";
import { useOrganisation } from "../organisation/queries";
import { CopyableCode, OneTimeSecret } from "./CopyableCode";
import { inboundWebhookUrl, secretWorksUntil } from "./integration";
import { useRotateWebhookSecret, useWebhookSecrets } from "./queries";

function RotateSecretModal({ opened, onClose, hasSecret }: { opened: boolean; onClose: () => void; hasSecret: boolean }) {
  const rotate = useRotateWebhookSecret();
  const [created, setCreated] = useState<WebhookSecretCreated | null>(null);

  const close = () => {
    // Forget the secret as soon as the dialog goes: it is never shown again.
    setCreated(null);
    rotate.reset();
    onClose();
  };

  const run = () =>
    rotate.mutate(undefined, {
      onSuccess: (secret) => {
        setCreated(secret);
        notifications.show({ color: "tenure", title: "Signing secret rotated", message: `The new secret ends in ${secret.hint}.` });
      },
    });

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? "Your new signing secret" : hasSecret ? "Rotate the signing secret?" : "Create a signing secret?"}
      size="lg"
      centered
      closeOnClickOutside={!created}
    >
      {created ? (
        <Stack>
          <OneTimeSecret value={created.secret} title="This is the only time the secret is shown" testId="new-webhook-secret">
            {hasSecret && "The previous secret keeps working for 24 hours while your senders switch over."}
          </OneTimeSecret>
          <Group justify="flex-end">
            <Button onClick={close}>I've copied the secret</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          {rotate.isError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(rotate.error)}
            </Alert>
          )}
          <Text size="sm">
            {hasSecret
              ? "A new secret will sign inbound webhooks from now on. The current one keeps working for 24 hours, then stops: update every sender before then."
              : "Senders sign each webhook with this secret, and Tenure refuses webhooks without a valid signature."}
          </Text>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={rotate.isPending}>
              Cancel
            </Button>
            <Button onClick={run} loading={rotate.isPending}>
              {hasSecret ? "Rotate secret" : "Create secret"}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

export function WebhookSection() {
  const secrets = useWebhookSecrets();
  const organisation = useOrganisation();
  const [rotateOpened, rotateModal] = useDisclosure(false);
  const hasSecret = Boolean(secrets.data?.some((s) => !s.retired_at));

  return (
    <Card withBorder radius="lg" p={0}>
      <Group justify="space-between" p="md" wrap="wrap" gap="sm" style={{ borderBottom: "1px solid var(--mantine-color-gray-2)" }}>
        <Stack gap={2}>
          <Title order={4}>Inbound webhooks</Title>
          <Text size="sm" c="dimmed">
            Systems that cannot hold an API key can push the same data as signed webhooks.
          </Text>
        </Stack>
        <Button variant="default" leftSection={<IconRotateClockwise size={16} />} onClick={rotateModal.open} disabled={!secrets.data}>
          {secrets.data && !hasSecret ? "Create secret" : "Rotate secret"}
        </Button>
      </Group>
      <Stack p="md" gap="md">
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Webhook URL
          </Text>
          {organisation.isError ? (
            <Text size="sm" c="red">
              {errorMessage(organisation.error)}
            </Text>
          ) : organisation.data ? (
            <CopyableCode value={inboundWebhookUrl(window.location.origin, organisation.data.id)} label="Copy the webhook URL" testId="webhook-url" />
          ) : (
            <Skeleton height={22} width={420} />
          )}
        </Stack>

        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Signing secrets
          </Text>
          {secrets.isError ? (
            <ErrorState error={secrets.error} onRetry={() => void secrets.refetch()} title="Could not load the signing secrets" />
          ) : secrets.data && secrets.data.length === 0 ? (
            <Text size="sm" c="dimmed">
              No signing secret yet: create one before sending webhooks.
            </Text>
          ) : (
            <Box style={{ border: "1px solid var(--mantine-color-gray-2)", borderRadius: "var(--mantine-radius-md)" }}>
              <Table verticalSpacing="xs" horizontalSpacing="md" data-testid="webhook-secrets-table">
                <Table.Thead bg="gray.0">
                  <Table.Tr>
                    <Table.Th>Secret</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {secrets.isPending ? (
                    <TableSkeletonRows columns={3} rows={1} />
                  ) : (
                    secrets.data!.map((secret) => (
                      <Table.Tr key={secret.id} data-testid="webhook-secret-row">
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            whsec_{secret.hint}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{formatDateTime(secret.created_at)}</Text>
                        </Table.Td>
                        <Table.Td>
                          {secret.retired_at ? (
                            <Group gap="xs">
                              <Badge color="gray" variant="light">
                                Retired
                              </Badge>
                              <Text size="xs" c="dimmed">
                                still accepted until {formatDateTime(secretWorksUntil(secret.retired_at).toISOString())}
                              </Text>
                            </Group>
                          ) : (
                            <Badge color="tenure" variant="light">
                              Current
                            </Badge>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))
                  )}
                </Table.Tbody>
              </Table>
            </Box>
          )}
        </Stack>

        <Stack gap={4}>
          <Text size="sm" fw={600}>
            How to sign a webhook
          </Text>
          <Text size="sm">
            Tenure follows <b>Standard Webhooks</b>. POST a JSON body <Code>{'{"type": …, "data": …}'}</Code> carrying what the batch
            API would take, with three headers:
          </Text>
          <List size="sm" spacing={4}>
            <List.Item>
              <Code>webhook-id</Code>: a unique id per message. A webhook-id seen before is ignored (answered with its first
              receipt), so retries are safe.
            </List.Item>
            <List.Item>
              <Code>webhook-timestamp</Code>: Unix seconds when it was sent; more than 5 minutes away from Tenure's clock is
              refused.
            </List.Item>
            <List.Item>
              <Code>webhook-signature</Code>: <Code>v1,</Code> followed by the base64 HMAC-SHA256 of{" "}
              <Code>{"{webhook-id}.{webhook-timestamp}.{body}"}</Code>, keyed with the secret (the base64 part after{" "}
              <Code>whsec_</Code>). Several space-separated signatures are allowed while you rotate.
            </List.Item>
          </List>
          <Text size="xs" c="dimmed">
            The Standard Webhooks libraries (for Python, Node, Go, Ruby, …) do all of this for you.
          </Text>
        </Stack>
      </Stack>
      <RotateSecretModal opened={rotateOpened} onClose={rotateModal.close} hasSecret={hasSecret} />
    </Card>
  );
}
