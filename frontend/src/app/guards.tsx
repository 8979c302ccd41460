import { Center, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconLock } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { Navigate, Outlet, useLocation, useSearchParams } from "react-router";
import { refreshSession } from "../api/client";
import { endSession, getSessionStatus, getSignedOutReason, mayResumeSession } from "../api/session";
import type { Permission } from "../api/types";
import { ErrorState, FullPageLoader } from "../components/states";
import { landingPath, useCan, useMe, useSessionStatus } from "../features/auth/queries";
import { setupKey } from "../features/auth/setupQueries";

export const MFA_SETUP_PATH = "/setup-2fa";

/** Top of the tree: resumes the session from the refresh cookie once per page load, when this
 * browser signed in (a visitor who never did is not sent through a refresh that must fail). */
export function SessionRoot() {
  const status = useSessionStatus();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (getSessionStatus() !== "unknown") return;
    if (mayResumeSession()) void refreshSession();
    else endSession("anonymous");
  }, []);

  useEffect(() => {
    // Nothing fetched for one user may be shown to the next: forgotten when a session ends (whether
    // the install still needs its setup belongs to nobody, and the signed-out pages are reading it
    // right now). A visitor who never signed in holds nothing of anyone's, and the page they opened
    // (an invitation) is reading its own query by now.
    if (status === "signed-out" && getSignedOutReason() !== "anonymous") {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== setupKey[0] });
    }
  }, [status, queryClient]);

  return <Outlet />;
}

/** Only for signed-in users; also confines a user who must enrol in 2FA to the enrolment screen. */
export function RequireSession() {
  const status = useSessionStatus();
  const me = useMe();
  const location = useLocation();

  if (status === "unknown") return <FullPageLoader />;
  if (status === "signed-out") {
    // After "Sign out", start afresh; after an expired session, come back here once signed in.
    const here = location.pathname + location.search;
    const next = here === "/" || getSignedOutReason() === "logout" ? "" : `?next=${encodeURIComponent(here)}`;
    return <Navigate to={`/login${next}`} replace />;
  }
  if (me.isPending) return <FullPageLoader />;
  if (me.isError) {
    return (
      <Center h="100vh" p="md">
        <ErrorState error={me.error} onRetry={() => void me.refetch()} title="Could not load your profile" />
      </Center>
    );
  }
  const mustEnrol = me.data.mfa_enrolment_required;
  if (mustEnrol && location.pathname !== MFA_SETUP_PATH) return <Navigate to={MFA_SETUP_PATH} replace />;
  if (!mustEnrol && location.pathname === MFA_SETUP_PATH) {
    return <Navigate to={landingPath(me.data)} replace />;
  }
  return <Outlet />;
}

/** For the sign-in pages: a signed-in user goes where they were heading, or to their landing page. */
export function PublicOnly({ children }: { children: ReactNode }) {
  const status = useSessionStatus();
  const me = useMe();
  const [params] = useSearchParams();

  if (status === "unknown") return <FullPageLoader />;
  if (status === "signed-in") {
    if (me.isPending) return <FullPageLoader label="Signing in" />;
    const next = params.get("next");
    // Only same-app paths: never bounce to another origin ("//evil.example").
    const safeNext = next && next.startsWith("/") && !next.startsWith("//") ? next : null;
    return <Navigate to={safeNext ?? landingPath(me.data)} replace />;
  }
  return <>{children}</>;
}

export function LandingRedirect() {
  const me = useMe();
  return <Navigate to={landingPath(me.data)} replace />;
}

/** Only for users with the permission, or with each of several. */
export function RequirePermission({ permission, children }: { permission: Permission | Permission[]; children: ReactNode }) {
  const can = useCan();
  if (![permission].flat().every(can)) return <NoAccess />;
  return <>{children}</>;
}

function NoAccess() {
  return (
    <Center py={80} data-testid="no-access">
      <Stack align="center" gap="xs" ta="center">
        <ThemeIcon size={56} radius="xl" variant="light" color="gray">
          <IconLock size={28} />
        </ThemeIcon>
        <Title order={3}>You don't have access to this page</Title>
        <Text c="dimmed" size="sm">
          Ask an administrator of your organisation if you need it.
        </Text>
      </Stack>
    </Center>
  );
}
