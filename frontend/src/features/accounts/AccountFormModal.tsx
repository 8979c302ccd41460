import { Alert, Button, Group, Modal, MultiSelect, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Account } from "../../api/types";
import { useCsmOptions } from "./csms";
import { useCreateAccount, useUpdateAccount } from "./queries";

interface Values {
  name: string;
  external_id: string;
  domain: string;
  joined_on: string;
  renewal_on: string;
  csm_ids: string[];
}

function initialValues(account?: Account): Values {
  return {
    name: account?.name ?? "",
    external_id: account?.external_id ?? "",
    domain: account?.domain ?? "",
    joined_on: account?.joined_on ?? "",
    renewal_on: account?.renewal_on ?? "",
    csm_ids: account?.csm_ids ?? [],
  };
}

function toBody(values: Values) {
  return {
    name: values.name.trim(),
    external_id: values.external_id.trim(),
    domain: values.domain.trim() || null,
    joined_on: values.joined_on || null,
    renewal_on: values.renewal_on || null,
    csm_ids: values.csm_ids,
  };
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

  const form = useForm<Values>({
    initialValues: initialValues(account),
    validate: {
      name: (value) => (value.trim() ? null : "Enter the account's name"),
      external_id: (value) => (value.trim() ? null : "Enter the ID this account has in your systems"),
      domain: (value) => (!value.trim() || /^[^\s/]+\.[^\s/]+$/.test(value.trim()) ? null : "Enter a domain like acme.com"),
      renewal_on: (value, values) =>
        value && values.joined_on && value < values.joined_on ? "The renewal date is before the join date" : null,
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues(initialValues(account));
      form.resetDirty(initialValues(account));
      form.clearErrors();
      mutation.reset();
    }
    // Reset when the modal opens (or opens for another account), not on every render.
  }, [opened, account?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) => {
    mutation.mutate(toBody(values), {
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
        if (isApiError(error)) {
          const fields = error.fieldErrorMap();
          if (error.status === 409 && !Object.keys(fields).length) {
            form.setFieldError("external_id", error.detail || "Another account already has this external ID");
          } else {
            form.setErrors(fields);
          }
        }
      },
    });
  });

  const showGeneralError = mutation.isError && !(isApiError(mutation.error) && (mutation.error.status === 409 || mutation.error.fieldErrors.length));

  return (
    <Modal opened={opened} onClose={onClose} title={editing ? "Edit account" : "New account"} size="lg" centered>
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
          </SimpleGrid>
          {csmOptions.available && (
            <MultiSelect
              label="CSMs"
              description="Who looks after this account"
              placeholder={form.values.csm_ids.length ? undefined : "Assign CSMs"}
              data={csmOptions.options}
              searchable
              clearable
              nothingFoundMessage="No CSMs found"
              {...form.getInputProps("csm_ids")}
            />
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
