import { Alert, Button, Divider, PasswordInput, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle } from "@tabler/icons-react";
import { Navigate } from "react-router";
import { errorMessage, isApiError } from "../../api/errors";
import { FullPageLoader } from "../../components/states";
import { browserTimeZone, CURRENCIES, TIME_ZONES } from "../organisation/choices";
import { AuthLayout } from "./AuthLayout";
import { validateConfirmation, validateNewPassword } from "./passwordRules";
import { useCreateFirstOrganisation, useSetupStatus } from "./setupQueries";

/** First run: the organisation and its first admin, shown only while none exists. */
export function SetupPage() {
  const status = useSetupStatus();
  const create = useCreateFirstOrganisation();
  const form = useForm({
    initialValues: {
      organisation_name: "",
      admin_name: "",
      admin_email: "",
      admin_password: "",
      confirmation: "",
      base_currency: "USD",
      time_zone: browserTimeZone(),
    },
    validate: {
      organisation_name: (value) => (value.trim() ? null : "Name your organisation"),
      admin_name: (value) => (value.trim() ? null : "Enter your name"),
      admin_email: (value) => (/^\S+@\S+\.\S+$/.test(value.trim()) ? null : "Enter your email address"),
      admin_password: validateNewPassword,
      confirmation: (value, values) => validateConfirmation(value, values.admin_password),
    },
  });

  if (status.isPending) return <FullPageLoader />;
  // Set up already (or by someone else meanwhile): the sign-in page is the way in.
  if (status.data && !status.data.needed && !create.isPending && !create.isSuccess) {
    return <Navigate to="/login" replace />;
  }

  const submit = form.onSubmit(({ confirmation: _, ...values }) => {
    create.mutate({
      ...values,
      organisation_name: values.organisation_name.trim(),
      admin_name: values.admin_name.trim(),
      admin_email: values.admin_email.trim(),
    });
  });

  return (
    <AuthLayout
      width={520}
      title="Set up Tenure"
      subtitle="Create your organisation and its first admin account. You can invite your team next."
    >
      <form onSubmit={submit} noValidate data-testid="setup-form">
        <Stack>
          {create.error && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {isApiError(create.error, "setup_done")
                ? "This Tenure has just been set up by someone else. Sign in, or ask its admin for an invitation."
                : errorMessage(create.error)}
            </Alert>
          )}
          <TextInput label="Organisation" placeholder="Acme Customer Success" autoFocus {...form.getInputProps("organisation_name")} />
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <Select label="Base currency" data={CURRENCIES} searchable allowDeselect={false} {...form.getInputProps("base_currency")} />
            <Select label="Time zone" data={TIME_ZONES} searchable allowDeselect={false} {...form.getInputProps("time_zone")} />
          </SimpleGrid>
          <Divider label="Your admin account" labelPosition="left" />
          <TextInput label="Your name" autoComplete="name" {...form.getInputProps("admin_name")} />
          <TextInput label="Email" type="email" autoComplete="username" {...form.getInputProps("admin_email")} />
          <PasswordInput label="Password" autoComplete="new-password" {...form.getInputProps("admin_password")} />
          <PasswordInput label="Confirm password" autoComplete="new-password" {...form.getInputProps("confirmation")} />
          <Button type="submit" fullWidth size="md" loading={create.isPending}>
            Create organisation
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
