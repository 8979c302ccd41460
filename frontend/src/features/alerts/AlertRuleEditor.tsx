import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import type { FilterCondition } from "../../api/types";
import { formatDate } from "../../components/format";
import { wholeNumberProblem } from "../../components/numbers";
import { useCsmOptions } from "../accounts/csms";
import { FilterBuilder } from "../accounts/FilterBuilder";
import { useAccountFields } from "../accounts/queries";
import {
  ALERT_TYPE_OPTIONS,
  type AlertRuleDraft,
  type AlertRuleRead,
  type AlertType,
  HELD_REASON,
  useAlertRulePreview,
  useCreateAlertRule,
  usePlaybooks,
  useUpdateAlertRule,
} from "./queries";
import { Values } from "./AlertsPage";

const PREVIEW_ROWS = 20;

function Preview({ draft }: { draft: AlertRuleDraft | null }) {
  const [debounced] = useDebouncedValue(draft, 400);
  const preview = useAlertRulePreview(debounced);
  if (!draft) return null;
  if (preview.isError) {
    return (
      <Alert color="red" variant="light" data-testid="alert-rule-preview-error">
        {errorMessage(preview.error)}
      </Alert>
    );
  }
  if (!preview.data) return <Text size="sm" c="dimmed">Previewing…</Text>;
  const { matched, would_fire, held, accounts } = preview.data;
  return (
    <Stack gap="xs" data-testid="alert-rule-preview">
      <Text size="sm">
        Matches {matched} of your accounts now; {would_fire} would fire
        {held.churned_excluded ? `, ${held.churned_excluded} churned excluded` : ""}.
      </Text>
      {accounts.length > 0 && (
        <Table withTableBorder verticalSpacing={4} fz="sm">
          <Table.Tbody>
            {accounts.slice(0, PREVIEW_ROWS).map((a) => (
              <Table.Tr key={a.account_id}>
                <Table.Td>{a.account_name}</Table.Td>
                <Table.Td>
                  {a.fires ? (
                    <Badge color="tenure">fires</Badge>
                  ) : (
                    <Text size="xs" c="dimmed">
                      {a.held ? HELD_REASON[a.held] : ""}
                      {a.may_fire_from ? ` until ${formatDate(a.may_fire_from)}` : ""}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Values values={a.values} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** An alert rule's name, type, reason, condition and retrigger policy, previewed over the
 * accounts you may see as it is edited. */
export function AlertRuleEditor({ rule, onClose }: { rule: AlertRuleRead | "new"; onClose: () => void }) {
  const fields = useAccountFields();
  const csms = useCsmOptions(true);
  const create = useCreateAlertRule();
  const update = useUpdateAlertRule();
  const existing = rule === "new" ? null : rule;
  const [name, setName] = useState(existing?.name ?? "");
  const [type, setType] = useState<AlertType>(existing?.type ?? "churn");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [condition, setCondition] = useState<FilterCondition | null>((existing?.condition as FilterCondition | undefined) ?? null);
  const [delay, setDelay] = useState<number | string>(existing?.retrigger_delay_days ?? 7);
  const [never, setNever] = useState(existing?.never_retrigger ?? false);
  const [churned, setChurned] = useState(existing?.includes_churned ?? false);
  const [task, setTask] = useState(existing?.creates_task ?? false);
  const [playbook, setPlaybook] = useState<string | null>(existing?.playbook_id ?? null);
  const playbooks = usePlaybooks();
  const delayProblem = wholeNumberProblem(delay, 0, 3650, "Retrigger delay (days)");
  const draft: AlertRuleDraft | null =
    condition && !delayProblem
      ? {
          condition: condition as AlertRuleDraft["condition"],
          retrigger_delay_days: Number(delay),
          never_retrigger: never,
          includes_churned: churned,
        }
      : null;
  const failed = (error: unknown) => notifications.show({ color: "red", title: "Could not save", message: errorMessage(error) });
  const done = () => {
    notifications.show({ color: "tenure", title: "Rule saved", message: "Accounts are evaluated as they change and every hour." });
    onClose();
  };
  const submit = () => {
    if (!draft) return;
    const body = { ...draft, name, type, description, creates_task: task, playbook_id: playbook, is_active: existing?.is_active ?? true };
    if (existing) update.mutate({ id: existing.id, body }, { onSuccess: done, onError: failed });
    else create.mutate(body, { onSuccess: done, onError: failed });
  };

  return (
    <Modal opened onClose={onClose} size="xl" title={existing ? `Edit ${existing.name}` : "New alert rule"}>
      <Stack>
        <Group grow>
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="alert-rule-name" />
          <Select label="Type" value={type} onChange={(v) => v && setType(v as AlertType)} data={ALERT_TYPE_OPTIONS} allowDeselect={false} />
        </Group>
        <Textarea label="Reason shown to CSMs" value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Accounts it alerts on
          </Text>
          <FilterBuilder fields={fields.data ?? []} value={condition} users={csms.options} onChange={setCondition} />
        </Stack>
        <Group align="flex-end">
          <NumberInput
            label="Retrigger delay (days)"
            min={0}
            max={3650}
            clampBehavior="none"
            w={180}
            value={delay}
            onChange={setDelay}
            error={delayProblem}
            disabled={never}
          />
          <Checkbox label="Never retrigger" checked={never} onChange={(e) => setNever(e.currentTarget.checked)} pb={8} />
          <Checkbox label="Include churned accounts" checked={churned} onChange={(e) => setChurned(e.currentTarget.checked)} pb={8} />
          <Checkbox label="Create an alert task" checked={task} onChange={(e) => setTask(e.currentTarget.checked)} pb={8} data-testid="alert-rule-creates-task" />
        </Group>
        <Select
          label="Playbook"
          description={task ? "Its steps become the alert task's sub-tasks" : "Its steps become tasks linked to the alert"}
          placeholder="None"
          clearable
          value={playbook}
          onChange={setPlaybook}
          data={(playbooks.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          data-testid="alert-rule-playbook"
        />
        <Preview draft={draft} />
        <Group justify="flex-end">
          <Button disabled={!draft || !name.trim()} loading={create.isPending || update.isPending} onClick={submit} data-testid="alert-rule-save">
            {existing ? "Save" : "Create"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
