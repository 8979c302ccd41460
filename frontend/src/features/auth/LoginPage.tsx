import { Alert, Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle, IconArrowLeft } from "@tabler/icons-react";
import { useState, useSyncExternalStore } from "react";
import { Link, Navigate } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import { getSignedOutReason, subscribeSession } from "../../api/session";
import { AuthLayout } from "./AuthLayout";
import { useLogin, useLoginMfa } from "./queries";
import { useSetupStatus } from "./setupQueries";

function loginErrorMessage(error: unknown): string {
  if (isApiError(error, "invalid_credentials")) return "The email or password is not right.";
  if (isApiError(error, "login_throttled")) {
    const wait = error.retryAfter;
    return wait
      ? `Too many attempts. Try again in ${wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}.`
      : "Too many attempts. Try again in a few minutes.";
  }
  if (isApiError(error, "invalid_mfa_code")) return "That code is not valid. Check your authenticator app and try again.";
  if (isApiError(error, "invalid_token")) return "This sign-in attempt has expired. Go back and start again.";
  return errorMessage(error);
}

function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" data-testid="login-error">
      {loginErrorMessage(error)}
    </Alert>
  );
}

function PasswordStep({ onMfaRequired }: { onMfaRequired: (mfaToken: string) => void }) {
  const login = useLogin();
  const reason = useSyncExternalStore(subscribeSession, getSignedOutReason, getSignedOutReason);
  const form = useForm({
    initialValues: { email: "", password: "" },
    validate: {
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : "Enter your email address"),
      password: (value) => (value ? null : "Enter your password"),
    },
  });

  const submit = form.onSubmit((values) => {
    login.mutate(
      { email: values.email.trim(), password: values.password },
      {
        onSuccess: (result) => {
          if (result.status === "mfa_required" && result.mfa_token) onMfaRequired(result.mfa_token);
          // "authenticated": the session is set, and the page redirects on its own.
        },
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {reason === "expired" && !login.error && (
          <Alert color="blue" variant="light" data-testid="session-expired">
            Your session has ended. Sign in again to continue where you were.
          </Alert>
        )}
        <ErrorAlert error={login.error} />
        <TextInput
          label="Email"
          type="email"
          autoComplete="username"
          placeholder="you@company.com"
          autoFocus
          {...form.getInputProps("email")}
        />
        <PasswordInput label="Password" autoComplete="current-password" {...form.getInputProps("password")} />
        <Group justify="flex-end" mt={-6}>
          <Anchor component={Link} to="/forgot-password" size="sm">
            Forgot password?
          </Anchor>
        </Group>
        <Button type="submit" fullWidth size="md" loading={login.isPending}>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}

function SecondFactorStep({ mfaToken, onBack }: { mfaToken: string; onBack: () => void }) {
  const loginMfa = useLoginMfa();
  const [useRecovery, setUseRecovery] = useState(false);
  const form = useForm({
    initialValues: { code: "", recovery_code: "" },
    validate: {
      code: (value) => (useRecovery || /^\d{6}$/.test(value.replace(/\s/g, "")) ? null : "Enter the 6-digit code"),
      recovery_code: (value) => (!useRecovery || value.trim().length >= 6 ? null : "Enter a recovery code"),
    },
  });

  const submit = form.onSubmit((values) => {
    loginMfa.mutate(
      useRecovery
        ? { mfa_token: mfaToken, recovery_code: values.recovery_code.trim() }
        : { mfa_token: mfaToken, code: values.code.replace(/\s/g, "") },
      { onError: () => form.setFieldValue(useRecovery ? "recovery_code" : "code", "") },
    );
  });

  return (
    <form onSubmit={submit} noValidate data-testid="mfa-step">
      <Stack>
        <ErrorAlert error={loginMfa.error} />
        {useRecovery ? (
          <TextInput
            key="recovery"
            label="Recovery code"
            description="One of the codes you saved when you set up two-factor authentication. Each works once."
            autoComplete="off"
            autoFocus
            {...form.getInputProps("recovery_code")}
          />
        ) : (
          <TextInput
            key="code"
            label="Authentication code"
            description="The 6-digit code from your authenticator app."
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            placeholder="123456"
            autoFocus
            styles={{ input: { letterSpacing: "0.3em", fontVariantNumeric: "tabular-nums" } }}
            {...form.getInputProps("code")}
          />
        )}
        <Button type="submit" fullWidth size="md" loading={loginMfa.isPending}>
          Verify
        </Button>
        <Group justify="space-between">
          <Anchor component="button" type="button" size="sm" c="dimmed" onClick={onBack}>
            <Group gap={4}>
              <IconArrowLeft size={14} /> Back
            </Group>
          </Anchor>
          <Anchor
            component="button"
            type="button"
            size="sm"
            onClick={() => {
              loginMfa.reset();
              setUseRecovery((value) => !value);
            }}
          >
            {useRecovery ? "Use an authentication code" : "Use a recovery code"}
          </Anchor>
        </Group>
      </Stack>
    </form>
  );
}

export function LoginPage() {
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  // A new Tenure has nobody to sign in yet: its first organisation is made on the setup page.
  const setup = useSetupStatus();
  if (setup.data?.needed) return <Navigate to="/setup" replace />;

  return mfaToken ? (
    <AuthLayout title="Two-factor authentication" subtitle="One more step to confirm it's you.">
      <SecondFactorStep mfaToken={mfaToken} onBack={() => setMfaToken(null)} />
    </AuthLayout>
  ) : (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back. Sign in to your customer success workspace."
      footer={<Text span size="sm">Invited by your team? Use the link in your invitation email.</Text>}
    >
      <PasswordStep onMfaRequired={setMfaToken} />
    </AuthLayout>
  );
}
