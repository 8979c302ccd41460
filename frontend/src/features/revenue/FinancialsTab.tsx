import { Alert, Anchor, Badge, Group, List, SimpleGrid, Stack, Table, Text, Tooltip } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { lazy, Suspense } from "react";
import { Link } from "react-router";
import { formatDate } from "../../components/format";
import { Section } from "../../components/Section";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { FromChildAccount } from "../accounts/rollup";
import { useCan } from "../auth/queries";
import { isoDate } from "../usage/series";
import {
  MOVEMENT_COLORS,
  SUBSCRIPTION_COLORS,
  discountLabel,
  formatMoney,
  intervalLabel,
  invoiceState,
  itemDates,
  movementChange,
  subscriptionStatus,
} from "./money";
import type { MissingFxRate } from "./queries";
import { useAccountInvoices, useAccountMovements, useAccountMrr, useAccountSubscriptions } from "./queries";

// Recharts is large: loaded with the first chart, not with the app (as on the Usage tab).
const MrrChart = lazy(() => import("./MrrChart"));

/** Items in a currency with no FX rate are not in MRR: say so, and where to fix it. */
export function MissingRatesAlert({ missing, currency }: { missing: MissingFxRate[]; currency: string }) {
  const can = useCan();
  if (missing.length === 0) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title="Some revenue is left out of MRR"
      mb="md"
      data-testid="missing-rates-alert"
    >
      <Text size="sm">There is no exchange rate to {currency} for:</Text>
      <List size="sm" mt={4} mb={4}>
        {missing.map((m) => (
          <List.Item key={m.currency}>
            <Text span fw={600} ff="monospace">
              {m.currency}
            </Text>{" "}
            items, since {formatDate(m.since)}
          </List.Item>
        ))}
      </List>
      <Text size="sm">
        {can("ingest_data") ? (
          <>
            Set a rate on the{" "}
            <Anchor component={Link} to="/admin/fx-rates" size="sm">
              FX rates page
            </Anchor>
            ; MRR is recomputed when it is saved.
          </>
        ) : (
          "Ask an admin to set a rate; MRR is recomputed when it is saved."
        )}
      </Text>
    </Alert>
  );
}

function MrrSection({ accountId, rollup }: { accountId: string; rollup: boolean }) {
  const mrr = useAccountMrr(accountId, rollup);
  if (mrr.isError) return <ErrorState error={mrr.error} onRetry={() => void mrr.refetch()} title="Could not load MRR" />;
  if (mrr.isPending) return <CardSkeleton />;
  const { currency } = mrr.data;
  return (
    <Section title={rollup ? `Recurring revenue of ${mrr.data.accounts} accounts` : "Recurring revenue"} testId="mrr-section">
      <MissingRatesAlert missing={mrr.data.missing_rates} currency={currency} />
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
          <Text fw={700} size="xl" data-testid="account-arr">
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
          <Suspense fallback={<CardSkeleton lines={4} />}>
            <MrrChart months={mrr.data.months} currency={currency} />
          </Suspense>
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

function MovementsSection({ accountId, currency, rollup }: { accountId: string; currency: string; rollup: boolean }) {
  const movements = useAccountMovements(accountId, rollup);
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
              {rollup && <Table.Th>Account</Table.Th>}
              <Table.Th>Movement</Table.Th>
              <Table.Th ta="right">Start</Table.Th>
              <Table.Th ta="right">End</Table.Th>
              <Table.Th ta="right">Change</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {movements.data.map((m) => (
              <Table.Tr key={`${m.month}-${m.kind}-${m.account_id}`} data-testid="movement-row">
                <Table.Td>{m.month.slice(0, 7)}</Table.Td>
                {rollup && (
                  <Table.Td>
                    {m.account_id === accountId ? (
                      <Text size="sm">{m.account_name}</Text>
                    ) : (
                      <FromChildAccount accountId={accountId} item={m} />
                    )}
                  </Table.Td>
                )}
                <Table.Td>
                  <Badge size="sm" variant="light" color={MOVEMENT_COLORS[m.kind] ?? "gray"}>
                    {m.kind}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">{formatMoney(m.start_mrr, currency)}</Table.Td>
                <Table.Td ta="right">{formatMoney(m.end_mrr, currency)}</Table.Td>
                <Table.Td ta="right" c={movementChange(m, currency).color}>
                  {movementChange(m, currency).text}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

function SubscriptionsSection({ accountId, rollup }: { accountId: string; rollup: boolean }) {
  const subscriptions = useAccountSubscriptions(accountId);
  if (subscriptions.isError)
    return <ErrorState error={subscriptions.error} onRetry={() => void subscriptions.refetch()} title="Could not load subscriptions" />;
  if (subscriptions.isPending) return <CardSkeleton />;
  const today = isoDate(new Date());
  return (
    <Section title={rollup ? "Subscriptions of this account" : "Subscriptions"} testId="subscriptions-section">
      {subscriptions.data.length === 0 && (
        <Text size="sm" c="dimmed">
          None on this account itself.
        </Text>
      )}
      <Stack gap="md">
        {subscriptions.data.map((s) => (
          <Stack key={s.id} gap={4} data-testid="subscription">
            <Group gap="xs">
              <Text fw={600} ff="monospace" size="sm">
                {s.external_id}
              </Text>
              <Badge size="sm" variant="light" color={SUBSCRIPTION_COLORS[subscriptionStatus(s, today)] ?? "blue"} data-testid="subscription-status">
                {subscriptionStatus(s, today)}
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
                      <Text size="sm" c="dimmed" data-testid="item-dates">
                        {itemDates(item, today)}
                      </Text>
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

function InvoicesSection({ accountId, rollup }: { accountId: string; rollup: boolean }) {
  const invoices = useAccountInvoices(accountId);
  if (invoices.isError) return <ErrorState error={invoices.error} onRetry={() => void invoices.refetch()} title="Could not load invoices" />;
  if (invoices.isPending) return <CardSkeleton />;
  const today = isoDate(new Date());
  return (
    <Section title={rollup ? "Invoices of this account" : "Invoices"} testId="invoices-section">
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
                  {invoiceState(inv, today) === "paid" ? (
                    <Badge size="sm" color="green" variant="light">
                      {inv.paid_on ? formatDate(inv.paid_on) : "paid"}
                    </Badge>
                  ) : invoiceState(inv, today) === "overdue" ? (
                    <Tooltip label={`Was due ${formatDate(inv.due_on)}`}>
                      <Badge size="sm" color="red" variant="filled" data-testid="invoice-overdue">
                        overdue
                      </Badge>
                    </Tooltip>
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

/** The account page's Financials tab: MRR, its movements, subscriptions and invoices. With
 * `rollup`, MRR, ARR and movements add up the account and every child account below it;
 * subscriptions and invoices stay the account's own. */
export function FinancialsTab({ accountId, rollup = false }: { accountId: string; rollup?: boolean }) {
  const subscriptions = useAccountSubscriptions(accountId);
  const mrr = useAccountMrr(accountId, rollup);
  if (!rollup && subscriptions.data && subscriptions.data.length === 0) {
    return <EmptyState title="No subscriptions" description="Subscriptions and invoices sent by your billing system appear here." />;
  }
  return (
    <Stack gap="lg">
      <MrrSection accountId={accountId} rollup={rollup} />
      <MovementsSection accountId={accountId} currency={mrr.data?.currency ?? "USD"} rollup={rollup} />
      <SubscriptionsSection accountId={accountId} rollup={rollup} />
      <InvoicesSection accountId={accountId} rollup={rollup} />
    </Stack>
  );
}
