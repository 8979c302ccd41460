import { Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { describeDriver, formatProbability } from "./churn";
import { useChurnDrivers } from "./queries";
import { useMetricFormatter } from "../metrics/useMetricFormatter";

/** The account's churn probability and the metrics that push it up or down most. */
export function ChurnCard({ accountId }: { accountId: string }) {
  const drivers = useChurnDrivers(accountId);
  const format = useMetricFormatter();
  if (drivers.isError) return <ErrorState error={drivers.error} onRetry={() => void drivers.refetch()} title="Could not load the churn probability" />;
  if (drivers.isPending) return <CardSkeleton lines={2} />;
  const d = drivers.data;
  return (
    <Card withBorder radius="lg" p="lg" data-testid="account-churn">
      <Title order={5} mb="sm">
        Churn probability
      </Title>
      {d === null ? (
        <Text size="sm" c="dimmed">
          No churn model has been trained yet.
        </Text>
      ) : (
        <Stack gap="sm">
          <Group gap="lg" align="center">
            <Text fz={32} fw={700} lh={1} data-testid="churn-probability">
              {formatProbability(d.probability)}
            </Text>
            <Text size="xs" c="dimmed">
              of churning within {d.horizon_days} days · model trained {formatDateTime(d.trained_at)}
            </Text>
          </Group>
          <Table verticalSpacing={4} data-testid="churn-drivers">
            <Table.Tbody>
              {d.drivers.map((driver) => (
                <Table.Tr key={driver.key} data-testid="churn-driver">
                  <Table.Td fw={500}>{driver.label}</Table.Td>
                  <Table.Td>
                    <Text size="sm" c={driver.contribution > 0 ? "red" : driver.contribution < 0 ? "teal" : "dimmed"}>
                      {describeDriver(driver, format)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Card>
  );
}
