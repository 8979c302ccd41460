import { Alert, Anchor, Button, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle, IconMailCheck } from "@tabler/icons-react";
import { Link } from "react-router";
import { errorMessage } from "../../api/errors";
import { AuthLayout } from "./AuthLayout";
import { useRequestPasswordReset } from "./queries";

export function ForgotPasswordPage() {
  const request = useRequestPasswordReset();
  const form = useForm({
    initialValues: { email: "" },
    validate: { email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : "Enter your email address") },
  });

  return (
    <AuthLayout
      title="Reset your password"
      subtitle="Enter the email address you sign in with and we'll send you a link to choose a new password."
      footer={
        <Anchor component={Link} to="/login" size="sm">
          Back to sign in
        </Anchor>
      }
    >
      {request.isSuccess ? (
        <Alert color="tenure" variant="light" icon={<IconMailCheck size={18} />} title="Check your inbox" data-testid="reset-requested">
          If an account exists for {form.values.email.trim()}, we have sent it a link to reset the password. The
          link works once and expires soon.
        </Alert>
      ) : (
        <form onSubmit={form.onSubmit((values) => request.mutate({ email: values.email.trim() }))} noValidate>
          <Stack>
            {request.isError && (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {errorMessage(request.error)}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="username" autoFocus {...form.getInputProps("email")} />
            <Button type="submit" fullWidth size="md" loading={request.isPending}>
              Send reset link
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
