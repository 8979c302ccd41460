import { Alert, Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Role } from "../../api/types";
import { useInviteUser } from "./queries";

export function InviteUserModal({
  opened,
  onClose,
  roles,
  onInvited,
}: {
  opened: boolean;
  onClose: () => void;
  roles: Role[];
  onInvited?: () => void;
}) {
  const invite = useInviteUser();
  const defaultRole = roles.find((role) => role.name === "CSM") ?? roles[0];
  const form = useForm({
    initialValues: { email: "", full_name: "", role_id: defaultRole?.id ?? "" },
    validate: {
      email: (value) => (/^\S+@\S+\.\S+$/.test(value.trim()) ? null : "Enter an email address"),
      full_name: (value) => (value.trim() ? null : "Enter their name"),
      role_id: (value) => (value ? null : "Choose a role"),
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues({ email: "", full_name: "", role_id: defaultRole?.id ?? "" });
      form.clearErrors();
      invite.reset();
    }
  }, [opened]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) =>
    invite.mutate(
      { email: values.email.trim(), full_name: values.full_name.trim(), role_id: values.role_id },
      {
        onSuccess: (user) => {
          notifications.show({
            color: "tenure",
            title: "Invitation sent",
            message: `${user.full_name} will get an email with a link to join.`,
          });
          onClose();
          onInvited?.();
        },
        onError: (error) => {
          if (isApiError(error)) {
            const fields = error.fieldErrorMap();
            if (error.status === 409) form.setFieldError("email", error.detail || "Someone already uses this email");
            else form.setErrors(fields);
          }
        },
      },
    ),
  );

  const generalError =
    invite.isError && !(isApiError(invite.error) && (invite.error.status === 409 || invite.error.fieldErrors.length));

  return (
    <Modal opened={opened} onClose={onClose} title="Invite a user" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {generalError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(invite.error)}
            </Alert>
          )}
          <TextInput label="Email" type="email" placeholder="name@company.com" data-autofocus withAsterisk {...form.getInputProps("email")} />
          <TextInput label="Full name" withAsterisk {...form.getInputProps("full_name")} />
          <Select
            label="Role"
            data={roles.map((role) => ({ value: role.id, label: role.name }))}
            allowDeselect={false}
            withAsterisk
            {...form.getInputProps("role_id")}
          />
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={invite.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
