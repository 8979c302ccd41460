import { Alert, Button, Card, Group, NumberInput, Skeleton, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertCircle } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../api/errors";
import { ErrorState } from "../../components/states";
import { useCan } from "../auth/queries";
import { useOrganisation, useUpdateOrganisation } from "../organisation/queries";
import { SESSION_TIMEOUT_MAX, SESSION_TIMEOUT_MIN, validSessionTimeout } from "./integration";

// The server re-derives this many days of sessions when the timeout changes (usage.TIMEOUT_RECOMPUTE_DAYS).
const RECOMPUTED_DAYS = 90;

/** How far apart a contact's usage events may be and still count as one session. */
export function SessionTimeoutSection() {
  const organisation = useOrganisation();
  const save = useUpdateOrganisation();
  const can = useCan();
  const readOnly = !can("manage_organisation");
  const saved = organisation.data?.session_timeout_minutes;
  const [value, setValue] = useState<number | string>("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (saved !== undefined) setValue(saved);
  }, [saved]);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const problem = validSessionTimeout(value);
    setError(problem);
    if (problem) return;
    save.mutate(
      { session_timeout_minutes: Number(value) },
      {
        onSuccess: (org) =>
          notifications.show({
            color: "tenure",
            title: "Session timeout saved",
            message: `Events more than ${org.session_timeout_minutes} minutes apart now start a new session. Sessions of the last ${RECOMPUTED_DAYS} days are recomputed within a few minutes.`,
          }),
        onError: (e) => {
          if (isApiError(e)) setError(e.fieldErrorMap().session_timeout_minutes ?? null);
        },
      },
    );
  };

  const generalError = save.isError && !(isApiError(save.error) && save.error.fieldErrorMap().session_timeout_minutes);

  return (
    <Card withBorder radius="lg" p="md">
      <Stack gap="sm">
        <Stack gap={2}>
          <Title order={4}>Session timeout</Title>
          <Text size="sm" c="dimmed">
            Usage events from one contact that are further apart than this start a new session (in the usage tab and its
            metrics). A change also recomputes the sessions of the last {RECOMPUTED_DAYS} days; older days keep theirs.
          </Text>
        </Stack>
        {organisation.isError ? (
          <ErrorState error={organisation.error} onRetry={() => void organisation.refetch()} title="Could not load the organisation" />
        ) : organisation.isPending ? (
          <Skeleton height={36} width={260} />
        ) : (
          <form onSubmit={submit} noValidate>
            <Stack gap="xs">
              {generalError && (
                <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                  {errorMessage(save.error)}
                </Alert>
              )}
              <Group align="flex-start" gap="sm">
                <NumberInput
                  label="Minutes"
                  aria-label="Session timeout in minutes"
                  min={SESSION_TIMEOUT_MIN}
                  max={SESSION_TIMEOUT_MAX}
                  allowDecimal={false}
                  allowNegative={false}
                  clampBehavior="none"
                  value={value}
                  onChange={(v) => {
                    setValue(v);
                    setError(null);
                  }}
                  error={error}
                  disabled={readOnly}
                  w={180}
                />
                {!readOnly && (
                  <Button type="submit" mt={25} loading={save.isPending} disabled={String(value) === String(saved)}>
                    Save
                  </Button>
                )}
              </Group>
              {readOnly && (
                <Text size="sm" c="dimmed" data-testid="session-timeout-readonly">
                  It is an organisation setting: only people allowed to manage the organisation can change it.
                </Text>
              )}
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}
