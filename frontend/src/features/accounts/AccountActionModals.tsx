import { Alert, Button, Group, Modal, NumberInput, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm, type UseFormReturnType } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import type { UseMutationResult } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Account } from "../../api/types";
import { wholeNumberProblem } from "../../components/numbers";
import { useChurnAccount, usePostStatus, useRecordNps } from "./queries";

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A small form in a modal that sends one mutation; problem+json field errors land on the fields. */
function ActionModal<V extends Record<string, unknown>, B>({
  opened,
  onClose,
  title,
  submitLabel,
  form,
  initial,
  mutation,
  toBody,
  success,
  danger,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  submitLabel: string;
  form: UseFormReturnType<V>;
  initial: V;
  mutation: UseMutationResult<Account, Error, B>;
  toBody: (values: V) => B;
  success: string;
  danger?: boolean;
  children: ReactNode;
}) {
  useEffect(() => {
    if (opened) {
      form.setValues(initial);
      form.clearErrors();
      mutation.reset();
    }
  }, [opened]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) =>
    mutation.mutate(toBody(values), {
      onSuccess: (account) => {
        notifications.show({ color: "tenure", title: success, message: account.name });
        onClose();
      },
      onError: (error) => {
        if (isApiError(error)) form.setErrors(error.fieldErrorMap());
      },
    }),
  );
  const general = mutation.isError && !(isApiError(mutation.error) && mutation.error.fieldErrors.length);

  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {general && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(mutation.error)}
            </Alert>
          )}
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color={danger ? "red" : undefined} loading={mutation.isPending}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function PostStatusModal({ account, opened, onClose }: { account: Account; opened: boolean; onClose: () => void }) {
  const mutation = usePostStatus(account.id);
  const initial = { title: "", details: "" };
  const form = useForm({
    initialValues: initial,
    validate: { title: (v) => (v.trim() ? null : "Give the status a title") },
  });
  return (
    <ActionModal
      opened={opened}
      onClose={onClose}
      title="Post status"
      submitLabel="Post status"
      form={form}
      initial={initial}
      mutation={mutation}
      toBody={(v) => ({ title: v.title.trim(), details: v.details.trim() || null })}
      success="Status posted"
    >
      <TextInput label="Title" placeholder="On track for renewal" withAsterisk data-autofocus {...form.getInputProps("title")} />
      <Textarea label="Details" autosize minRows={3} {...form.getInputProps("details")} />
    </ActionModal>
  );
}

export function RecordNpsModal({ account, opened, onClose }: { account: Account; opened: boolean; onClose: () => void }) {
  const mutation = useRecordNps(account.id);
  const initial: { score: number | string; contact: string } = { score: "", contact: "" };
  const form = useForm({
    initialValues: initial,
    validate: {
      score: (v) => wholeNumberProblem(v, 0, 10, "The score"),
    },
  });
  return (
    <ActionModal
      opened={opened}
      onClose={onClose}
      title="Record NPS"
      submitLabel="Record"
      form={form}
      initial={initial}
      mutation={mutation}
      toBody={(v) => ({ score: Number(v.score), contact: v.contact.trim() || null })}
      success="NPS recorded"
    >
      <NumberInput label="Score" description="0 to 10" min={0} max={10} clampBehavior="none" withAsterisk data-autofocus {...form.getInputProps("score")} />
      <TextInput label="Contact" placeholder="jane@customer.com" description="Who answered (optional)" {...form.getInputProps("contact")} />
    </ActionModal>
  );
}

export function ChurnModal({ account, opened, onClose }: { account: Account; opened: boolean; onClose: () => void }) {
  const mutation = useChurnAccount(account.id);
  const initial = { churned_on: today(), reason: "" };
  const form = useForm({
    initialValues: initial,
    validate: {
      churned_on: (v) => (v ? null : "Pick the churn date"),
      reason: (v) => (v.trim() ? null : "Say why the customer left"),
    },
  });
  return (
    <ActionModal
      opened={opened}
      onClose={onClose}
      title="Mark as churned"
      submitLabel="Mark churned"
      danger
      form={form}
      initial={initial}
      mutation={mutation}
      toBody={(v) => ({ churned_on: v.churned_on, reason: v.reason.trim() })}
      success="Account marked as churned"
    >
      <TextInput label="Churned on" type="date" withAsterisk {...form.getInputProps("churned_on")} />
      <Textarea label="Reason" withAsterisk autosize minRows={2} {...form.getInputProps("reason")} />
    </ActionModal>
  );
}
