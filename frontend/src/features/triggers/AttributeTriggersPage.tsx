import { ActionIcon, Alert, Badge, Button, Card, Group, Input, Modal, NumberInput, Select, Skeleton, Stack, Switch, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconEdit, IconPlayerPlay, IconPlus, IconTrash } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { AttributeTrigger, TriggerTarget } from "../../api/types";
import { ConfirmModal } from "../../components/ConfirmModal";
import { formatDateTime } from "../../components/format";
import { PageHeader } from "../../components/PageHeader";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { describeCondition } from "../accounts/conditionText";
import { useCsmOptions } from "../accounts/csms";
import { FilterBuilder } from "../accounts/FilterBuilder";
import { useAccountFields } from "../accounts/queries";
import { useStages, useTiers } from "../settings/queries";
import { useUserDirectory } from "../users/queries";
import {
  useAttributeTriggers,
  useCreateAttributeTrigger,
  useDeleteAttributeTrigger,
  useRunAttributeTriggers,
  useUpdateAttributeTrigger,
} from "./queries";
import {
  EMPTY_TRIGGER_FORM,
  shownPosition,
  triggerBody,
  triggerToForm,
  validateTriggerForm,
  type TriggerForm,
  type TriggerFormErrors,
} from "./triggers";

const TARGETS: { value: TriggerTarget; label: string }[] = [
  { value: "tier", label: "Set tier" },
  { value: "stage", label: "Set lifecycle stage" },
  { value: "churned", label: "Mark churned" },
];

function TriggerModal({
  opened,
  onClose,
  trigger,
  nextPosition,
}: {
  opened: boolean;
  onClose: () => void;
  trigger: AttributeTrigger | null;
  nextPosition: number;
}) {
  const create = useCreateAttributeTrigger();
  const update = useUpdateAttributeTrigger();
  const mutation = trigger ? update : create;
  const tiers = useTiers();
  const stages = useStages();
  const fields = useAccountFields();
  const csmOptions = useCsmOptions(opened);
  const [form, setForm] = useState<TriggerForm>(EMPTY_TRIGGER_FORM);
  const [errors, setErrors] = useState<TriggerFormErrors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  // Remount the builder when the modal opens on another trigger.
  const [builderKey, setBuilderKey] = useState(0);

  useEffect(() => {
    if (opened) {
      setForm(trigger ? triggerToForm(trigger) : { ...EMPTY_TRIGGER_FORM, place: shownPosition(nextPosition) });
      setErrors({});
      setServerError(null);
      setBuilderKey((k) => k + 1);
      create.reset();
      update.reset();
    }
  }, [opened, trigger?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const set = <K extends keyof TriggerForm>(key: K, value: TriggerForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const found = validateTriggerForm(form);
    setErrors(found);
    setServerError(null);
    if (Object.keys(found).length) return;
    const body = triggerBody(form);
    const onSuccess = () => {
      notifications.show({ color: "tenure", title: trigger ? "Trigger updated" : "Trigger created", message: body.name });
      onClose();
    };
    const onError = (error: Error) => {
      if (isApiError(error)) {
        const map = error.fieldErrorMap();
        setErrors({
          name: map.name,
          tierId: map.tier_id,
          stageId: map.stage_id,
          churnReason: map.churn_reason,
          place: map.position,
          condition: map.condition ?? (error.code === "invalid_filter" ? error.detail || error.title : undefined),
        });
        setServerError(
          error.code === "invalid_filter" ? "The condition is not valid." : error.detail || error.title || errorMessage(error),
        );
      } else {
        setServerError(errorMessage(error));
      }
    };
    if (trigger) update.mutate({ id: trigger.id, body }, { onSuccess, onError });
    else create.mutate(body, { onSuccess, onError });
  };

  return (
    <Modal opened={opened} onClose={onClose} title={trigger ? "Edit trigger" : "New trigger"} size="xl" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {serverError && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} role="alert" data-testid="trigger-error">
              {serverError}
            </Alert>
          )}
          <TextInput
            label="Name"
            withAsterisk
            data-autofocus
            value={form.name}
            error={errors.name}
            onChange={(e) => set("name", e.currentTarget.value)}
          />
          <Group grow align="flex-start">
            <Select
              label="Action"
              data={TARGETS}
              allowDeselect={false}
              value={form.target}
              onChange={(v) => v && set("target", v as TriggerTarget)}
            />
            {form.target === "tier" && (
              <Select
                label="Tier"
                withAsterisk
                placeholder={tiers.isPending ? "Loading…" : "Pick a tier"}
                data={(tiers.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
                value={form.tierId}
                error={errors.tierId ?? (tiers.isError ? errorMessage(tiers.error) : undefined)}
                onChange={(v) => set("tierId", v)}
              />
            )}
            {form.target === "stage" && (
              <Select
                label="Lifecycle stage"
                withAsterisk
                placeholder={stages.isPending ? "Loading…" : "Pick a stage"}
                data={(stages.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
                value={form.stageId}
                error={errors.stageId ?? (stages.isError ? errorMessage(stages.error) : undefined)}
                onChange={(v) => set("stageId", v)}
              />
            )}
            {form.target === "churned" && (
              <TextInput
                label="Churn reason"
                withAsterisk
                value={form.churnReason}
                error={errors.churnReason}
                onChange={(e) => set("churnReason", e.currentTarget.value)}
              />
            )}
          </Group>
          <Input.Wrapper label="When an account matches" withAsterisk error={errors.condition}>
            <Card withBorder radius="md" p="sm" mt={4}>
              {fields.isError ? (
                <ErrorState error={fields.error} onRetry={() => void fields.refetch()} title="Could not load the filter fields" />
              ) : fields.isPending ? (
                <Skeleton height={30} width={160} />
              ) : (
                <FilterBuilder
                  key={builderKey}
                  fields={fields.data}
                  value={form.condition}
                  users={csmOptions.options}
                  onChange={(condition) => set("condition", condition)}
                />
              )}
            </Card>
          </Input.Wrapper>
          <Group align="flex-end">
            <NumberInput
              label="Position"
              description="Lower runs first; when triggers set the same attribute, the first that matches an account decides it"
              min={1}
              clampBehavior="none"
              value={form.place}
              onChange={(v) => set("place", v)}
              error={errors.place}
              w={160}
            />
            <Switch label="Active" checked={form.isActive} onChange={(e) => set("isActive", e.currentTarget.checked)} mb={8} />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {trigger ? "Save" : "Create trigger"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function AttributeTriggersPage() {
  const triggers = useAttributeTriggers();
  const tiers = useTiers();
  const stages = useStages();
  const remove = useDeleteAttributeTrigger();
  const run = useRunAttributeTriggers();
  const [opened, setOpened] = useState(false);
  const [editing, setEditing] = useState<AttributeTrigger | null>(null);
  const [deleting, setDeleting] = useState<AttributeTrigger | null>(null);
  const fields = useAccountFields();
  const directory = useUserDirectory(true);
  const items = [...(triggers.data ?? [])].sort((a, b) => a.position - b.position);
  const nextPosition = items.length ? Math.max(...items.map((t) => t.position)) + 1 : 0;

  const openNew = () => {
    setEditing(null);
    setOpened(true);
  };

  const describeTarget = (t: AttributeTrigger): string => {
    if (t.target === "tier") return `Tier → ${tiers.data?.find((x) => x.id === t.tier_id)?.name ?? "?"}`;
    if (t.target === "stage") return `Stage → ${stages.data?.find((x) => x.id === t.stage_id)?.name ?? "?"}`;
    return `Churned (${t.churn_reason ?? ""})`;
  };

  const runNow = () =>
    run.mutate(undefined, {
      onSuccess: () =>
        notifications.show({ color: "tenure", title: "Triggers are running", message: "Accounts update in the background." }),
      onError: (e) => notifications.show({ color: "red", title: "Could not run triggers", message: errorMessage(e) }),
    });

  return (
    <>
      <PageHeader
        title="Attribute triggers"
        description="Set an account's tier or lifecycle stage, or mark it churned, when it matches a condition."
        actions={
          <>
            <Button variant="default" leftSection={<IconPlayerPlay size={16} />} onClick={runNow} loading={run.isPending}>
              Run now
            </Button>
            <Button leftSection={<IconPlus size={16} />} onClick={openNew}>
              New trigger
            </Button>
          </>
        }
      />
      <Card withBorder radius="lg" p="lg">
        {triggers.isError ? (
          <ErrorState error={triggers.error} onRetry={() => void triggers.refetch()} title="Could not load triggers" />
        ) : !triggers.isPending && items.length === 0 ? (
          <EmptyState
            title="No triggers yet"
            description="Create one to keep tiers, stages and churn in step with your account data."
            action={<Button onClick={openNew}>New trigger</Button>}
          />
        ) : (
          <Table.ScrollContainer minWidth={800}>
            <Table verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Position</Table.Th>
                  <Table.Th>Name and condition</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last run</Table.Th>
                  <Table.Th>Accounts changed</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {triggers.isPending ? (
                  <TableSkeletonRows rows={3} columns={7} />
                ) : (
                  items.map((t) => (
                    <Table.Tr key={t.id} data-testid="trigger-row">
                      <Table.Td data-testid="trigger-position">{shownPosition(t.position)}</Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {t.name}
                        </Text>
                        <Text size="xs" c="dimmed" data-testid="trigger-condition">
                          When {describeCondition(t.condition, fields.data ?? [], (id) => directory.byId.get(id)?.full_name)}
                        </Text>
                      </Table.Td>
                      <Table.Td>{describeTarget(t)}</Table.Td>
                      {/* Wide enough for the badge whole: the condition beside it takes the rest. */}
                      <Table.Td miw={100}>
                        <Badge variant="light" color={t.is_active ? "tenure" : "gray"}>
                          {t.is_active ? "Active" : "Paused"}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{t.last_run_at ? formatDateTime(t.last_run_at) : <Text size="sm" c="dimmed">Never</Text>}</Table.Td>
                      <Table.Td>{t.last_run_at ? t.last_changed.toLocaleString() : "—"}</Table.Td>
                      <Table.Td>
                        <Group gap={2} justify="flex-end" wrap="nowrap">
                          <Tooltip label="Edit">
                            <ActionIcon
                              variant="subtle"
                              color="gray"
                              aria-label={`Edit ${t.name}`}
                              onClick={() => {
                                setEditing(t);
                                setOpened(true);
                              }}
                            >
                              <IconEdit size={16} />
                            </ActionIcon>
                          </Tooltip>
                          <ActionIcon variant="subtle" color="red" aria-label={`Delete ${t.name}`} onClick={() => setDeleting(t)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <TriggerModal opened={opened} onClose={() => setOpened(false)} trigger={editing} nextPosition={nextPosition} />
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete trigger"
        danger
        loading={remove.isPending}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => setDeleting(null),
            onError: (e) => notifications.show({ color: "red", title: "Could not delete the trigger", message: errorMessage(e) }),
          })
        }
      >
        Accounts keep what it already set.
      </ConfirmModal>
    </>
  );
}
