import { Alert, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { errorMessage } from "../../api/errors";
import { formatDate, formatDateTime } from "../../components/format";
import { CardSkeleton, ErrorState } from "../../components/states";
import { formatAuc, formatRate, LOOSE_CALIBRATION, worstCalibrationGap } from "./churn";
import { type ChurnModelRead, useChurnModel, useTrainChurnModel } from "./queries";
import { useMetricFormatter } from "../metrics/useMetricFormatter";

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}

function LiveModel({ model }: { model: ChurnModelRead }) {
  const format = useMetricFormatter();
  const gap = model.held_out ? worstCalibrationGap(model.held_out.bins) : null;
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        <Figure label="Trained" value={formatDateTime(model.trained_at)} />
        <Figure label="Snapshot days" value={`${formatDate(model.first_day)} – ${formatDate(model.last_day)}`} />
        <Figure label="Account-days" value={model.rows.toLocaleString()} />
        <Figure label="Churn events" value={model.churn_events.toLocaleString()} />
        <Figure label="Held-out AUC" value={formatAuc(model.held_out?.auc)} testId="churn-auc" />
      </SimpleGrid>
      <Table verticalSpacing={4} data-testid="churn-features">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Metric</Table.Th>
            <Table.Th ta="right">Mean</Table.Th>
            <Table.Th ta="right">Effect per standard deviation</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...model.features]
            .sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient))
            .map((f) => (
              <Table.Tr key={f.key}>
                <Table.Td>{f.label}</Table.Td>
                <Table.Td ta="right">{format(f.key, f.mean)}</Table.Td>
                <Table.Td ta="right" c={f.coefficient > 0 ? "red" : "teal"}>
                  {f.coefficient > 0 ? "+" : ""}
                  {f.coefficient.toFixed(2)} log-odds
                </Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
      {model.held_out && (
        <Stack gap={4}>
          <Text fw={600} size="sm">
            Calibration on the held-out days (from {formatDate(model.held_out.cutoff)})
          </Text>
          <Text size="xs" c="dimmed">
            Brier score {model.held_out.brier?.toFixed(3) ?? "—"} · worst gap {gap == null ? "—" : formatRate(gap)} between
            predicted and observed churn
          </Text>
          {gap != null && gap > LOOSE_CALIBRATION && (
            <Alert color="yellow" data-testid="churn-loose-calibration">
              On the days it did not see, the model ranked accounts well (AUC {formatAuc(model.held_out.auc)}), but its probabilities
              were off by up to {formatRate(gap)}: read them as an order of risk (which accounts first), not as the chance of churning.
            </Alert>
          )}
          <Table verticalSpacing={2} data-testid="churn-calibration">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Predicted</Table.Th>
                <Table.Th ta="right">Account-days</Table.Th>
                <Table.Th ta="right">Mean predicted</Table.Th>
                <Table.Th ta="right">Churned</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {model.held_out.bins.map((b) => (
                <Table.Tr key={b.low}>
                  <Table.Td>
                    {formatRate(b.low)}–{formatRate(b.high)}
                  </Table.Td>
                  <Table.Td ta="right">{b.rows}</Table.Td>
                  <Table.Td ta="right">{formatRate(b.predicted)}</Table.Td>
                  <Table.Td ta="right">{formatRate(b.observed)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      {model.backtest && (
        <Stack gap={4}>
          <Text fw={600} size="sm">
            Backtest: accounts on {formatDate(model.backtest.day)}, scored by the model trained before it
          </Text>
          <Text size="xs" c="dimmed">
            {model.backtest.accounts} accounts, {model.backtest.churned} churned within {model.horizon_days} days · AUC{" "}
            {formatAuc(model.backtest.auc)}
          </Text>
          <Table verticalSpacing={2} data-testid="churn-deciles">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Decile (riskiest first)</Table.Th>
                <Table.Th ta="right">Probability</Table.Th>
                <Table.Th ta="right">Accounts</Table.Th>
                <Table.Th ta="right">Churned</Table.Th>
                <Table.Th ta="right">Churn rate</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {model.backtest.deciles.map((d) => (
                <Table.Tr key={d.decile}>
                  <Table.Td>{d.decile}</Table.Td>
                  <Table.Td ta="right">
                    {formatRate(d.min_probability)}–{formatRate(d.max_probability)}
                  </Table.Td>
                  <Table.Td ta="right">{d.accounts}</Table.Td>
                  <Table.Td ta="right" title={d.churned_account_ids.join("\n")}>
                    {d.churned}
                  </Table.Td>
                  <Table.Td ta="right">{formatRate(d.churn_rate)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Stack>
  );
}

/** The predictive churn model: what it learnt, how it did on days it did not see, its
 * training history and "Train now". */
export function ChurnModelCard() {
  const status = useChurnModel();
  const train = useTrainChurnModel();
  const latest = status.data?.history[0];
  return (
    <Card withBorder radius="lg" p="lg" data-testid="churn-model">
      <Group justify="space-between" mb="sm">
        <Stack gap={0}>
          <Title order={5}>Predictive churn</Title>
          <Text size="sm" c="dimmed">
            A model trained weekly on the organisation's metric snapshots and churn events gives each account the metric
            “Churn probability”, usable in health components, filters and lists.
          </Text>
        </Stack>
        <Button
          loading={train.isPending}
          onClick={() =>
            train.mutate(undefined, {
              onSuccess: () => notifications.show({ color: "tenure", title: "Training queued", message: "The model appears here once trained." }),
              onError: (error) => notifications.show({ color: "red", title: "Could not train", message: errorMessage(error) }),
            })
          }
          data-testid="churn-train"
        >
          Train now
        </Button>
      </Group>
      {status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} title="Could not load the churn model" />
      ) : status.isPending ? (
        <CardSkeleton lines={3} />
      ) : (
        <Stack gap="md">
          {status.data.missing && (
            <Alert color="yellow" data-testid="churn-missing">
              {status.data.missing}. There are {status.data.available.snapshot_days} snapshot days at least{" "}
              {status.data.requirements.horizon_days} days old and {status.data.available.churn_events} churn events.
            </Alert>
          )}
          {latest?.refused && latest.id !== status.data.live?.id && (
            <Text size="sm" c="dimmed" data-testid="churn-refused">
              Last run {formatDateTime(latest.trained_at)} refused: {latest.refused}
            </Text>
          )}
          {status.data.live ? (
            <LiveModel model={status.data.live} />
          ) : (
            <Text c="dimmed">No model has been trained yet: accounts have no churn probability.</Text>
          )}
        </Stack>
      )}
    </Card>
  );
}
