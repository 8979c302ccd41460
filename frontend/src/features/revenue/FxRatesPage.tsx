import { ActionIcon, Alert, Button, Card, Group, Loader, Stack, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconTrash } from "@tabler/icons-react";
import { errorMessage, isApiError } from "../../api/errors";
import { PageHeader } from "../../components/PageHeader";
import { formatDate } from "../../components/format";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { formatRate } from "./money";
import type { MissingFxRate } from "./queries";
import { useDeleteFxRate, useFollowRecompute, useFxRates, useMissingFxRates, useSetFxRate } from "./queries";

/** Currencies the last MRR recompute found without any rate: their items are left out of MRR
 * until one is set (and the recompute it triggers has run). */
function MissingRates({
  missing,
  recomputing,
  onPick,
}: {
  missing: MissingFxRate[];
  recomputing: boolean;
  onPick: (m: MissingFxRate) => void;
}) {
  if (missing.length === 0) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title="Currencies in use without a rate"
      data-testid="missing-fx-rates"
    >
      <Text size="sm" mb="xs">
        Subscription items in these currencies are left out of MRR until a rate is set.
      </Text>
      {recomputing && (
        <Group gap="xs" mb="xs" data-testid="fx-recomputing">
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            Recomputing MRR with the new rates…
          </Text>
        </Group>
      )}
      <Table verticalSpacing={4} withRowBorders={false}>
        <Table.Tbody>
          {missing.map((m) => (
            <Table.Tr key={m.currency} data-testid="missing-fx-rate">
              <Table.Td ff="monospace" fw={600}>
                {m.currency}
              </Table.Td>
              <Table.Td>since {formatDate(m.since)}</Table.Td>
              <Table.Td>
                {m.accounts} {m.accounts === 1 ? "account" : "accounts"}
              </Table.Td>
              <Table.Td ta="right">
                <Button size="compact-xs" variant="light" onClick={() => onPick(m)}>
                  Set a rate
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Alert>
  );
}

interface RateForm {
  currency: string;
  effective_on: string;
  rate: string;
}

/** Admin: exchange rates to the organisation's base currency, by effective day. */
export function FxRatesPage() {
  const rates = useFxRates();
  const missing = useMissingFxRates();
  const setRate = useSetFxRate();
  const deleteRate = useDeleteFxRate();
  const recompute = useFollowRecompute();
  const form = useForm<RateForm>({
    initialValues: { currency: "", effective_on: new Date().toISOString().slice(0, 10), rate: "" },
    validate: {
      currency: (v) => (/^[A-Za-z]{3}$/.test(v.trim()) ? null : "A three-letter ISO code"),
      effective_on: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? null : "A date (YYYY-MM-DD)"),
      rate: (v) => (Number(v) > 0 ? null : "A positive number"),
    },
  });
  const base = rates.data?.[0]?.base_currency;

  const submit = form.onSubmit((values) =>
    setRate.mutate(
      { currency: values.currency.trim().toUpperCase(), effective_on: values.effective_on, rate: values.rate.trim() },
      {
        onSuccess: () => {
          notifications.show({ color: "green", title: "Rate saved", message: "MRR is being recomputed." });
          recompute.follow();
          form.setFieldValue("rate", "");
        },
        onError: (error) => {
          // A field the API refused shows under it, as the form's own checks do; anything else in a notification.
          const map = isApiError(error) ? error.fieldErrorMap() : {};
          const onFields = Object.fromEntries(Object.entries(map).filter(([key]) => key in values));
          form.setErrors(onFields);
          const placed = Object.keys(onFields).length;
          if (!placed || placed < Object.keys(map).length) {
            notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) });
          }
        },
      },
    ),
  );

  return (
    <Stack gap="lg">
      <PageHeader
        title="FX rates"
        description={`Rates to the base currency${base ? ` (${base})` : ""}. A subscription item converts at the rate of the day it started.`}
      />
      <MissingRates
        missing={missing.data ?? []}
        recomputing={recompute.recomputing}
        onPick={(m) => form.setValues({ currency: m.currency, effective_on: m.since, rate: "" })}
      />
      <Card withBorder radius="lg" p="lg">
        <form onSubmit={submit}>
          <Group align="flex-end">
            <TextInput label="Currency" placeholder="EUR" w={100} {...form.getInputProps("currency")} data-testid="fx-currency" />
            <TextInput label="Effective from" type="date" {...form.getInputProps("effective_on")} data-testid="fx-date" />
            <TextInput label="Rate" placeholder="1.08" w={140} {...form.getInputProps("rate")} data-testid="fx-rate" />
            <Button type="submit" loading={setRate.isPending} data-testid="fx-save">
              Set rate
            </Button>
          </Group>
        </form>
      </Card>
      {rates.isError ? (
        <ErrorState error={rates.error} onRetry={() => void rates.refetch()} title="Could not load rates" />
      ) : rates.isPending ? (
        <CardSkeleton />
      ) : rates.data.length === 0 ? (
        <EmptyState title="No rates yet" description="Items in the base currency need none." />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="fx-rates-table">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Currency</Table.Th>
                <Table.Th>Effective from</Table.Th>
                <Table.Th ta="right">Rate</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rates.data.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td ff="monospace">{r.currency}</Table.Td>
                  <Table.Td>{formatDate(r.effective_on)}</Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">
                      1 {r.currency} = {formatRate(r.rate)} {r.base_currency}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Tooltip label="Delete rate">
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Delete ${r.currency} rate of ${r.effective_on}`}
                        onClick={() =>
                          deleteRate.mutate(r.id, {
                            onSuccess: () => recompute.follow(),
                            onError: (error) => notifications.show({ color: "red", title: "Could not delete", message: errorMessage(error) }),
                          })
                        }
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}
