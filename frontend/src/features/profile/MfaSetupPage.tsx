import { Button, Group, Text } from "@mantine/core";
import { useNavigate } from "react-router";
import { AuthLayout } from "../auth/AuthLayout";
import { useLogout, useMe } from "../auth/queries";
import { MfaEnrolment } from "./MfaEnrolment";
import { useRefreshMe } from "./queries";

/** Where a user lands while their organisation requires 2FA and they have not set it up. */
export function MfaSetupPage() {
  const me = useMe();
  const refreshMe = useRefreshMe();
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <AuthLayout
      width={600}
      title="Set up two-factor authentication"
      subtitle={`${me.data?.organisation_name ?? "Your organisation"} requires it before you can continue.`}
      footer={
        <Group justify="center" gap={6}>
          <Text size="sm" c="dimmed">
            Signed in as {me.data?.email}.
          </Text>
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate("/login", { replace: true }) })}
          >
            Sign out
          </Button>
        </Group>
      }
    >
      {/* Refetching /me lifts the requirement, and the route guard moves on to the landing page. */}
      <MfaEnrolment onFinished={() => void refreshMe()} />
    </AuthLayout>
  );
}
