import { Alert, Badge, Button, Card, Group, Modal, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle, IconShieldCheck } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import { PageHeader } from "../../components/PageHeader";
import { MIN_PASSWORD_LENGTH, validateConfirmation, validateNewPassword } from "../auth/passwordRules";
import { useMe } from "../auth/queries";
import { NotificationPreferences } from "../notifications/NotificationPreferences";
import { MfaEnrolment } from "./MfaEnrolment";
import { RecoveryCodes } from "./RecoveryCodes";
import { useChangePassword, useDisableMfa, useRefreshMe, useRegenerateRecoveryCodes } from "./queries";

function Section({ title, description, children, extra }: { title: string; description?: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card withBorder radius="lg" p="xl">
      <Group justify="space-between" align="flex-start" mb="md">
        <Stack gap={2}>
          <Title order={4}>{title}</Title>
          {description && (
            <Text size="sm" c="dimmed">
              {description}
            </Text>
          )}
        </Stack>
        {extra}
      </Group>
      {children}
    </Card>
  );
}

function ChangePassword() {
  const change = useChangePassword();
  const form = useForm({
    initialValues: { current_password: "", new_password: "", confirmation: "" },
    validate: {
      current_password: (value) => (value ? null : "Enter your current password"),
      new_password: validateNewPassword,
      confirmation: (value, values) => validateConfirmation(value, values.new_password),
    },
  });
  const submit = form.onSubmit((values) =>
    change.mutate(
      { current_password: values.current_password, new_password: values.new_password },
      {
        onSuccess: () => {
          form.reset();
          notifications.show({ color: "tenure", title: "Password changed", message: "Use your new password next time you sign in." });
        },
        onError: (error) => {
          // A 403, not a 401: the session goes on (a 401 would have the client sign out).
          if (isApiError(error, "wrong_password")) {
            form.setFieldError("current_password", error.detail || "That is not your current password");
          } else if (isApiError(error)) form.setErrors(error.fieldErrorMap());
        },
      },
    ),
  );
  // What no field shows: too many wrong passwords (429), an unreachable server, ...
  const onAField = isApiError(change.error) && (change.error.code === "wrong_password" || change.error.fieldErrors.length > 0);
  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={420}>
        {change.isError && !onAField && (
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
            {errorMessage(change.error)}
          </Alert>
        )}
        <PasswordInput label="Current password" autoComplete="current-password" {...form.getInputProps("current_password")} />
        <PasswordInput
          label="New password"
          description={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          autoComplete="new-password"
          {...form.getInputProps("new_password")}
        />
        <PasswordInput label="Confirm new password" autoComplete="new-password" {...form.getInputProps("confirmation")} />
        <Group>
          <Button type="submit" loading={change.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RegenerateCodes({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const regenerate = useRegenerateRecoveryCodes();
  const [code, setCode] = useState("");
  const close = () => {
    regenerate.reset();
    setCode("");
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="New recovery codes" centered size="md">
      {regenerate.data ? (
        <RecoveryCodes codes={regenerate.data.codes} onDone={close} doneLabel="Done" />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            regenerate.mutate(code.replace(/\s/g, ""));
          }}
        >
          <Stack>
            <Text size="sm">Your old recovery codes will stop working. Enter a code from your authenticator app to continue.</Text>
            <TextInput
              label="Authentication code"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(event) => setCode(event.currentTarget.value)}
              error={regenerate.isError ? errorMessage(regenerate.error) : undefined}
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={regenerate.isPending}>
                Generate new codes
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function DisableMfa({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const disable = useDisableMfa();
  const form = useForm({
    initialValues: { password: "", code: "" },
    validate: {
      password: (value) => (value ? null : "Enter your password"),
      code: (value) => (value.trim().length >= 6 ? null : "Enter the 6-digit code"),
    },
  });
  const close = () => {
    disable.reset();
    form.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Turn off two-factor authentication?" centered>
      <form
        onSubmit={form.onSubmit((values) =>
          disable.mutate(
            { password: values.password, code: values.code.replace(/\s/g, "") },
            {
              onSuccess: () => {
                notifications.show({ color: "tenure", title: "Two-factor authentication is off", message: "Your recovery codes no longer work." });
                close();
              },
            },
          ),
        )}
        noValidate
      >
        <Stack>
          <Text size="sm">Your account will be protected by your password only.</Text>
          {disable.isError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(disable.error)}
            </Alert>
          )}
          <PasswordInput label="Password" autoComplete="current-password" data-autofocus {...form.getInputProps("password")} />
          <TextInput label="Authentication code" inputMode="numeric" autoComplete="one-time-code" {...form.getInputProps("code")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red" type="submit" loading={disable.isPending}>
              Turn off
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TwoFactor() {
  const me = useMe();
  const refreshMe = useRefreshMe();
  // Its recovery codes stay in view once 2FA is on, until they are saved.
  const [showingCodes, setShowingCodes] = useState(false);
  const [regenOpened, regenModal] = useDisclosure(false);
  const [disableOpened, disableModal] = useDisclosure(false);
  const enabled = Boolean(me.data?.mfa_enabled);
  const required = Boolean(me.data?.organisation_requires_mfa);

  return (
    <Section
      title="Two-factor authentication"
      description="A code from your phone, asked for when you sign in."
      extra={
        enabled ? (
          <Badge color="tenure" variant="light" leftSection={<IconShieldCheck size={12} />} data-testid="mfa-status">
            On
          </Badge>
        ) : (
          <Badge color="gray" variant="light" data-testid="mfa-status">
            Off
          </Badge>
        )
      }
    >
      {enabled && !showingCodes ? (
        <Stack gap="sm" align="flex-start">
          <Text size="sm">
            Two-factor authentication is on. If you lose your phone, sign in with a recovery code and set it up again.
          </Text>
          <Group gap="sm">
            <Button variant="default" onClick={regenModal.open}>
              Regenerate recovery codes
            </Button>
            <Button variant="light" color="red" onClick={disableModal.open} disabled={required}>
              Turn off
            </Button>
          </Group>
          {required && (
            <Text size="xs" c="dimmed">
              Your organisation requires two-factor authentication, so it cannot be turned off.
            </Text>
          )}
        </Stack>
      ) : (
        <MfaEnrolment
          onConfirmed={() => {
            setShowingCodes(true);
            // The badge says On at once, beside the codes.
            void refreshMe();
          }}
          onFinished={() => {
            setShowingCodes(false);
            notifications.show({ color: "tenure", title: "Two-factor authentication is on", message: "You'll be asked for a code when you sign in." });
          }}
        />
      )}
      <RegenerateCodes opened={regenOpened} onClose={regenModal.close} />
      <DisableMfa opened={disableOpened} onClose={disableModal.close} />
    </Section>
  );
}

export function ProfilePage() {
  const me = useMe();
  const user = me.data!;
  return (
    <>
      <PageHeader title="Profile" description="Your account and how you sign in." />
      <Stack gap="lg" maw={860}>
        <Section title="Your details">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
            {[
              ["Name", user.full_name],
              ["Email", user.email],
              ["Role", user.role.name],
              ["Organisation", user.organisation_name],
            ].map(([label, value]) => (
              <Stack gap={2} key={label}>
                <Text size="xs" tt="uppercase" fw={700} c="dimmed">
                  {label}
                </Text>
                <Text size="sm">{value}</Text>
              </Stack>
            ))}
          </SimpleGrid>
        </Section>
        <Section title="Password" description="Changing it signs you out on your other devices.">
          <ChangePassword />
        </Section>
        <TwoFactor />
        <Section title="Notifications" description="Which ones you get under the bell and by email.">
          <NotificationPreferences />
        </Section>
      </Stack>
    </>
  );
}
