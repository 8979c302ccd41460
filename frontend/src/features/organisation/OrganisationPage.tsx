import { Alert, Button, Card, Divider, Group, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle, IconShieldCheck } from "@tabler/icons-react";
import { useEffect } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import type { Organisation } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, ErrorState } from "../../components/states";
import { useCan } from "../auth/queries";
import { CURRENCIES, TIME_ZONES } from "./choices";
import { useOrganisation, useUpdateOrganisation } from "./queries";

const MONTHS = Array.from({ length: 12 }, (_, i) => ({
  value: String(i + 1),
  label: new Intl.DateTimeFormat("en", { month: "long" }).format(new Date(2024, i, 1)),
}));

interface Values {
  name: string;
  base_currency: string;
  time_zone: string;
  fiscal_year_start_month: string;
  requires_mfa: boolean;
}

function toValues(org: Organisation): Values {
  return {
    name: org.name,
    base_currency: org.base_currency,
    time_zone: org.time_zone,
    fiscal_year_start_month: String(org.fiscal_year_start_month),
    requires_mfa: org.requires_mfa,
  };
}

function withCurrent(list: string[], current: string) {
  return list.includes(current) || !current ? list : [current, ...list];
}

export function OrganisationPage() {
  const organisation = useOrganisation();
  const save = useUpdateOrganisation();
  const can = useCan();
  const readOnly = !can("manage_organisation");
  const form = useForm<Values>({
    initialValues: { name: "", base_currency: "USD", time_zone: "UTC", fiscal_year_start_month: "1", requires_mfa: false },
    validate: {
      name: (value) => (value.trim() ? null : "Enter the organisation's name"),
      base_currency: (value) => (/^[A-Z]{3}$/.test(value) ? null : "Choose a currency"),
      time_zone: (value) => (value ? null : "Choose a time zone"),
    },
  });

  useEffect(() => {
    if (organisation.data) {
      form.setValues(toValues(organisation.data));
      form.resetDirty(toValues(organisation.data));
    }
  }, [organisation.data]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit((values) =>
    save.mutate(
      {
        name: values.name.trim(),
        base_currency: values.base_currency,
        time_zone: values.time_zone,
        fiscal_year_start_month: Number(values.fiscal_year_start_month),
        requires_mfa: values.requires_mfa,
      },
      {
        onSuccess: () => notifications.show({ color: "tenure", title: "Settings saved", message: "Organisation settings updated." }),
        onError: (error) => {
          if (isApiError(error)) form.setErrors(error.fieldErrorMap());
        },
      },
    ),
  );

  return (
    <>
      <PageHeader title="Organisation" description="Settings that apply to everyone in your organisation." />
      {organisation.isError ? (
        <ErrorState error={organisation.error} onRetry={() => void organisation.refetch()} title="Could not load the organisation" />
      ) : organisation.isPending ? (
        <Card withBorder radius="lg" p="xl" maw={760}>
          <CardSkeleton lines={6} />
        </Card>
      ) : (
        <Card withBorder radius="lg" p="xl" maw={760}>
          <form onSubmit={submit} noValidate>
            <Stack gap="lg">
              {save.isError && !(isApiError(save.error) && save.error.fieldErrors.length) && (
                <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                  {errorMessage(save.error)}
                </Alert>
              )}
              <Stack gap="md">
                <Title order={4}>General</Title>
                <TextInput label="Organisation name" disabled={readOnly} {...form.getInputProps("name")} />
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <Select
                    label="Base currency"
                    description="Reports convert to it"
                    data={withCurrent(CURRENCIES, form.values.base_currency)}
                    searchable
                    allowDeselect={false}
                    disabled={readOnly}
                    {...form.getInputProps("base_currency")}
                  />
                  <Select
                    label="Time zone"
                    description="Days and months follow it; a change recomputes the last 90 days of usage"
                    data={withCurrent(TIME_ZONES, form.values.time_zone)}
                    searchable
                    allowDeselect={false}
                    disabled={readOnly}
                    {...form.getInputProps("time_zone")}
                  />
                  <Select
                    label="Fiscal year starts in"
                    description="For quarterly reports"
                    data={MONTHS}
                    allowDeselect={false}
                    disabled={readOnly}
                    {...form.getInputProps("fiscal_year_start_month")}
                  />
                </SimpleGrid>
              </Stack>
              <Divider />
              <Stack gap="xs">
                <Group gap="xs">
                  <IconShieldCheck size={20} color="var(--mantine-color-tenure-filled)" />
                  <Title order={4}>Security</Title>
                </Group>
                <Switch
                  label="Require two-factor authentication for everyone"
                  description="People without it must set it up the next time they sign in, before they can do anything else."
                  disabled={readOnly}
                  {...form.getInputProps("requires_mfa", { type: "checkbox" })}
                />
              </Stack>
              {!readOnly && (
                <Group justify="flex-end" gap="sm">
                  <Button variant="default" disabled={!form.isDirty()} onClick={() => organisation.data && form.setValues(toValues(organisation.data))}>
                    Discard changes
                  </Button>
                  <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
                    Save settings
                  </Button>
                </Group>
              )}
              {readOnly && (
                <Text size="sm" c="dimmed">
                  Only people allowed to manage the organisation can change these settings.
                </Text>
              )}
            </Stack>
          </form>
        </Card>
      )}
    </>
  );
}
