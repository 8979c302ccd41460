import { Alert, Anchor, Box, Button, CopyButton, Group, List, Paper, Stack, Text, TextInput, ThemeIcon, Tooltip } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle, IconCheck, IconCopy, IconDeviceMobile } from "@tabler/icons-react";
import { QRCodeSVG } from "qrcode.react";
import { useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import { RecoveryCodes } from "./RecoveryCodes";
import { useConfirmMfaEnrolment, useStartMfaEnrolment } from "./queries";

function groupSecret(secret: string) {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

/**
 * Turning on 2FA: scan a QR code (or type the secret), prove it works with a code, then save the
 * recovery codes, which are shown once. `onConfirmed`: 2FA is on, the codes are showing.
 */
export function MfaEnrolment({
  onConfirmed,
  onFinished,
  onCancel,
}: {
  onConfirmed?: () => void;
  onFinished: () => void;
  onCancel?: () => void;
}) {
  const start = useStartMfaEnrolment();
  const confirm = useConfirmMfaEnrolment();
  const [codes, setCodes] = useState<string[] | null>(null);
  const form = useForm({
    initialValues: { code: "" },
    validate: { code: (value) => (/^\d{6}$/.test(value.replace(/\s/g, "")) ? null : "Enter the 6-digit code from the app") },
  });

  if (codes) return <RecoveryCodes codes={codes} onDone={onFinished} />;

  if (!start.data) {
    return (
      <Stack align="flex-start" data-testid="mfa-intro">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon variant="light" size={40} radius="md">
            <IconDeviceMobile size={22} />
          </ThemeIcon>
          <Text size="sm">
            Protect your account with a one-time code from an authenticator app such as 1Password, Google Authenticator
            or Microsoft Authenticator, on top of your password.
          </Text>
        </Group>
        {start.isError && (
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
            {errorMessage(start.error)}
          </Alert>
        )}
        <Button onClick={() => start.mutate()} loading={start.isPending}>
          Set up two-factor authentication
        </Button>
      </Stack>
    );
  }

  const { secret, otpauth_uri } = start.data;
  const submit = form.onSubmit((values) =>
    confirm.mutate(values.code.replace(/\s/g, ""), {
      onSuccess: (result) => {
        setCodes(result.codes);
        onConfirmed?.();
      },
      onError: (error) => {
        form.setFieldValue("code", "");
        if (isApiError(error) && error.status !== 0) form.setFieldError("code", "That code did not work. Try the newest code in the app.");
      },
    }),
  );

  return (
    <Stack data-testid="mfa-setup">
      <List type="ordered" spacing="xs" size="sm">
        <List.Item>Open your authenticator app and add an account.</List.Item>
        <List.Item>Scan this QR code, or type the setup key.</List.Item>
        <List.Item>Enter the 6-digit code the app shows.</List.Item>
      </List>
      <Group align="flex-start" gap="xl" wrap="wrap">
        <Paper withBorder p="sm" radius="md" bg="white">
          <QRCodeSVG value={otpauth_uri} size={176} marginSize={1} role="img" aria-label="QR code for your authenticator app" data-testid="mfa-qr" />
        </Paper>
        <Stack gap="sm" style={{ flex: 1, minWidth: 240 }}>
          <Box>
            <Text size="xs" tt="uppercase" fw={700} c="dimmed">
              Setup key
            </Text>
            <Group gap={4} wrap="nowrap">
              <Text ff="monospace" fw={600} size="sm" data-testid="mfa-secret" style={{ wordBreak: "break-all" }}>
                {groupSecret(secret)}
              </Text>
              <CopyButton value={secret}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? "Copied" : "Copy setup key"}>
                    <Anchor component="button" type="button" onClick={copy} aria-label="Copy setup key" c="dimmed">
                      {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                    </Anchor>
                  </Tooltip>
                )}
              </CopyButton>
            </Group>
          </Box>
          <form onSubmit={submit} noValidate>
            <Stack gap="sm">
              <TextInput
                label="Authentication code"
                inputMode="numeric"
                autoComplete="one-time-code"
                maw={240}
                maxLength={7}
                placeholder="123456"
                styles={{ input: { letterSpacing: "0.3em" } }}
                {...form.getInputProps("code")}
              />
              {confirm.isError && isApiError(confirm.error) && confirm.error.status === 0 && (
                <Text size="sm" c="red">
                  {errorMessage(confirm.error)}
                </Text>
              )}
              <Group gap="sm">
                <Button type="submit" loading={confirm.isPending}>
                  Verify and turn on
                </Button>
                {onCancel && (
                  <Button variant="subtle" color="gray" onClick={onCancel}>
                    Cancel
                  </Button>
                )}
              </Group>
            </Stack>
          </form>
        </Stack>
      </Group>
    </Stack>
  );
}
