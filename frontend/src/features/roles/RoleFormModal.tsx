import { Alert, Button, Checkbox, Group, Modal, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Permission, PermissionInfo, Role } from "../../api/types";
import { useCreateRole, useUpdateRole } from "./queries";

/** Pages a role can land on after sign-in (must be pages the SPA has). */
export const LANDING_PAGES = [
  { value: "/accounts", label: "Accounts" },
  { value: "/profile", label: "Profile" },
  { value: "/admin/users", label: "Admin · Users" },
  { value: "/admin/organisation", label: "Admin · Organisation" },
  { value: "/admin/audit-log", label: "Admin · Audit log" },
];

interface Values {
  name: string;
  description: string;
  landing_page: string;
  permissions: Permission[];
}

function initial(role?: Role): Values {
  return {
    name: role?.name ?? "",
    description: role?.description ?? "",
    landing_page: role?.landing_page ?? "/accounts",
    permissions: role?.permissions ?? [],
  };
}

export function RoleFormModal({
  opened,
  onClose,
  role,
  permissions,
}: {
  opened: boolean;
  onClose: () => void;
  role?: Role;
  permissions: PermissionInfo[];
}) {
  const create = useCreateRole();
  const update = useUpdateRole();
  const mutation = role ? update : create;
  const form = useForm<Values>({
    initialValues: initial(role),
    validate: { name: (value) => (value.trim() ? null : "Name the role") },
  });

  useEffect(() => {
    if (opened) {
      form.setValues(initial(role));
      form.clearErrors();
      create.reset();
      update.reset();
    }
  }, [opened, role?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const landingOptions = LANDING_PAGES.some((page) => page.value === form.values.landing_page)
    ? LANDING_PAGES
    : [...LANDING_PAGES, { value: form.values.landing_page, label: form.values.landing_page }];

  const submit = form.onSubmit((values) => {
    const body = { ...values, name: values.name.trim(), description: values.description.trim() };
    const onSuccess = (saved: Role) => {
      notifications.show({ color: "tenure", title: role ? "Role updated" : "Role created", message: saved.name });
      onClose();
    };
    const onError = (error: unknown) => {
      if (!isApiError(error)) return;
      if (error.code === "role_name_taken") form.setFieldError("name", error.detail || "Another role has this name");
      else form.setErrors(error.fieldErrorMap());
    };
    if (role) update.mutate({ roleId: role.id, body }, { onSuccess, onError });
    else create.mutate(body, { onSuccess, onError });
  });

  const generalError =
    mutation.isError && !(isApiError(mutation.error, "role_name_taken") || (isApiError(mutation.error) && mutation.error.fieldErrors.length));

  return (
    <Modal opened={opened} onClose={onClose} title={role ? `Edit ${role.name}` : "New role"} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {generalError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(mutation.error)}
            </Alert>
          )}
          <TextInput label="Name" withAsterisk data-autofocus {...form.getInputProps("name")} />
          <Textarea label="Description" autosize minRows={2} {...form.getInputProps("description")} />
          <Select
            label="Landing page"
            description="Where people with this role start after signing in"
            data={landingOptions}
            allowDeselect={false}
            {...form.getInputProps("landing_page")}
          />
          <Checkbox.Group label="Permissions" {...form.getInputProps("permissions")}>
            <Stack gap="xs" mt="xs">
              {permissions.map((permission) => (
                <Checkbox key={permission.key} value={permission.key} label={permission.label} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {role ? "Save changes" : "Create role"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
