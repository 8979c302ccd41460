import { Badge, Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useAlerts } from "../alerts/queries";
import { useCan } from "../auth/queries";
import { useTasks } from "./queries";
import { TaskFormModal } from "./TaskFormModal";
import { TaskTable } from "./TaskTable";

const SHOWN = 20;

/** An account's open tasks and open alerts, on its overview. */
export function AccountTasksCard({ accountId }: { accountId: string }) {
  const [creating, setCreating] = useState(false);
  const canWork = useCan()("update_accounts");
  // A notification's link names its task.
  const [params] = useSearchParams();
  const tasks = useTasks({ account_id: accountId, status: "open", limit: SHOWN, offset: 0 });
  const alerts = useAlerts({ account_id: accountId, status: "open", limit: SHOWN, offset: 0 });
  return (
    <Card withBorder radius="lg" p="lg" mt="md" data-testid="account-tasks">
      <Group justify="space-between" mb="md">
        <Title order={5}>Open tasks and alerts</Title>
        {canWork && (
          <Button size="xs" variant="default" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
            New task
          </Button>
        )}
      </Group>
      <Stack>
        {tasks.isError ? (
          <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} title="Could not load tasks" />
        ) : tasks.isPending ? (
          <CardSkeleton lines={2} />
        ) : tasks.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No open tasks.
          </Text>
        ) : (
          <TaskTable tasks={tasks.data.items} showAccount={false} markedId={params.get("task")} />
        )}
        {alerts.data && alerts.data.items.length > 0 && (
          <Table verticalSpacing={4} fz="sm" data-testid="account-alerts">
            <Table.Tbody>
              {alerts.data.items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm" fw={500}>
                        {a.rule_name}
                      </Text>
                      <Badge variant="light">{a.task_id ? "alert task" : a.type}</Badge>
                    </Group>
                    <Text size="xs" c="dimmed">
                      {a.reason}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatDateTime(a.fired_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {creating && <TaskFormModal accountId={accountId} onClose={() => setCreating(false)} />}
    </Card>
  );
}
