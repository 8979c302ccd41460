import { Alert, Button, Checkbox, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { ApiKeyCreated, ApiScope } from "../../api/types";
import { OneTimeSecret } from "./CopyableCode";
import { SCOPES } from "./integration";
import { useCreateApiKey } from "./queries";

interface Values {
  name: string;
  scopes: ApiScope[];
}

export function NewApiKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateApiKey();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const form = useForm<Values>({
    initialValues: { name: "", scopes: [] },
    validate: {
      name: (value) => (value.trim() ? null : "Name the key after what will use it"),
      scopes: (value) => (value.length ? null : "Choose at least one scope"),
    },
  });

  useEffect(() => {
    if (opened) {
      form.setValues({ name: "", scopes: [] });
      form.clearErrors();
      setCreated(null);
      create.reset();
    }
  }, [opened]); // eslint-disable-line react-hooks/exhaustive-deps

  const close = () => {
    // Forget the key as soon as the dialog goes: it is never shown again.
    setCreated(null);
    onClose();
  };

  const submit = form.onSubmit((values) =>
    create.mutate(
      { name: values.name.trim(), scopes: values.scopes },
      {
        onSuccess: (key) => {
          setCreated(key);
          notifications.show({ color: "tenure", title: "API key created", message: `${key.name} is ready to use.` });
        },
        onError: (error) => {
          if (isApiError(error)) form.setErrors(error.fieldErrorMap());
        },
      },
    ),
  );

  const generalError = create.isError && !(isApiError(create.error) && create.error.fieldErrors.length);

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? "Your new API key" : "New API key"}
      size="lg"
      centered
      // A stray click must not throw away a key that cannot be shown again.
      closeOnClickOutside={!created}
    >
      {created ? (
        <Stack>
          <OneTimeSecret value={created.key} title="This is the only time the key is shown" testId="new-api-key">
            Tenure keeps only a hash of it; if it is lost, revoke it and create another.
          </OneTimeSecret>
          <Text size="sm" c="dimmed">
            Send it as <code>Authorization: Bearer &lt;key&gt;</code>. Each call it makes appears in its API log.
          </Text>
          <Group justify="flex-end">
            <Button onClick={close}>I've copied the key</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            {generalError && (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {errorMessage(create.error)}
              </Alert>
            )}
            <TextInput
              label="Name"
              description="What will use it, e.g. “Data warehouse sync”"
              data-autofocus
              withAsterisk
              {...form.getInputProps("name")}
            />
            <Checkbox.Group
              label="Scopes"
              description="A key can do only what you may do yourself."
              withAsterisk
              {...form.getInputProps("scopes")}
            >
              <Stack gap="sm" mt="xs">
                {SCOPES.map((scope) => (
                  <Checkbox key={scope.value} value={scope.value} label={scope.label} description={scope.description} />
                ))}
              </Stack>
            </Checkbox.Group>
            <Group justify="flex-end" mt="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
