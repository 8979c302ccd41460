import { ActionIcon, Badge, Button, Card, Group, NumberInput, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowDown, IconArrowUp, IconEdit, IconGripVertical, IconPlus, IconTimelineEvent, IconTrash } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/errors";
import type { FilterCondition } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, ErrorState } from "../../components/states";
import { describeCondition } from "../accounts/conditionText";
import { useAccountFields } from "../accounts/queries";
import { ChurnModelCard } from "../churn/ChurnModelCard";
import { HealthModelEditor } from "./HealthModelEditor";
import {
  type HealthModelRead,
  useDeleteHealthModel,
  useHealthBands,
  useHealthModels,
  useMakeShadowLive,
  useOrderSegments,
  useSetHealthBands,
} from "./queries";
import { moveItem } from "./reorder";

/** Why the bands cannot be saved, or null: each band needs scores of its own. */
export function bandsProblem(good: number | "", average: number | ""): string | null {
  if (good === "" || average === "") return "Enter where each band starts.";
  if (!Number.isInteger(good) || !Number.isInteger(average)) return "Bands start at whole numbers.";
  if (average < 1) return "Average must start at 1 or more, so poor has scores of its own.";
  if (good > 100) return "Good must start at 100 or less.";
  if (good <= average) return "Good must start above where average starts.";
  return null;
}

function BandsCard() {
  const bands = useHealthBands();
  const setBands = useSetHealthBands();
  // Empty while a field is cleared: not read as 0.
  const [good, setGood] = useState<number | "">(71);
  const [average, setAverage] = useState<number | "">(31);
  useEffect(() => {
    if (bands.data) {
      setGood(bands.data.good_from);
      setAverage(bands.data.average_from);
    }
  }, [bands.data]);
  const problem = bandsProblem(good, average);
  return (
    <Card withBorder radius="lg" p="lg">
      <Text fw={600} mb="xs">
        Bands
      </Text>
      <Group align="flex-end">
        <NumberInput label="Good from" min={2} max={100} clampBehavior="none" w={120} value={good} onChange={(v) => setGood(v === "" ? "" : Number(v))} data-testid="band-good" />
        <NumberInput
          label="Average from"
          min={1}
          max={99}
          clampBehavior="none"
          w={120}
          value={average}
          onChange={(v) => setAverage(v === "" ? "" : Number(v))}
          data-testid="band-average"
        />
        {average !== "" && (
          <Text size="sm" c="dimmed" pb={6}>
            Poor below {average}
          </Text>
        )}
        <Button
          disabled={problem !== null}
          loading={setBands.isPending}
          onClick={() =>
            setBands.mutate(
              { good_from: Number(good), average_from: Number(average) },
              {
                onSuccess: () => notifications.show({ color: "tenure", title: "Bands saved", message: "Scores are being recomputed." }),
                onError: (error) => notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) }),
              },
            )
          }
        >
          Save bands
        </Button>
      </Group>
      {problem && (
        <Text size="sm" c="red" mt="xs" data-testid="band-problem">
          {problem}
        </Text>
      )}
    </Card>
  );
}

/** Health models: segment models in the order they are tried, then the default; each edited
 * into a new version, live or in shadow. */
export function HealthModelsPage() {
  const models = useHealthModels();
  const fields = useAccountFields();
  const order = useOrderSegments();
  const makeLive = useMakeShadowLive();
  const remove = useDeleteHealthModel();
  const [editing, setEditing] = useState<HealthModelRead | "new" | null>(null);
  const [deleting, setDeleting] = useState<HealthModelRead | null>(null);
  const segments = (models.data ?? []).filter((m) => !m.default);
  const failed = (title: string) => (error: unknown) => notifications.show({ color: "red", title, message: errorMessage(error) });

  // Segment models are reordered by dragging a row onto another's place, or by the up and
  // down buttons from the keyboard.
  const [dragged, setDragged] = useState<number | null>(null);
  const reorder = (from: number, to: number) => {
    if (from === to) return;
    order.mutate(moveItem(segments.map((m) => m.id), from, to), { onError: failed("Could not reorder") });
  };

  return (
    <Stack gap="lg">
      <PageHeader
        title="Health scores"
        description="An account is scored by the first segment model whose filter matches it, else by the default model. Each component averages its metrics' scores; the score is the weighted mean of the components with data."
        actions={
          <>
            <Button component={Link} to="/admin/health/backtest" variant="default" leftSection={<IconTimelineEvent size={16} />}>
              Backtest
            </Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="health-model-new">
              New segment model
            </Button>
          </>
        }
      />
      <BandsCard />
      {models.isError ? (
        <ErrorState error={models.error} onRetry={() => void models.refetch()} title="Could not load health models" />
      ) : models.isPending ? (
        <CardSkeleton />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="health-models">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Model</Table.Th>
                <Table.Th>Accounts</Table.Th>
                <Table.Th>Components</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {models.data.map((m) => {
                const position = segments.findIndex((s) => s.id === m.id);
                return (
                  <Table.Tr
                    key={m.id}
                    data-testid="health-model-row"
                    draggable={!m.default}
                    onDragStart={(e) => {
                      e.dataTransfer.effectAllowed = "move";
                      setDragged(position);
                    }}
                    onDragOver={(e) => {
                      if (dragged !== null && position >= 0) e.preventDefault();
                    }}
                    onDrop={(e) => {
                      e.preventDefault();
                      if (dragged !== null && position >= 0) reorder(dragged, position);
                      setDragged(null);
                    }}
                    onDragEnd={() => setDragged(null)}
                    bg={dragged === position ? "gray.1" : undefined}
                    style={m.default ? undefined : { cursor: "grab" }}
                  >
                    <Table.Td fw={500}>
                      <Group gap={6} wrap="nowrap">
                        {!m.default && (
                          <Tooltip label="Drag to change the order segment models are tried in">
                            <IconGripVertical size={14} color="var(--mantine-color-dimmed)" aria-hidden />
                          </Tooltip>
                        )}
                        {m.name}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={m.default ? "dimmed" : undefined}>
                        {m.default ? "Every account no segment matches" : describeCondition(m.filter as FilterCondition, fields.data ?? [])}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{m.live.components.map((c) => `${c.name} (${c.weight})`).join(", ")}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm">v{m.live.number}</Text>
                        {m.scored_by_earlier > 0 && (
                          <Text size="xs" c="dimmed" data-testid="health-recomputing">
                            Recomputing: {m.scored_by_live} of {m.scored_by_live + m.scored_by_earlier} scored by v{m.live.number}
                          </Text>
                        )}
                        {m.shadow && (
                          <Tooltip label="Scored daily beside the live version, not shown as the score">
                            <Badge variant="light" color="grape" data-testid="health-shadow">
                              v{m.shadow.number} in shadow
                            </Badge>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        {m.shadow && (
                          <Button size="compact-xs" variant="light" color="grape" loading={makeLive.isPending} onClick={() => makeLive.mutate(m.id, { onError: failed("Could not make it live") })}>
                            Make v{m.shadow.number} live
                          </Button>
                        )}
                        {!m.default && (
                          <>
                            <ActionIcon variant="subtle" aria-label={`Move ${m.name} up`} disabled={position === 0} onClick={() => reorder(position, position - 1)}>
                              <IconArrowUp size={16} />
                            </ActionIcon>
                            <ActionIcon variant="subtle" aria-label={`Move ${m.name} down`} disabled={position === segments.length - 1} onClick={() => reorder(position, position + 1)}>
                              <IconArrowDown size={16} />
                            </ActionIcon>
                          </>
                        )}
                        <ActionIcon variant="subtle" aria-label={`Edit ${m.name}`} onClick={() => setEditing(m)}>
                          <IconEdit size={16} />
                        </ActionIcon>
                        {!m.default && (
                          <ActionIcon variant="subtle" color="red" aria-label={`Delete ${m.name}`} onClick={() => setDeleting(m)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <ChurnModelCard />
      {editing && <HealthModelEditor model={editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this segment model?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
        onConfirm={() =>
          deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null), onError: failed("Could not delete") })
        }
      >
        {`Its accounts will be scored by the next model that matches them. The scores “${deleting?.name ?? ""}” gave stay in their history.`}
      </ConfirmModal>
    </Stack>
  );
}
