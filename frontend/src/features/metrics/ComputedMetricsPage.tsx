import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconEdit, IconPlus, IconRefresh, IconTrash } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import { ConfirmModal } from "../../components/ConfirmModal";
import { InUseAlert } from "../settings/InUseAlert";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { KEY_PATTERN, keyFromLabel, type MetricFormat, unknownNames } from "./format";
import {
  type ComputedMetricRead,
  useComputedMetrics,
  useCreateComputedMetric,
  useDeleteComputedMetric,
  useMetricCatalog,
  useRefreshMetrics,
  useUpdateComputedMetric,
} from "./queries";

// As the custom fields' formats say it: a percent is shown as the formula's value, not times
// 100 (a share of seats is 100 * active_users_30d / seats), as built-in percents are 0-100.
const FORMATS: { value: MetricFormat; label: string }[] = [
  { value: "number", label: "Number" },
  { value: "currency", label: "Money (base currency)" },
  { value: "percent", label: "Percent (12.5 → 12.5%)" },
  { value: "days", label: "Days" },
];

interface MetricForm {
  key: string;
  label: string;
  format: MetricFormat;
  formula: string;
  description: string;
}

function MetricModal({
  opened,
  metric,
  onClose,
}: {
  opened: boolean;
  metric: ComputedMetricRead | null;
  onClose: () => void;
}) {
  const create = useCreateComputedMetric();
  const update = useUpdateComputedMetric();
  const catalog = useMetricCatalog();
  const known = (catalog.data ?? []).filter((m) => m.key !== metric?.key).map((m) => m.key);
  const [keyTouched, setKeyTouched] = useState(false);
  const form = useForm<MetricForm>({
    initialValues: { key: "", label: "", format: "number", formula: "", description: "" },
    validate: {
      key: (v) => (KEY_PATTERN.test(v) ? null : "Lower-case letters, digits and _; starts with a letter"),
      label: (v) => (v.trim() ? null : "A label is required"),
      formula: (v) => (v.trim() ? null : "A formula is required"),
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues(
        metric
          ? {
              key: metric.key,
              label: metric.label,
              format: metric.format,
              formula: metric.formula,
              description: metric.description ?? "",
            }
          : { key: "", label: "", format: "number", formula: "", description: "" },
      );
      form.clearErrors();
      setKeyTouched(Boolean(metric));
    }
  }, [opened, metric?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const unknown = catalog.data ? unknownNames(form.values.formula, known) : [];
  const pending = create.isPending || update.isPending;

  const submit = form.onSubmit((values) => {
    const onError = (error: Error) => {
      if (!isApiError(error)) {
        notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) });
        return;
      }
      const map = error.fieldErrorMap();
      if (!Object.keys(map).length) map[error.code === "metric_key_taken" ? "key" : "formula"] = error.detail || error.title;
      form.setErrors(map);
    };
    const onSuccess = () => {
      notifications.show({ color: "tenure", title: metric ? "Metric updated" : "Metric added", message: values.label });
      onClose();
    };
    const body = {
      label: values.label.trim(),
      format: values.format,
      formula: values.formula.trim(),
      description: values.description.trim() || null,
    };
    if (metric) update.mutate({ id: metric.id, body }, { onSuccess, onError });
    else create.mutate({ ...body, key: values.key }, { onSuccess, onError });
  });

  return (
    <Modal opened={opened} onClose={onClose} title={metric ? "Edit computed metric" : "New computed metric"} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Label"
            withAsterisk
            data-autofocus
            data-testid="metric-label"
            {...form.getInputProps("label")}
            onChange={(event) => {
              form.setFieldValue("label", event.currentTarget.value);
              if (!keyTouched) form.setFieldValue("key", keyFromLabel(event.currentTarget.value));
            }}
          />
          <TextInput
            label="Key"
            description="Used in formulas, filters (metric.<key>) and the API; cannot change later"
            withAsterisk
            disabled={Boolean(metric)}
            data-testid="metric-key"
            {...form.getInputProps("key")}
            onChange={(event) => {
              setKeyTouched(true);
              form.setFieldValue("key", event.currentTarget.value);
            }}
          />
          <Select label="Format" data={FORMATS} allowDeselect={false} data-testid="metric-format" {...form.getInputProps("format")} />
          <Textarea
            label="Formula"
            description="Metric keys, numbers, + - * / and parentheses; abs, round, min, max, coalesce"
            placeholder="mrr / active_users_30d"
            autosize
            minRows={2}
            withAsterisk
            ff="monospace"
            data-testid="metric-formula"
            {...form.getInputProps("formula")}
          />
          {unknown.length > 0 && (
            <Text size="xs" c="orange" data-testid="metric-unknown">
              Not a metric: {unknown.join(", ")}
            </Text>
          )}
          <Textarea label="Description" autosize minRows={1} {...form.getInputProps("description")} />
          {catalog.data && (
            <Text size="xs" c="dimmed">
              Metrics you can use: {known.join(", ")}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={pending} data-testid="metric-save">
              {metric ? "Save" : "Add metric"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Admin: metrics defined as formulas over built-in, custom and other computed metrics. */
export function ComputedMetricsPage() {
  const metrics = useComputedMetrics();
  const catalog = useMetricCatalog();
  const remove = useDeleteComputedMetric();
  const refresh = useRefreshMetrics();
  const [editing, setEditing] = useState<ComputedMetricRead | null>(null);
  const [opened, setOpened] = useState(false);
  const [deleting, setDeleting] = useState<ComputedMetricRead | null>(null);
  const closeDelete = () => {
    setDeleting(null);
    remove.reset();
  };
  const invalid = new Set((catalog.data ?? []).filter((m) => !m.valid).map((m) => m.key));

  const open = (metric: ComputedMetricRead | null) => {
    setEditing(metric);
    setOpened(true);
  };

  return (
    <Stack gap="lg">
      <PageHeader
        title="Computed metrics"
        description="Formulas over other metrics, computed for every account, kept in its daily history and usable in filters and lists."
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} />}
              loading={refresh.isPending}
              onClick={() =>
                refresh.mutate(undefined, {
                  onSuccess: () =>
                    notifications.show({ color: "tenure", title: "Refresh queued", message: "Metrics are being recomputed." }),
                  onError: (error) => notifications.show({ color: "red", title: "Could not refresh", message: errorMessage(error) }),
                })
              }
            >
              Refresh now
            </Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => open(null)} data-testid="metric-new">
              New metric
            </Button>
          </>
        }
      />
      {metrics.isError ? (
        <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} title="Could not load computed metrics" />
      ) : metrics.isPending ? (
        <CardSkeleton />
      ) : metrics.data.length === 0 ? (
        <EmptyState title="No computed metrics yet" description="For example MRR per active user: mrr / active_users_30d." />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="computed-metrics-table">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Metric</Table.Th>
                <Table.Th>Formula</Table.Th>
                <Table.Th>Format</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {metrics.data.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {m.label}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {m.key}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Text size="sm" ff="monospace">
                        {m.formula}
                      </Text>
                      {invalid.has(m.key) && (
                        <Tooltip label="Uses a metric that no longer exists: it has no value">
                          <Badge color="red" variant="light">
                            broken
                          </Badge>
                        </Tooltip>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{FORMATS.find((f) => f.value === m.format)?.label}</Table.Td>
                  <Table.Td ta="right">
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon variant="subtle" aria-label={`Edit ${m.label}`} onClick={() => open(m)}>
                        <IconEdit size={16} />
                      </ActionIcon>
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${m.label}`} onClick={() => setDeleting(m)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <MetricModal opened={opened} metric={editing} onClose={() => setOpened(false)} />
      <ConfirmModal
        opened={deleting !== null}
        onClose={closeDelete}
        title="Delete this computed metric?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: closeDelete })}
      >
        <Stack gap="sm">
          <Text size="sm">
            {`“${deleting?.label ?? ""}” disappears from accounts, and views that show it or sort by it drop that column or sort. Its snapshotted history is kept.`}
          </Text>
          {/* What uses it, every user's views by whose they are. */}
          {remove.isError && <InUseAlert error={remove.error} onFindViews={closeDelete} />}
        </Stack>
      </ConfirmModal>
    </Stack>
  );
}
