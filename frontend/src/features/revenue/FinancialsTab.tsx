import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import type { ReactNode } from "react";
import { formatDate } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { MOVEMENT_COLORS, bars, discountLabel, formatMoney, intervalLabel } from "./money";
import { useAccountInvoices, useAccountMovements, useAccountMrr, useAccountSubscriptions } from "./queries";

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Card withBorder radius="lg" p="lg" data-testid={testId}>
      <Title order={5} mb="md">
        {title}
      </Title>
      {children}
    </Card>
  );
}

const CHART_HEIGHT = 120;

function MrrChart({ months, currency }: { months: { month: string; mrr: number }[]; currency: string }) {
  const shown = months.slice(-24);
  const items = bars(shown, CHART_HEIGHT);
  const width = Math.max(1, items.length) * 24;
  return (
    <svg
      role="img"
      aria-label="MRR by month"
      viewBox={`0 0 ${width} ${CHART_HEIGHT + 4}`}
      width="100%"
      height={CHART_HEIGHT + 4}
      preserveAspectRatio="none"
      data-testid="mrr-chart"
    >
      {items.map((bar, i) => (
        <rect
          key={bar.label}
          x={i * 24 + 3}
          y={CHART_HEIGHT - bar.height}
          width={18}
          height={bar.height}
          rx={2}
          fill="var(--mantine-color-blue-5)"
        >
          <title>{`${bar.label}: ${formatMoney(bar.value, currency)}`}</title>
        </rect>
      ))}
    </svg>
  );
}

function MrrSection({ accountId }: { accountId: string }) {
  const mrr = useAccountMrr(accountId);
  if (mrr.isError) return <ErrorState error={mrr.error} onRetry={() => void mrr.refetch()} title="Could not load MRR" />;
  if (mrr.isPending) return <CardSkeleton />;
  const { currency } = mrr.data;
  return (
    <Section title="Recurring revenue" testId="mrr-section">
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="md">
        <Stack gap={2}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            MRR
          </Text>
          <Text fw={700} size="xl" data-testid="account-mrr">
            {formatMoney(mrr.data.mrr, currency)}
          </Text>
        </Stack>
        <Stack gap={2}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            ARR
          </Text>
          <Text fw={700} size="xl">
            {formatMoney(mrr.data.arr, currency)}
          </Text>
        </Stack>
        <Stack gap={2}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            As of
          </Text>
          <Text size="sm">{mrr.data.as_of ? formatDate(mrr.data.as_of) : "Not computed yet"}</Text>
        </Stack>
      </SimpleGrid>
      {mrr.data.months.length > 0 && (
        <>
          <MrrChart months={mrr.data.months} currency={currency} />
          <Table.ScrollContainer minWidth={400} mt="md">
            <Table verticalSpacing={4} data-testid="mrr-months">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Month</Table.Th>
                  <Table.Th ta="right">MRR at month end</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...mrr.data.months].reverse().slice(0, 12).map((m) => (
                  <Table.Tr key={m.month}>
                    <Table.Td>{m.month.slice(0, 7)}</Table.Td>
                    <Table.Td ta="right">{formatMoney(m.mrr, currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Section>
  );
}

function MovementsSection({ accountId, currency }: { accountId: string; currency: string }) {
  const movements = useAccountMovements(accountId);
  if (movements.isError) return <ErrorState error={movements.error} onRetry={() => void movements.refetch()} title="Could not load movements" />;
  if (movements.isPending) return <CardSkeleton />;
  return (
    <Section title="MRR movements" testId="movements-section">
      {movements.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No movements yet.
        </Text>
      ) : (
        <Table verticalSpacing={6} data-testid="movements-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Month</Table.Th>
              <Table.Th>Movement</Table.Th>
              <Table.Th ta="right">Start</Table.Th>
              <Table.Th ta="right">End</Table.Th>
              <Table.Th ta="right">Change</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {movements.data.map((m) => (
              <Table.Tr key={`${m.month}-${m.kind}`} data-testid="movement-row">
                <Table.Td>{m.month.slice(0, 7)}</Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={MOVEMENT_COLORS[m.kind] ?? "gray"}>
                    {m.kind}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">{formatMoney(m.start_mrr, currency)}</Table.Td>
                <Table.Td ta="right">{formatMoney(m.end_mrr, currency)}</Table.Td>
                <Table.Td ta="right" c={m.delta < 0 ? "red" : undefined}>
                  {formatMoney(m.delta, currency)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

function SubscriptionsSection({ accountId }: { accountId: string }) {
  const subscriptions = useAccountSubscriptions(accountId);
  if (subscriptions.isError)
    return <ErrorState error={subscriptions.error} onRetry={() => void subscriptions.refetch()} title="Could not load subscriptions" />;
  if (subscriptions.isPending) return <CardSkeleton />;
  return (
    <Section title="Subscriptions" testId="subscriptions-section">
      <Stack gap="md">
        {subscriptions.data.map((s) => (
          <Stack key={s.id} gap={4} data-testid="subscription">
            <Group gap="xs">
              <Text fw={600} ff="monospace" size="sm">
                {s.external_id}
              </Text>
              <Badge size="sm" variant="light">
                {s.status}
              </Badge>
              <Text size="sm" c="dimmed">
                {formatDate(s.starts_on)} → {s.ends_on ? formatDate(s.ends_on) : "open-ended"} · {s.currency}
              </Text>
            </Group>
            <Table verticalSpacing={4}>
              <Table.Tbody>
                {s.items.map((item) => (
                  <Table.Tr key={item.external_id}>
                    <Table.Td>
                      {item.name ?? item.external_id}{" "}
                      <Text span size="xs" c="dimmed">
                        {item.kind === "add_on" ? "add-on" : "plan"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {item.quantity} × {formatMoney(item.unit_price, item.currency)} {intervalLabel(item.interval_months)}
                    </Table.Td>
                    <Table.Td>
                      {item.discount && (
                        <Tooltip label="Discount">
                          <Badge size="sm" variant="outline" color="grape">
                            {discountLabel(item.discount, item.currency)}
                          </Badge>
                        </Tooltip>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        ))}
      </Stack>
    </Section>
  );
}

function InvoicesSection({ accountId }: { accountId: string }) {
  const invoices = useAccountInvoices(accountId);
  if (invoices.isError) return <ErrorState error={invoices.error} onRetry={() => void invoices.refetch()} title="Could not load invoices" />;
  if (invoices.isPending) return <CardSkeleton />;
  return (
    <Section title="Invoices" testId="invoices-section">
      {invoices.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No invoices.
        </Text>
      ) : (
        <Table verticalSpacing={6} data-testid="invoices-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Number</Table.Th>
              <Table.Th>Issued</Table.Th>
              <Table.Th>Due</Table.Th>
              <Table.Th>Paid</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoices.data.items.map((inv) => (
              <Table.Tr key={inv.id}>
                <Table.Td ff="monospace">{inv.number}</Table.Td>
                <Table.Td>{formatDate(inv.issued_on)}</Table.Td>
                <Table.Td>{inv.due_on ? formatDate(inv.due_on) : "—"}</Table.Td>
                <Table.Td>
                  {inv.is_paid ? (
                    <Badge size="sm" color="green" variant="light">
                      {inv.paid_on ? formatDate(inv.paid_on) : "paid"}
                    </Badge>
                  ) : (
                    <Badge size="sm" color="orange" variant="light">
                      unpaid
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">{formatMoney(inv.total, inv.currency)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

/** The account page's Financials tab: MRR, its movements, subscriptions and invoices. */
export function FinancialsTab({ accountId }: { accountId: string }) {
  const subscriptions = useAccountSubscriptions(accountId);
  const mrr = useAccountMrr(accountId);
  if (subscriptions.data && subscriptions.data.length === 0) {
    return <EmptyState title="No subscriptions" description="Subscriptions and invoices sent by your billing system appear here." />;
  }
  return (
    <Stack gap="lg">
      <MrrSection accountId={accountId} />
      <MovementsSection accountId={accountId} currency={mrr.data?.currency ?? "USD"} />
      <SubscriptionsSection accountId={accountId} />
      <InvoicesSection accountId={accountId} />
    </Stack>
  );
}
