import {
  Alert,
  Button,
  Divider,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Account, CustomField } from "../../api/types";
import { wholeNumberProblem } from "../../components/numbers";
import { useCan, useMe } from "../auth/queries";
import { useCustomFields, useStages, useTiers } from "../settings/queries";
import { useCsmOptions } from "./csms";
import { AccountPicker } from "./AccountPicker";
import { useCreateAccount, useUpdateAccount } from "./queries";

type CustomValue = string | number | boolean | null;

interface Values {
  name: string;
  external_id: string;
  domain: string;
  joined_on: string;
  renewal_on: string;
  csm_ids: string[];
  crm_id: string;
  billing_id: string;
  support_id: string;
  parent_id: string | null;
  tier_id: string | null;
  stage_id: string | null;
  csm_score: number | string;
  custom_values: Record<string, CustomValue>;
}

/** The form's values for `account`, or for a new account assigned to `newCsmIds`. */
function initialValues(account?: Account, newCsmIds: string[] = []): Values {
  return {
    name: account?.name ?? "",
    external_id: account?.external_id ?? "",
    domain: account?.domain ?? "",
    joined_on: account?.joined_on ?? "",
    renewal_on: account?.renewal_on ?? "",
    csm_ids: account?.csm_ids ?? newCsmIds,
    crm_id: account?.crm_id ?? "",
    billing_id: account?.billing_id ?? "",
    support_id: account?.support_id ?? "",
    parent_id: account?.parent_id ?? null,
    tier_id: account?.tier_id ?? null,
    stage_id: account?.stage_id ?? null,
    csm_score: account?.csm_score ?? "",
    custom_values: { ...((account?.custom_values ?? {}) as Record<string, CustomValue>) },
  };
}

function toBody(values: Values, customFields: CustomField[], account?: Account) {
  const custom: Record<string, CustomValue> = {};
  for (const field of customFields) {
    const raw = values.custom_values[field.key];
    const value = raw === "" || raw === undefined ? null : typeof raw === "string" ? raw.trim() || null : raw;
    const before = (account?.custom_values as Record<string, CustomValue> | undefined)?.[field.key] ?? null;
    // Only what changed: a value nobody touched is left as the API has it.
    if (!account || value !== before) custom[field.key] = value;
  }
  return {
    name: values.name.trim(),
    external_id: values.external_id.trim(),
    domain: values.domain.trim() || null,
    joined_on: values.joined_on || null,
    renewal_on: values.renewal_on || null,
    csm_ids: values.csm_ids,
    crm_id: values.crm_id.trim() || null,
    billing_id: values.billing_id.trim() || null,
    support_id: values.support_id.trim() || null,
    parent_id: values.parent_id,
    tier_id: values.tier_id,
    stage_id: values.stage_id,
    // Validated: a whole number, maybe still text as typed ("55.").
    csm_score: values.csm_score === "" ? null : Number(values.csm_score),
    custom_values: Object.keys(custom).length ? custom : undefined,
  };
}

/** Which form field a problem+json error code is about, when it is about one. */
function fieldForCode(code: string, detail: string, customFields: CustomField[]): string | null {
  switch (code) {
    case "hierarchy_cycle":
    case "parent_not_found":
      return "parent_id";
    case "tier_not_found":
      return "tier_id";
    case "stage_not_found":
      return "stage_id";
    case "not_a_csm":
      return "csm_ids";
    case "external_id_taken":
    case "account_reference_taken":
      return "external_id";
    case "invalid_custom_value": {
      const field = customFields.find((f) => detail.startsWith(`${f.key} `) || detail.includes(`'${f.key}'`));
      return field ? `custom_values.${field.key}` : null;
    }
  }
  return null;
}

export function CustomFieldInput({
  field,
  value,
  error,
  setValue,
}: {
  field: CustomField;
  value: CustomValue;
  error?: React.ReactNode;
  setValue: (value: CustomValue) => void;
}) {
  const props = { error };
  const form = { setFieldValue: (_path: string, v: CustomValue) => setValue(v) };
  const path = field.key;
  switch (field.type) {
    case "number":
      return (
        <NumberInput
          label={field.label}
          {...props}
          value={typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : ""}
          onChange={(v) => form.setFieldValue(path, typeof v === "number" ? v : null)}
        />
      );
    case "category":
      return (
        <Select
          label={field.label}
          data={field.options}
          clearable
          {...props}
          value={typeof value === "string" ? value : null}
          onChange={(v) => form.setFieldValue(path, v)}
        />
      );
    case "boolean":
      return (
        <Select
          label={field.label}
          data={[
            { value: "true", label: "Yes" },
            { value: "false", label: "No" },
          ]}
          clearable
          {...props}
          value={value === true ? "true" : value === false ? "false" : null}
          onChange={(v) => form.setFieldValue(path, v === null ? null : v === "true")}
        />
      );
    case "date":
      return (
        <TextInput
          label={field.label}
          type="date"
          {...props}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => form.setFieldValue(path, e.currentTarget.value || null)}
        />
      );
    default:
      return (
        <TextInput
          label={field.label}
          {...props}
          value={value === null ? "" : String(value)}
          onChange={(e) => form.setFieldValue(path, e.currentTarget.value)}
        />
      );
  }
}

/** The account's parent: any other account the user can see. */
function ParentPicker({
  accountId,
  value,
  onChange,
  error,
  enabled,
}: {
  accountId?: string;
  value: string | null;
  onChange: (id: string | null) => void;
  error?: React.ReactNode;
  enabled: boolean;
}) {
  return (
    <AccountPicker
      label="Parent account"
      description="The account this one belongs to"
      placeholder="No parent"
      clearable
      exclude={accountId}
      enabled={enabled}
      value={value}
      onChange={onChange}
      error={error}
    />
  );
}

/** Create an account, or edit one when `account` is given. */
export function AccountFormModal({
  opened,
  onClose,
  account,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  account?: Account;
  onSaved?: (account: Account) => void;
}) {
  const editing = Boolean(account);
  const create = useCreateAccount();
  const update = useUpdateAccount(account?.id ?? "");
  const mutation = editing ? update : create;
  const csmOptions = useCsmOptions(opened, account?.csm_ids);
  const tiers = useTiers();
  const stages = useStages();
  const customFields = useCustomFields();
  const fields = customFields.data ?? [];
  const can = useCan();
  const me = useMe().data;
  // A CSM sees only the accounts they look after: one they create without being among its CSMs
  // would vanish from their list, and its page would be "not found" (the API refuses it too:
  // a 422 `account_out_of_your_sight`, shown above the form).
  const mustStayCsm = !editing && !can("view_all_accounts") && can("csm_seat") && me !== undefined;
  const newCsmIds = mustStayCsm ? [me.id] : [];

  const form = useForm<Values>({
    initialValues: initialValues(account, newCsmIds),
    validate: {
      name: (value) => (value.trim() ? null : "Enter the account's name"),
      external_id: (value) => (value.trim() ? null : "Enter the ID this account has in your systems"),
      domain: (value) => (!value.trim() || /^[^\s/]+\.[^\s/]+$/.test(value.trim()) ? null : "Enter a domain like acme.com"),
      renewal_on: (value, values) =>
        value && values.joined_on && value < values.joined_on ? "The renewal date is before the join date" : null,
      csm_score: (value) => (value === "" ? null : wholeNumberProblem(value, 0, 100, "CSM score")),
      csm_ids: (ids) => (mustStayCsm && !ids.includes(me.id) ? "Keep yourself among the CSMs, or you will not see this account" : null),
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues(initialValues(account, newCsmIds));
      form.resetDirty(initialValues(account, newCsmIds));
      form.clearErrors();
      mutation.reset();
    }
    // Reset when the modal opens (or opens for another account, or the signed-in user is known), not on every render.
  }, [opened, account?.id, newCsmIds[0]]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) => {
    mutation.mutate(toBody(values, fields, account), {
      onSuccess: (saved) => {
        notifications.show({
          color: "tenure",
          title: editing ? "Account updated" : "Account created",
          message: saved.name,
        });
        onClose();
        onSaved?.(saved);
      },
      onError: (error) => {
        if (!isApiError(error)) return;
        const map = error.fieldErrorMap();
        const target = fieldForCode(error.code, error.detail, fields);
        if (target) map[target] = error.detail || error.title;
        // Any other refusal (a rule of the API's the form does not know) shows above the form.
        form.setErrors(map);
      },
    });
  });

  const handled =
    isApiError(mutation.error) &&
    (mutation.error.fieldErrors.length > 0 || fieldForCode(mutation.error.code, mutation.error.detail, fields) !== null);
  const showGeneralError = mutation.isError && !handled;

  return (
    <Modal opened={opened} onClose={onClose} title={editing ? "Edit account" : "New account"} size="xl" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {showGeneralError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(mutation.error)}
            </Alert>
          )}
          <TextInput label="Name" placeholder="Acme Corp" withAsterisk data-autofocus {...form.getInputProps("name")} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="External ID"
              description="This account's key in your CRM or billing system"
              placeholder="acme-001"
              withAsterisk
              {...form.getInputProps("external_id")}
            />
            <TextInput
              label="Domain"
              description="The customer's website"
              placeholder="acme.com"
              {...form.getInputProps("domain")}
            />
            <TextInput label="Joined on" type="date" {...form.getInputProps("joined_on")} />
            <TextInput label="Renewal on" type="date" {...form.getInputProps("renewal_on")} />
            <Select
              label="Tier"
              placeholder="No tier"
              data={(tiers.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
              clearable
              {...form.getInputProps("tier_id")}
            />
            <Select
              label="Lifecycle stage"
              placeholder="No stage"
              data={(stages.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
              clearable
              {...form.getInputProps("stage_id")}
            />
            <NumberInput
              label="CSM score"
              description="0–100, your judgement of the account"
              min={0}
              max={100}
              clampBehavior="none"
              {...form.getInputProps("csm_score")}
            />
            <ParentPicker
              accountId={account?.id}
              enabled={opened}
              value={form.values.parent_id}
              onChange={(id) => form.setFieldValue("parent_id", id)}
              error={form.errors.parent_id}
            />
          </SimpleGrid>
          {csmOptions.available && (
            <MultiSelect
              label="CSMs"
              description={
                mustStayCsm
                  ? "Who looks after this account. You see only the accounts you look after: stay among its CSMs to see this one."
                  : "Who looks after this account"
              }
              placeholder={form.values.csm_ids.length ? undefined : "Assign CSMs"}
              data={csmOptions.options}
              searchable
              clearable
              nothingFoundMessage="No CSMs found"
              {...form.getInputProps("csm_ids")}
            />
          )}
          <Divider label="IDs in other systems" labelPosition="left" />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label="CRM ID" {...form.getInputProps("crm_id")} />
            <TextInput label="Billing ID" {...form.getInputProps("billing_id")} />
            <TextInput label="Support ID" {...form.getInputProps("support_id")} />
          </SimpleGrid>
          {fields.length > 0 && (
            <>
              <Divider label="Custom fields" labelPosition="left" />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {fields.map((field) => (
                  <CustomFieldInput
                    key={field.id}
                    field={field}
                    value={form.values.custom_values[field.key] ?? null}
                    error={form.errors[`custom_values.${field.key}`]}
                    setValue={(v) => form.setFieldValue(`custom_values.${field.key}`, v)}
                  />
                ))}
              </SimpleGrid>
            </>
          )}
          {customFields.isError && (
            <Text size="sm" c="red">
              Could not load the custom fields: {errorMessage(customFields.error)}
            </Text>
          )}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {editing ? "Save changes" : "Create account"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
