import { Alert, Button, Group, SegmentedControl, Stack, Switch, Table, Text } from "@mantine/core";
import { notifications as toasts } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { errorMessage } from "../../api/errors";
import { CardSkeleton } from "../../components/states";
import { KINDS, withChoice, type EmailDigest, type NotificationPreferencesRead } from "./notifications";
import { useNotificationPreferences, useSaveNotificationPreferences } from "./queries";

/** Per kind, in the app and by email; and emails one by one or in a daily digest. */
export function NotificationPreferences() {
  const stored = useNotificationPreferences();
  const save = useSaveNotificationPreferences();
  const [draft, setDraft] = useState<NotificationPreferencesRead | null>(null);
  useEffect(() => {
    if (stored.data) setDraft(stored.data);
  }, [stored.data]);

  if (stored.isError) {
    return (
      <Alert color="red" variant="light">
        {errorMessage(stored.error)}
      </Alert>
    );
  }
  if (!draft) return <CardSkeleton lines={6} />;

  return (
    <Stack data-testid="notification-preferences">
      <Table verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Notification</Table.Th>
            <Table.Th w={90}>In the app</Table.Th>
            <Table.Th w={90}>By email</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {KINDS.map(({ kind, label, description }) => (
            <Table.Tr key={kind}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {label}
                </Text>
                <Text size="xs" c="dimmed">
                  {description}
                </Text>
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${label} in the app`}
                  checked={draft.kinds[kind]?.in_app ?? true}
                  onChange={(e) => setDraft(withChoice(draft, kind, { in_app: e.currentTarget.checked }))}
                />
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${label} by email`}
                  checked={draft.kinds[kind]?.email ?? false}
                  onChange={(e) => setDraft(withChoice(draft, kind, { email: e.currentTarget.checked }))}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Emails
        </Text>
        <SegmentedControl
          w="fit-content"
          value={draft.email_digest}
          onChange={(value) => setDraft({ ...draft, email_digest: value as EmailDigest })}
          data={[
            { value: "immediate", label: "One by one" },
            { value: "daily", label: "Daily digest" },
          ]}
        />
        <Text size="xs" c="dimmed">
          The daily digest comes at 07:00 in your organisation&apos;s time zone, with what is still unread then.
        </Text>
      </Stack>
      {save.isError && (
        <Alert color="red" variant="light">
          {errorMessage(save.error)}
        </Alert>
      )}
      <Group>
        <Button
          loading={save.isPending}
          onClick={() =>
            save.mutate(draft, {
              onSuccess: () => toasts.show({ color: "tenure", title: "Notifications saved", message: "They apply from now on." }),
            })
          }
        >
          Save notifications
        </Button>
      </Group>
    </Stack>
  );
}
