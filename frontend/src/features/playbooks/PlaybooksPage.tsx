import { ActionIcon, Button, Card, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Textarea, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconEdit, IconPlus, IconTrash, IconX } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { type PlaybookRead, useCreatePlaybook, useDeletePlaybook, usePlaybooks, useUpdatePlaybook } from "../alerts/queries";
import { useUsers } from "../users/queries";
import { ASSIGNEES, type AssigneeRole, blankStep, type PlaybookStepWrite, stepBody, stepProblem } from "./playbook";

function PlaybookEditor({ playbook, onClose }: { playbook: PlaybookRead | "new"; onClose: () => void }) {
  const existing = playbook === "new" ? null : playbook;
  const create = useCreatePlaybook();
  const update = useUpdatePlaybook();
  const users = useUsers({ status: "active" });
  const [name, setName] = useState(existing?.name ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [steps, setSteps] = useState<PlaybookStepWrite[]>(
    existing?.steps.map(({ title, description, due_in_days, assignee, assignee_user_id }) => ({ title, description, due_in_days, assignee, assignee_user_id })) ?? [blankStep()],
  );
  const change = (i: number, patch: Partial<PlaybookStepWrite>) => setSteps((s) => s.map((step, j) => (j === i ? { ...step, ...patch } : step)));
  const problem = steps.map(stepProblem).find((p) => p !== null) ?? null;
  const done = () => {
    notifications.show({ color: "tenure", title: "Playbook saved", message: "Tasks already made from it stay as they are." });
    onClose();
  };
  const failed = (error: unknown) => notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) });
  const submit = () => {
    const body = { name, description, steps: steps.map(stepBody) };
    if (existing) update.mutate({ id: existing.id, body }, { onSuccess: done, onError: failed });
    else create.mutate(body, { onSuccess: done, onError: failed });
  };
  const people = (users.data ?? []).map((u) => ({ value: u.id, label: u.full_name }));

  return (
    <Modal opened onClose={onClose} size="xl" title={existing ? `Edit ${existing.name}` : "New playbook"}>
      <Stack>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="playbook-name" />
        <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
        <Text size="sm" fw={500}>
          Steps (each becomes a task when an alert of a rule naming the playbook fires)
        </Text>
        {steps.map((step, i) => (
          <Card key={i} withBorder p="sm" data-testid="playbook-step">
            <Group align="flex-end" wrap="nowrap">
              <TextInput label="Title" value={step.title} onChange={(e) => change(i, { title: e.currentTarget.value })} style={{ flex: 1 }} />
              <NumberInput label="Due in (days)" min={0} max={365} clampBehavior="none" w={120} value={step.due_in_days} onChange={(v) => change(i, { due_in_days: Number(v) || 0 })} />
              <Select label="For" w={200} value={step.assignee} onChange={(v) => v && change(i, { assignee: v as AssigneeRole })} data={ASSIGNEES} allowDeselect={false} />
              {step.assignee === "user" && (
                <Select label="User" w={180} searchable value={step.assignee_user_id ?? null} onChange={(v) => change(i, { assignee_user_id: v })} data={people} />
              )}
              <Tooltip label="Remove step">
                <ActionIcon variant="subtle" color="red" aria-label="Remove step" mb={6} onClick={() => setSteps((s) => s.filter((_, j) => j !== i))}>
                  <IconX size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
            <Textarea mt="xs" placeholder="Description" value={step.description ?? ""} onChange={(e) => change(i, { description: e.currentTarget.value })} autosize minRows={1} />
          </Card>
        ))}
        <Group justify="space-between">
          <Button variant="default" leftSection={<IconPlus size={14} />} onClick={() => setSteps((s) => [...s, blankStep()])}>
            Add step
          </Button>
          <Group gap="sm">
            {problem && (
              <Text size="sm" c="dimmed">
                {problem}
              </Text>
            )}
            <Button disabled={!name.trim() || problem !== null} loading={create.isPending || update.isPending} onClick={submit} data-testid="playbook-save">
              {existing ? "Save" : "Create"}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Playbooks: named lists of task templates that alert rules run when they fire. */
export function PlaybooksPage() {
  const playbooks = usePlaybooks();
  const remove = useDeletePlaybook();
  const [editing, setEditing] = useState<PlaybookRead | "new" | null>(null);
  const assignee = Object.fromEntries(ASSIGNEES.map((a) => [a.value, a.label]));
  return (
    <Stack gap="lg">
      <PageHeader
        title="Playbooks"
        description="A playbook's steps are copied into tasks when an alert of a rule naming it fires; editing a playbook changes no task already made."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="playbook-new">
            New playbook
          </Button>
        }
      />
      {playbooks.isError ? (
        <ErrorState error={playbooks.error} onRetry={() => void playbooks.refetch()} title="Could not load playbooks" />
      ) : playbooks.isPending ? (
        <CardSkeleton />
      ) : playbooks.data.length === 0 ? (
        <EmptyState title="No playbooks yet" description="A playbook is the checklist CSMs follow when an alert fires." />
      ) : (
        <Card withBorder radius="lg" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="playbooks-table">
            <Table.Tbody>
              {playbooks.data.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <Text fw={500}>{p.name}</Text>
                    <Text size="sm" c="dimmed">
                      {p.steps.map((s) => `${s.title} (${assignee[s.assignee]}, ${s.due_in_days} d)`).join(" · ")}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon variant="subtle" aria-label="Edit" onClick={() => setEditing(p)}>
                        <IconEdit size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label="Delete"
                        onClick={() =>
                          remove.mutate(p.id, {
                            onError: (error) => notifications.show({ color: "red", title: "Could not delete", message: errorMessage(error) }),
                          })
                        }
                      >
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
      {editing && <PlaybookEditor playbook={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
