import {
  ActionIcon,
  Alert,
  Box,
  Button,
  Checkbox,
  Divider,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconX } from "@tabler/icons-react";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { plural } from "../../components/format";
import { useCustomFields, useStages, useTiers } from "../settings/queries";
import { CustomFieldInput } from "./AccountFormModal";
import {
  EMPTY_BULK_FORM,
  bulkEditBody,
  churnIncomplete,
  csmScoreProblem,
  hasChanges,
  type BulkForm,
  type ChurnAction,
  type CustomValue,
  type ListSelection,
} from "./bulk";
import { useCsmOptions } from "./csms";
import { useBulkEditAccounts } from "./queries";

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The custom fields to change: pick a field, then its typed value (empty clears it). */
function CustomFieldChanges({
  values,
  onChange,
}: {
  values: Record<string, CustomValue>;
  onChange: (values: Record<string, CustomValue>) => void;
}) {
  const customFields = useCustomFields();
  if (customFields.isError) {
    return (
      <Text size="sm" c="red">
        Could not load the custom fields: {errorMessage(customFields.error)}
      </Text>
    );
  }
  const fields = customFields.data ?? [];
  if (customFields.isSuccess && fields.length === 0) return null;
  const picked = fields.filter((field) => field.key in values);
  const rest = fields.filter((field) => !(field.key in values));
  return (
    <>
      <Divider label="Custom fields" labelPosition="left" />
      {picked.map((field) => (
        <Group key={field.key} gap="xs" align="flex-end" wrap="nowrap" data-testid="bulk-custom-field">
          <Box style={{ flex: 1 }}>
            <CustomFieldInput
              field={field}
              value={values[field.key] ?? null}
              setValue={(value) => onChange({ ...values, [field.key]: value })}
            />
          </Box>
          <ActionIcon
            variant="subtle"
            color="gray"
            mb={4}
            aria-label={`Leave ${field.label} as is`}
            onClick={() => onChange(Object.fromEntries(Object.entries(values).filter(([key]) => key !== field.key)))}
          >
            <IconX size={16} />
          </ActionIcon>
        </Group>
      ))}
      {picked.length > 0 && (
        <Text size="xs" c="dimmed">
          A custom field left empty is cleared on every selected account.
        </Text>
      )}
      {rest.length > 0 && (
        <Select
          aria-label="Change a custom field"
          placeholder="Change a custom field…"
          data={rest.map((field) => ({ value: field.key, label: field.label }))}
          value={null}
          onChange={(key) => key && onChange({ ...values, [key]: null })}
          searchable
        />
      )}
    </>
  );
}

export function BulkEditModal({
  opened,
  onClose,
  ids,
  allMatching,
  count,
  list,
  onDone,
}: {
  opened: boolean;
  onClose: () => void;
  ids: string[];
  allMatching: boolean;
  /** How many accounts the selection covers (for the title). */
  count: number;
  list: ListSelection;
  onDone: () => void;
}) {
  const [form, setForm] = useState<BulkForm>(EMPTY_BULK_FORM);
  const tiers = useTiers();
  const stages = useStages();
  const csms = useCsmOptions(opened);
  const bulk = useBulkEditAccounts();
  const body = bulkEditBody(ids, allMatching, list, form);
  const set = (patch: Partial<BulkForm>) => setForm({ ...form, ...patch });

  const close = () => {
    if (bulk.isSuccess) onDone();
    setForm(EMPTY_BULK_FORM);
    bulk.reset();
    onClose();
  };

  const submit = () => {
    bulk.mutate(body, {
      onSuccess: (result) => {
        notifications.show({ color: "tenure", title: "Accounts updated", message: `${result.updated} updated` });
        setForm(EMPTY_BULK_FORM);
      },
    });
  };

  return (
    <Modal opened={opened} onClose={close} title={`Bulk edit ${plural(count, "account")}`} size="lg">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Only the fields you fill in change.
        </Text>
        <Select
          label="Tier"
          placeholder="Leave as is"
          data={(tiers.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={form.tierId || null}
          onChange={(value) => set({ tierId: value ?? "" })}
          clearable
        />
        <Select
          label="Stage"
          placeholder="Leave as is"
          data={(stages.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={form.stageId || null}
          onChange={(value) => set({ stageId: value ?? "" })}
          clearable
        />
        <NumberInput
          label="CSM score"
          placeholder="Leave as is"
          min={0}
          max={100}
          clampBehavior="none"
          value={form.csmScore}
          onChange={(value) => set({ csmScore: value })}
          error={csmScoreProblem(form)}
        />
        <Group gap="md" align="flex-end">
          <TextInput
            label="Renewal date"
            type="date"
            value={form.clearRenewal ? "" : form.renewalOn}
            onChange={(event) => set({ renewalOn: event.currentTarget.value })}
            disabled={form.clearRenewal}
            style={{ flex: 1 }}
          />
          <Checkbox
            label="Clear the renewal date"
            checked={form.clearRenewal}
            onChange={(event) => set({ clearRenewal: event.currentTarget.checked })}
            mb={8}
          />
        </Group>
        <Switch
          label="Replace CSMs"
          checked={form.setCsmIds !== null}
          onChange={(event) => set({ setCsmIds: event.currentTarget.checked ? [] : null })}
        />
        {form.setCsmIds !== null ? (
          <MultiSelect
            label="CSMs (replace)"
            placeholder="No CSMs"
            data={csms.options}
            value={form.setCsmIds}
            onChange={(value) => set({ setCsmIds: value })}
            searchable
          />
        ) : (
          <>
            <MultiSelect
              label="Add CSMs"
              data={csms.options}
              value={form.addCsmIds}
              onChange={(value) => set({ addCsmIds: value })}
              searchable
            />
            <MultiSelect
              label="Remove CSMs"
              data={csms.options}
              value={form.removeCsmIds}
              onChange={(value) => set({ removeCsmIds: value })}
              searchable
            />
          </>
        )}
        <CustomFieldChanges values={form.customValues} onChange={(customValues) => set({ customValues })} />
        <Divider label="Churn" labelPosition="left" />
        <Select
          label="Churn status"
          data={[
            { value: "leave", label: "Leave as is" },
            { value: "churn", label: "Mark churned" },
            { value: "reactivate", label: "Reactivate" },
          ]}
          value={form.churnAction}
          onChange={(value) => set({ churnAction: (value ?? "leave") as ChurnAction, churnedOn: form.churnedOn || today() })}
          allowDeselect={false}
        />
        {form.churnAction === "churn" && (
          <>
            <Group gap="md" align="flex-start" grow>
              <TextInput
                label="Churned on"
                type="date"
                withAsterisk
                value={form.churnedOn}
                onChange={(event) => set({ churnedOn: event.currentTarget.value })}
              />
              <TextInput
                label="Churn reason"
                withAsterisk
                value={form.churnReason}
                onChange={(event) => set({ churnReason: event.currentTarget.value })}
              />
            </Group>
            <Text size="xs" c="dimmed">
              Accounts already churned are left as they are.
            </Text>
          </>
        )}
        {form.churnAction === "reactivate" && (
          <Text size="xs" c="dimmed">
            Churned accounts among the selection are reactivated today; the churn stays in their history.
          </Text>
        )}
        {bulk.isError && (
          <Alert color="red" title="Could not update the accounts">
            {errorMessage(bulk.error)}
          </Alert>
        )}
        {bulk.isSuccess && (
          <Alert color="green" data-testid="bulk-result">
            {bulk.data.updated} updated
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Close
          </Button>
          <Button
            onClick={submit}
            loading={bulk.isPending}
            disabled={!hasChanges(body.changes) || churnIncomplete(form) || csmScoreProblem(form) !== null}
            data-testid="bulk-apply"
          >
            Apply
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
