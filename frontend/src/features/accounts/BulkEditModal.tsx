import { Alert, Button, Group, Modal, MultiSelect, NumberInput, Select, Stack, Switch, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorMessage } from "../../api/errors";
import { plural } from "../../components/format";
import { useStages, useTiers } from "../settings/queries";
import { EMPTY_BULK_FORM, bulkEditBody, hasChanges, type BulkForm, type ListSelection } from "./bulk";
import { useCsmOptions } from "./csms";
import { useBulkEditAccounts } from "./queries";

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
          value={form.csmScore}
          onChange={(value) => set({ csmScore: typeof value === "number" ? value : "" })}
        />
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
          <Button onClick={submit} loading={bulk.isPending} disabled={!hasChanges(body.changes)} data-testid="bulk-apply">
            Apply
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
