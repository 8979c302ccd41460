import { Alert, Anchor, Button, PasswordInput, Stack } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle, IconCircleCheck } from "@tabler/icons-react";
import { Link, useSearchParams } from "react-router";
import { errorMessage } from "../../api/errors";
import { AuthLayout } from "./AuthLayout";
import { MIN_PASSWORD_LENGTH, validateConfirmation, validateNewPassword } from "./passwordRules";
import { useConfirmPasswordReset } from "./queries";

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token");
  const confirm = useConfirmPasswordReset();
  const form = useForm({
    initialValues: { password: "", confirmation: "" },
    validate: {
      password: validateNewPassword,
      confirmation: (value, values) => validateConfirmation(value, values.password),
    },
  });

  const back = (
    <Anchor component={Link} to="/login" size="sm">
      Back to sign in
    </Anchor>
  );

  if (!token) {
    return (
      <AuthLayout title="Reset your password" footer={back}>
        <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
          This link is incomplete. Open the link from your email again, or{" "}
          <Anchor component={Link} to="/forgot-password">
            ask for a new one
          </Anchor>
          .
        </Alert>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Choose a new password" subtitle="You'll be signed out everywhere else." footer={back}>
      {confirm.isSuccess ? (
        <Stack>
          <Alert color="tenure" variant="light" icon={<IconCircleCheck size={18} />} title="Password changed" data-testid="reset-done">
            Your new password is set. Sign in with it now.
          </Alert>
          <Button component={Link} to="/login" fullWidth>
            Sign in
          </Button>
        </Stack>
      ) : (
        <form
          onSubmit={form.onSubmit((values) => confirm.mutate({ token, new_password: values.password }))}
          noValidate
        >
          <Stack>
            {confirm.isError && (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {errorMessage(confirm.error)}{" "}
                <Anchor component={Link} to="/forgot-password" size="sm">
                  Ask for a new link
                </Anchor>
              </Alert>
            )}
            <PasswordInput
              label="New password"
              description={`At least ${MIN_PASSWORD_LENGTH} characters.`}
              autoComplete="new-password"
              autoFocus
              {...form.getInputProps("password")}
            />
            <PasswordInput label="Confirm new password" autoComplete="new-password" {...form.getInputProps("confirmation")} />
            <Button type="submit" fullWidth size="md" loading={confirm.isPending}>
              Set new password
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
