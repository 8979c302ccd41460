import { Anchor, Button, Card, Group, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { Fragment, useState } from "react";
import { Link } from "react-router";
import { plural } from "../../components/format";
import { ErrorState } from "../../components/states";
import { BAND_COLOURS, BAND_LABELS } from "./bands";
import { type BacktestRead, type Band, type HealthModelRead, useBacktest } from "./queries";
import { formatMrr } from "./trend";

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

function percent(value: number | null | undefined): string {
  return value == null ? "—" : `${Math.round(value * 1000) / 10}%`;
}

function Result({ result, label }: { result: BacktestRead; label: string }) {
  // The band whose churned accounts are listed (undefined: none; null: the accounts without data).
  const [opened, setOpened] = useState<Band | null | undefined>(undefined);
  return (
    <Card withBorder radius="md" p="md" data-testid="backtest-result">
      <Text fw={600}>{label}</Text>
      <Group gap="xl" my="sm">
        <Stack gap={0}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            AUC
          </Text>
          <Text fz={28} fw={700} data-testid="backtest-auc">
            {result.auc == null ? "—" : result.auc.toFixed(2)}
          </Text>
        </Stack>
        <Stack gap={0}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Poor band lift
          </Text>
          <Text fz={28} fw={700}>
            {result.poor_lift == null ? "—" : `${result.poor_lift.toFixed(1)}×`}
          </Text>
        </Stack>
        <Text size="sm" c="dimmed">
          {result.accounts} accounts, {result.churned} churned within {result.horizon_days} days
        </Text>
      </Group>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Band</Table.Th>
            <Table.Th ta="right">Accounts</Table.Th>
            <Table.Th ta="right">Churned</Table.Th>
            <Table.Th ta="right">Churn rate</Table.Th>
            <Table.Th ta="right">MRR churned</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.bands.map((b) => {
            const label = b.band ? BAND_LABELS[b.band] : "No data";
            const open = opened === b.band;
            return (
              <Fragment key={b.band ?? "none"}>
                <Table.Tr data-testid="backtest-band">
                  <Table.Td c={b.band ? BAND_COLOURS[b.band] : "dimmed"}>{label}</Table.Td>
                  <Table.Td ta="right">{b.accounts}</Table.Td>
                  <Table.Td ta="right">
                    {b.churned > 0 ? (
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        aria-expanded={open}
                        aria-label={`${open ? "Hide" : "Show"} the ${plural(b.churned, `${label.toLowerCase()} account`)} that churned`}
                        onClick={() => setOpened(open ? undefined : b.band)}
                      >
                        {b.churned}
                      </Button>
                    ) : (
                      b.churned
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{percent(b.churn_rate)}</Table.Td>
                  <Table.Td ta="right">
                    {formatMrr(b.churned_mrr, result.currency)} of {formatMrr(b.mrr, result.currency)}
                  </Table.Td>
                </Table.Tr>
                {open && (
                  <Table.Tr>
                    <Table.Td colSpan={5} bg="gray.0">
                      <Text size="xs" c="dimmed" mb={4}>
                        {label} on {result.day}, churned within {result.horizon_days} days
                        {b.churned > b.churned_accounts.length ? ` (the first ${b.churned_accounts.length} of ${b.churned})` : ""}:
                      </Text>
                      <Group gap="xs" data-testid="backtest-churned-accounts">
                        {b.churned_accounts.map((a) => (
                          <Anchor key={a.id} component={Link} to={`/accounts/${a.id}`} size="sm">
                            {a.name}
                          </Anchor>
                        ))}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function Side({ modelId, version, day, horizon }: { modelId: string; version: number; day: string; horizon: number }) {
  const result = useBacktest(modelId, { version, day, horizon_days: horizon });
  if (result.isError) return <ErrorState error={result.error} title="Could not run the backtest" />;
  if (!result.data) return <Text c="dimmed">Replaying version {version}…</Text>;
  return <Result result={result.data} label={`Version ${version}`} />;
}

/** Two versions of a model replayed over the same past day side by side: how well each
 * separated the accounts that churned afterwards from those that stayed. */
export function HealthBacktest({ models }: { models: HealthModelRead[] }) {
  const [modelId, setModelId] = useState<string | null>((models.find((m) => m.default) ?? models[0])?.id ?? null);
  const model = models.find((m) => m.id === modelId);
  const versions = model ? Array.from({ length: Math.max(model.live.number, model.shadow?.number ?? 0) }, (_, i) => String(i + 1)) : [];
  const [left, setLeft] = useState<string | null>(null);
  const [right, setRight] = useState<string | null>(null);
  const [day, setDay] = useState(daysAgo(120));
  const [horizon, setHorizon] = useState(90);
  const [run, setRun] = useState<{ modelId: string; versions: number[]; day: string; horizon: number } | null>(null);
  const first = left ?? (model ? String(model.live.number) : null);
  const second = right ?? (model?.shadow ? String(model.shadow.number) : null);

  return (
    <Stack gap="lg" data-testid="health-backtest">
      <Card withBorder radius="lg" p="lg">
        <Group align="flex-end">
          <Select label="Model" data={models.map((m) => ({ value: m.id, label: m.name }))} value={modelId} onChange={(v) => { setModelId(v); setLeft(null); setRight(null); }} w={180} />
          <Select label="Version" data={versions} value={first} onChange={setLeft} w={100} aria-label="First version" />
          <Select label="Against" data={versions} value={second} onChange={setRight} clearable w={100} aria-label="Second version" />
          <TextInput label="Day" type="date" value={day} onChange={(e) => setDay(e.currentTarget.value)} w={160} />
          <NumberInput label="Churn within (days)" min={7} max={730} value={horizon} onChange={(v) => setHorizon(Number(v))} w={150} />
          <Button
            disabled={!modelId || !first}
            onClick={() => setRun({ modelId: modelId!, versions: [...new Set([first, second].filter(Boolean).map(Number))], day, horizon })}
            data-testid="backtest-run"
          >
            Run
          </Button>
        </Group>
      </Card>
      {run && (
        <SimpleGrid cols={{ base: 1, md: run.versions.length }}>
          {run.versions.map((v) => (
            <Side key={v} modelId={run.modelId} version={v} day={run.day} horizon={run.horizon} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
