import { Alert, Anchor, Button, PasswordInput, Skeleton, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { errorMessage } from "../../api/errors";
import { AuthLayout } from "./AuthLayout";
import { MIN_PASSWORD_LENGTH, validateConfirmation, validateNewPassword } from "./passwordRules";
import { useAcceptInvitation, useInvitation } from "./queries";

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token");
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation();
  const navigate = useNavigate();
  const form = useForm({
    initialValues: { full_name: "", password: "", confirmation: "" },
    validate: {
      full_name: (value) => (value.trim() ? null : "Enter your name"),
      password: validateNewPassword,
      confirmation: (value, values) => validateConfirmation(value, values.password),
    },
  });

  const invitedName = invitation.data?.full_name;
  useEffect(() => {
    if (invitedName && !form.isTouched("full_name")) form.setFieldValue("full_name", invitedName);
    // Prefill once, when the invitation arrives; `form` is a new object every render.
  }, [invitedName]); // eslint-disable-line react-hooks/exhaustive-deps

  const footer = (
    <Anchor component={Link} to="/login" size="sm">
      Already have an account? Sign in
    </Anchor>
  );

  if (!token || invitation.isError) {
    return (
      <AuthLayout title="Join your team" footer={footer}>
        <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="This invitation cannot be used" role="alert" data-testid="invitation-invalid">
          The link is invalid, has already been used, or has expired. Ask the person who invited you to send a new
          invitation.
        </Alert>
      </AuthLayout>
    );
  }

  if (invitation.isPending) {
    return (
      <AuthLayout title="Join your team" footer={footer}>
        <Stack>
          <Skeleton height={36} />
          <Skeleton height={36} />
          <Skeleton height={36} />
        </Stack>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title={`Join ${invitation.data.organisation_name}`}
      subtitle="Choose a password to finish setting up your account."
      footer={footer}
    >
      <form
        onSubmit={form.onSubmit((values) =>
          accept.mutate(
            { token, password: values.password, full_name: values.full_name.trim() },
            { onSuccess: () => navigate("/", { replace: true }) },
          ),
        )}
        noValidate
      >
        <Stack>
          {accept.isError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {errorMessage(accept.error)}
            </Alert>
          )}
          <TextInput label="Email" value={invitation.data.email} readOnly disabled />
          <TextInput label="Full name" autoComplete="name" {...form.getInputProps("full_name")} />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            autoComplete="new-password"
            autoFocus
            {...form.getInputProps("password")}
          />
          <PasswordInput label="Confirm password" autoComplete="new-password" {...form.getInputProps("confirmation")} />
          <Button type="submit" fullWidth size="md" loading={accept.isPending}>
            Create account
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
