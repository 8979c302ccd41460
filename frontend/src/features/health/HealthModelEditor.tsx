import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { lazy, Suspense, useState } from "react";
import { errorMessage } from "../../api/errors";
import type { FilterCondition } from "../../api/types";
import { useCsmOptions } from "../accounts/csms";
import { FilterBuilder } from "../accounts/FilterBuilder";
import { useAccountFields } from "../accounts/queries";
import { useMetricCatalog } from "../metrics/queries";
import { BAND_COLOURS } from "./bands";
import { type ComponentDraft, draftProblem, fromDraft, type MappingDraft, type MetricDraft, toDraft } from "./draft";
import { type HealthModelRead, useCreateHealthModel, useHealthPreview, useSaveHealthModel } from "./queries";

const MappingChart = lazy(() => import("./MappingChart"));
const WeightsPie = lazy(() => import("./WeightsPie"));

const NEW_COMPONENT: ComponentDraft = {
  name: "",
  weight: 1,
  metrics: [{ metric: "", mapping: { kind: "linear", low: 0, high: 100, invert: false } }],
};

/** A dimension a component can map to numbers: the tier, the stage, a text or select custom field. */
type Dimension = { value: string; label: string; options: string[] };

function isDimension(field: { key: string; type: string }): boolean {
  return ["tier", "stage"].includes(field.key) || (field.key.startsWith("custom.") && ["text", "category"].includes(field.type));
}

function defaultMapping(kind: MappingDraft["kind"]): MappingDraft {
  if (kind === "values") return { kind, scores: [], other: null };
  if (kind === "linear") return { kind, low: 0, high: 100, invert: false };
  if (kind === "ranges")
    return { kind, steps: [{ end: 1, score: 100 }, { end: 3, score: 70 }, { end: null, score: 0 }] };
  return { kind };
}

/** Each value of a dimension and the score it gives; the other values' score, or no data. */
function ValuesEditor({
  mapping,
  options,
  onChange,
}: {
  mapping: Extract<MappingDraft, { kind: "values" }>;
  options: string[];
  onChange: (m: MappingDraft) => void;
}) {
  const unmapped = options.filter((o) => !mapping.scores.some((s) => s.value === o));
  const setScore = (i: number, next: Partial<{ value: string; score: number }>) =>
    onChange({ ...mapping, scores: mapping.scores.map((s, j) => (j === i ? { ...s, ...next } : s)) });
  return (
    <Stack gap={4} data-testid="health-values-mapping">
      {mapping.scores.map((s, i) => (
        <Group key={i} gap="xs" wrap="nowrap">
          <TextInput size="xs" w={140} aria-label="Value" value={s.value} onChange={(e) => setScore(i, { value: e.currentTarget.value })} />
          <Text size="xs">scores</Text>
          <NumberInput size="xs" w={80} min={0} max={100} clampBehavior="none" aria-label={`Score of ${s.value}`} value={s.score} onChange={(v) => setScore(i, { score: Number(v) })} />
          <ActionIcon size="sm" variant="subtle" color="red" aria-label="Remove value" onClick={() => onChange({ ...mapping, scores: mapping.scores.filter((_, j) => j !== i) })}>
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Group gap="xs">
        {unmapped.map((o) => (
          <Button key={o} size="compact-xs" variant="light" leftSection={<IconPlus size={12} />} onClick={() => onChange({ ...mapping, scores: [...mapping.scores, { value: o, score: 50 }] })}>
            {o}
          </Button>
        ))}
        <Button size="compact-xs" variant="subtle" onClick={() => onChange({ ...mapping, scores: [...mapping.scores, { value: "", score: 50 }] })}>
          Another value
        </Button>
      </Group>
      <Group gap="xs" wrap="nowrap">
        <Checkbox
          size="xs"
          label="Other values score"
          checked={mapping.other !== null}
          onChange={(e) => onChange({ ...mapping, other: e.currentTarget.checked ? 0 : null })}
        />
        {mapping.other !== null ? (
          <NumberInput size="xs" w={80} min={0} max={100} clampBehavior="none" aria-label="Other values' score" value={mapping.other} onChange={(v) => onChange({ ...mapping, other: Number(v) })} />
        ) : (
          <Text size="xs" c="dimmed">
            (else no data)
          </Text>
        )}
      </Group>
    </Stack>
  );
}

function MappingEditor({ mapping, onChange }: { mapping: MappingDraft; onChange: (m: MappingDraft) => void }) {
  return (
    <Stack gap={6}>
      <SegmentedControl
        size="xs"
        value={mapping.kind}
        onChange={(kind) => onChange(defaultMapping(kind as MappingDraft["kind"]))}
        data={[
          { value: "linear", label: "Linear" },
          { value: "ranges", label: "Ranges" },
          { value: "percentile", label: "Percentile" },
        ]}
      />
      {mapping.kind === "linear" && (
        <>
          <Group gap="xs" align="flex-end">
            <NumberInput size="xs" w={110} label="0 at or below" value={mapping.low} onChange={(v) => onChange({ ...mapping, low: Number(v) })} />
            <NumberInput size="xs" w={110} label="100 at or above" value={mapping.high} onChange={(v) => onChange({ ...mapping, high: Number(v) })} />
            <Checkbox size="xs" label="Invert" checked={mapping.invert} onChange={(e) => onChange({ ...mapping, invert: e.currentTarget.checked })} />
          </Group>
        </>
      )}
      {mapping.kind === "ranges" && (
        <Stack gap={4}>
          {mapping.steps.map((step, i) => {
            const last = i === mapping.steps.length - 1;
            const setStep = (next: Partial<typeof step>) =>
              onChange({ ...mapping, steps: mapping.steps.map((s, j) => (j === i ? { ...s, ...next } : s)) });
            return (
              <Group key={i} gap="xs" wrap="nowrap">
                <Text size="xs" w={60}>
                  {last ? "otherwise" : "below"}
                </Text>
                {!last && <NumberInput size="xs" w={90} aria-label="Below" value={step.end ?? ""} onChange={(v) => setStep({ end: Number(v) })} />}
                <Text size="xs">scores</Text>
                <NumberInput size="xs" w={80} min={0} max={100} clampBehavior="none" aria-label="Score" value={step.score} onChange={(v) => setStep({ score: Number(v) })} />
                {!last && mapping.steps.length > 2 && (
                  <ActionIcon size="sm" variant="subtle" color="red" aria-label="Remove range" onClick={() => onChange({ ...mapping, steps: mapping.steps.filter((_, j) => j !== i) })}>
                    <IconTrash size={14} />
                  </ActionIcon>
                )}
              </Group>
            );
          })}
          <Button
            size="compact-xs"
            variant="subtle"
            w="fit-content"
            onClick={() => {
              const steps = [...mapping.steps];
              const before = steps.length > 1 ? steps[steps.length - 2]!.end ?? 0 : 0;
              steps.splice(steps.length - 1, 0, { end: before + 1, score: 50 });
              onChange({ ...mapping, steps });
            }}
          >
            Add a range
          </Button>
        </Stack>
      )}
      <Suspense fallback={null}>
        <MappingChart mapping={mapping} />
      </Suspense>
    </Stack>
  );
}

function ComponentEditor({
  component,
  metricOptions,
  dimensions,
  onChange,
  onRemove,
}: {
  component: ComponentDraft;
  metricOptions: { value: string; label: string }[];
  dimensions: Dimension[];
  onChange: (c: ComponentDraft) => void;
  onRemove: () => void;
}) {
  const options = [
    { group: "Metrics", items: metricOptions },
    { group: "Dimensions (values mapped to scores)", items: dimensions.map(({ value, label }) => ({ value, label })) },
  ];
  // Choosing a dimension maps its values; going back to a metric starts a linear mapping.
  const choose = (m: MetricDraft, key: string): MetricDraft => {
    const dimension = dimensions.some((d) => d.value === key);
    if (dimension === (m.mapping.kind === "values")) return { ...m, metric: key };
    return { metric: key, mapping: defaultMapping(dimension ? "values" : "linear") };
  };
  const setMetric = (i: number, next: MetricDraft) => onChange({ ...component, metrics: component.metrics.map((m, j) => (j === i ? next : m)) });
  return (
    <Card withBorder radius="md" p="sm" data-testid="health-component-editor">
      <Group align="flex-end" mb="xs">
        <TextInput size="xs" label="Component" value={component.name} onChange={(e) => onChange({ ...component, name: e.currentTarget.value })} flex={1} />
        <NumberInput size="xs" w={90} label="Weight" min={0} clampBehavior="none" value={component.weight} onChange={(v) => onChange({ ...component, weight: Number(v) })} />
        <ActionIcon variant="subtle" color="red" aria-label={`Remove ${component.name || "component"}`} onClick={onRemove}>
          <IconTrash size={16} />
        </ActionIcon>
      </Group>
      <Stack gap="sm">
        {component.metrics.map((m, i) => (
          <SimpleGrid key={i} cols={{ base: 1, sm: 2 }} spacing="xs">
            <Group gap={4} align="flex-start" wrap="nowrap">
              <Select size="xs" searchable placeholder="Metric" aria-label="Metric" data={options} value={m.metric || null} onChange={(v) => setMetric(i, choose(m, v ?? ""))} flex={1} />
              {component.metrics.length > 1 && (
                <ActionIcon variant="subtle" color="red" aria-label="Remove metric" onClick={() => onChange({ ...component, metrics: component.metrics.filter((_, j) => j !== i) })}>
                  <IconTrash size={14} />
                </ActionIcon>
              )}
            </Group>
            {m.mapping.kind === "values" ? (
              <ValuesEditor mapping={m.mapping} options={dimensions.find((d) => d.value === m.metric)?.options ?? []} onChange={(mapping) => setMetric(i, { ...m, mapping })} />
            ) : (
              <MappingEditor mapping={m.mapping} onChange={(mapping) => setMetric(i, { ...m, mapping })} />
            )}
          </SimpleGrid>
        ))}
        <Button
          size="compact-xs"
          variant="subtle"
          w="fit-content"
          leftSection={<IconPlus size={12} />}
          onClick={() => onChange({ ...component, metrics: [...component.metrics, { metric: "", mapping: defaultMapping("linear") }] })}
        >
          Add a metric (the component averages them)
        </Button>
      </Stack>
    </Card>
  );
}

function Preview({ modelId, draft }: { modelId: string; draft: ComponentDraft[] }) {
  const [debounced] = useDebouncedValue(draft, 400);
  const valid = draftProblem(debounced) === null;
  const preview = useHealthPreview(modelId, valid ? fromDraft(debounced) : null);
  if (!valid || !preview.data) return null;
  const rows = [
    ["Now", preview.data.now],
    ["If saved", preview.data.if_saved],
  ] as const;
  return (
    <Card withBorder radius="md" p="sm" data-testid="health-preview">
      <Text size="sm" fw={600} mb={4}>
        Accounts by band
      </Text>
      {rows.map(([label, spread]) => (
        <Group key={label} gap="md">
          <Text size="sm" w={70}>
            {label}
          </Text>
          {(["good", "average", "poor"] as const).map((band) => (
            <Text key={band} size="sm" c={BAND_COLOURS[band]} data-testid={`preview-${label === "Now" ? "now" : "saved"}-${band}`}>
              {band} {spread[band]}
            </Text>
          ))}
          <Text size="sm" c="dimmed">
            no data {spread.no_data}
          </Text>
        </Group>
      ))}
    </Card>
  );
}

/** A model's components, weights, metrics and mappings; a segment model's name and filter too.
 * Saving makes a new version, live or in shadow. */
export function HealthModelEditor({ model, onClose }: { model: HealthModelRead | "new"; onClose: () => void }) {
  const fields = useAccountFields();
  const csms = useCsmOptions(true);
  const catalog = useMetricCatalog();
  const create = useCreateHealthModel();
  const save = useSaveHealthModel();
  const existing = model === "new" ? null : model;
  const [name, setName] = useState(existing?.name ?? "");
  const [filter, setFilter] = useState<FilterCondition | null>((existing?.filter as FilterCondition | null) ?? null);
  const [draft, setDraft] = useState<ComponentDraft[]>(() =>
    existing ? toDraft(existing.shadow?.components ?? existing.live.components) : [structuredClone(NEW_COMPONENT)],
  );
  const problem = draftProblem(draft) ?? (!existing?.default && !filter ? "Choose the accounts this segment model scores." : null);
  const metricOptions = (catalog.data ?? []).filter((m) => m.valid).map((m) => ({ value: m.key, label: m.label }));
  const segmentFields = (fields.data ?? []).filter((f) => !f.key.startsWith("health."));
  const dimensions = (fields.data ?? []).filter(isDimension).map((f) => ({ value: f.key, label: f.label, options: f.options }));

  const done = (title: string) => {
    notifications.show({ color: "tenure", title, message: "Scores are being recomputed." });
    onClose();
  };
  const failed = (error: unknown) => notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) });
  const submit = (shadow: boolean) => {
    const components = fromDraft(draft);
    if (!existing) {
      create.mutate({ name, filter: filter!, components }, { onSuccess: () => done("Model created"), onError: failed });
      return;
    }
    save.mutate(
      { id: existing.id, body: { components, shadow, ...(existing.default ? {} : { name, filter }) } },
      { onSuccess: () => done(shadow ? "Saved in shadow" : "Saved"), onError: failed },
    );
  };

  return (
    <Modal opened onClose={onClose} size="xl" title={existing ? `Edit ${existing.name}` : "New segment model"}>
      <Stack>
        {!existing?.default && (
          <>
            <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="health-model-name" />
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Accounts it scores
              </Text>
              <FilterBuilder fields={segmentFields} value={filter} users={csms.options} onChange={setFilter} />
            </Stack>
          </>
        )}
        {draft.map((c, i) => (
          <ComponentEditor
            key={i}
            component={c}
            metricOptions={metricOptions}
            dimensions={dimensions}
            onChange={(next) => setDraft(draft.map((d, j) => (j === i ? next : d)))}
            onRemove={() => setDraft(draft.filter((_, j) => j !== i))}
          />
        ))}
        <Button variant="default" leftSection={<IconPlus size={14} />} w="fit-content" onClick={() => setDraft([...draft, structuredClone(NEW_COMPONENT)])}>
          Add a component
        </Button>
        <Suspense fallback={null}>
          <WeightsPie draft={draft} />
        </Suspense>
        {existing && <Preview modelId={existing.id} draft={draft} />}
        {problem && (
          <Alert color="yellow" variant="light" data-testid="health-draft-problem">
            {problem}
          </Alert>
        )}
        <Group justify="flex-end">
          {existing && (
            <Button variant="default" disabled={problem !== null} loading={save.isPending} onClick={() => submit(true)}>
              Save in shadow
            </Button>
          )}
          <Button disabled={problem !== null || (!existing?.default && !name.trim())} loading={save.isPending || create.isPending} onClick={() => submit(false)} data-testid="health-model-save">
            {existing ? "Save and make live" : "Create"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
