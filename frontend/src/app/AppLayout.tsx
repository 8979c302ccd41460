import {
  AppShell,
  Avatar,
  Burger,
  Container,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconAdjustments,
  IconAlertTriangle,
  IconBell,
  IconChecklist,
  IconListCheck,
  IconBolt,
  IconBuildingSkyscraper,
  IconChartAreaLine,
  IconChartLine,
  IconChevronDown,
  IconClockBolt,
  IconCurrencyDollar,
  IconHeartbeat,
  IconHistory,
  IconLogout,
  IconMessages,
  IconPlugConnected,
  IconShieldLock,
  IconUser,
  IconUserCheck,
  IconUsers,
  IconUsersGroup,
} from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import type { Permission } from "../api/types";
import { Logo } from "../components/Logo";
import { useCan, useLogout, useMe } from "../features/auth/queries";
import { NotificationBell } from "../features/notifications/NotificationBell";

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  /** Shown to users with it, or with each of several. */
  permission?: Permission | Permission[];
}

const MAIN_NAV: NavItem[] = [
  { to: "/accounts", label: "Accounts", icon: <IconBuildingSkyscraper size={18} /> },
  {
    to: "/accounts/assignment",
    label: "Account assignment",
    icon: <IconUserCheck size={18} />,
    // It shows every CSM's accounts and those of no one: not for who sees only their own.
    permission: ["update_accounts", "view_all_accounts"],
  },
  { to: "/interactions", label: "Interactions", icon: <IconMessages size={18} /> },
  { to: "/health", label: "Health", icon: <IconChartAreaLine size={18} /> },
  { to: "/alerts", label: "Alerts", icon: <IconBell size={18} /> },
  { to: "/tasks", label: "Tasks", icon: <IconListCheck size={18} /> },
];

const ADMIN_NAV: NavItem[] = [
  { to: "/admin/users", label: "Users", icon: <IconUsers size={18} />, permission: "manage_users" },
  { to: "/admin/roles", label: "Roles", icon: <IconShieldLock size={18} />, permission: "manage_users" },
  {
    to: "/admin/organisation",
    label: "Organisation",
    icon: <IconUsersGroup size={18} />,
    permission: "manage_organisation",
  },
  {
    to: "/admin/freshness",
    label: "Data freshness",
    icon: <IconClockBolt size={18} />,
    permission: "manage_organisation",
  },
  {
    to: "/admin/account-settings",
    label: "Account settings",
    icon: <IconAdjustments size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/metrics",
    label: "Computed metrics",
    icon: <IconChartLine size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/health",
    label: "Health scores",
    icon: <IconHeartbeat size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/alert-rules",
    label: "Alert rules",
    icon: <IconAlertTriangle size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/playbooks",
    label: "Playbooks",
    icon: <IconChecklist size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/attribute-triggers",
    label: "Attribute triggers",
    icon: <IconBolt size={18} />,
    permission: "configure_product",
  },
  {
    to: "/admin/integration",
    label: "Integration",
    icon: <IconPlugConnected size={18} />,
    permission: "configure_connectors",
  },
  { to: "/admin/fx-rates", label: "FX rates", icon: <IconCurrencyDollar size={18} />, permission: "ingest_data" },
  { to: "/admin/audit-log", label: "Audit log", icon: <IconHistory size={18} />, permission: "manage_users" },
];

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join("");
}

function NavSection({ items, onNavigate }: { items: NavItem[]; onNavigate: () => void }) {
  const { pathname } = useLocation();
  // The most specific item is the active one: "/accounts/assignment" is not also "Accounts".
  const matches = (to: string) => pathname === to || pathname.startsWith(`${to}/`);
  const activeTo = items
    .map((item) => item.to)
    .filter(matches)
    .sort((a, b) => b.length - a.length)[0];
  return (
    <>
      {items.map((item) => (
        <NavLink
          key={item.to}
          // A plain link: react-router's NavLink would also mark "/accounts" current on
          // "/accounts/assignment", and two entries would be highlighted.
          component={Link}
          to={item.to}
          label={item.label}
          leftSection={item.icon}
          active={item.to === activeTo}
          aria-current={item.to === activeTo ? "page" : undefined}
          onClick={onNavigate}
          variant="light"
          style={{ borderRadius: "var(--mantine-radius-md)" }}
        />
      ))}
    </>
  );
}

// The navbar is fixed to the viewport: below it, down a long page (as a full-page screenshot or
// print shows it), the main area's own background continues the navbar's white and its border.
const MAIN_BACKGROUND = `linear-gradient(to right,
  var(--mantine-color-body) calc(var(--app-shell-navbar-offset, 0rem) - 1px),
  var(--mantine-color-gray-3) calc(var(--app-shell-navbar-offset, 0rem) - 1px),
  var(--mantine-color-gray-3) var(--app-shell-navbar-offset, 0rem),
  var(--mantine-color-gray-0) var(--app-shell-navbar-offset, 0rem))`;

// The pages that are one wide table: they take the whole width of the screen, where the others
// keep a readable measure (a 1920-pixel screen showed the account list's last columns only by
// scrolling the table, beside 300 empty pixels).
const FULL_WIDTH_PAGES = ["/accounts", "/interactions", "/alerts", "/tasks", "/admin/audit-log"];

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const me = useMe();
  const can = useCan();
  const logout = useLogout();
  const navigate = useNavigate();
  const allowed = (item: NavItem) => [item.permission ?? []].flat().every(can);
  const mainItems = MAIN_NAV.filter(allowed);
  const adminItems = ADMIN_NAV.filter(allowed);
  const user = me.data;

  const signOut = () => {
    logout.mutate(undefined, { onSettled: () => navigate("/login", { replace: true }) });
  };

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 244, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="lg"
      styles={{ main: { background: MAIN_BACKGROUND } }}
    >
      <a
        href="#main-content"
        className="skip-link"
        onClick={(event) => {
          // Focus moves to the page itself, past the header and the navigation.
          event.preventDefault();
          document.getElementById("main-content")?.focus();
        }}
      >
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Link to="/" style={{ color: "inherit", textDecoration: "none" }}>
              <Logo />
            </Link>
            {user && (
              <Text size="sm" c="dimmed" visibleFrom="sm" ml="md" data-testid="organisation-name">
                {user.organisation_name}
              </Text>
            )}
          </Group>
          {user && (
            <Group gap="md" wrap="nowrap">
              <NotificationBell />
              <Menu position="bottom-end" width={220} shadow="md">
                <Menu.Target>
                  <UnstyledButton aria-label="User menu" data-testid="user-menu">
                    <Group gap={8} wrap="nowrap">
                      <Avatar radius="xl" size={32} color="tenure" variant="filled">
                        {initials(user.full_name)}
                      </Avatar>
                      <Stack gap={0} visibleFrom="sm">
                        <Text size="sm" fw={600} lh={1.2}>
                          {user.full_name}
                        </Text>
                        <Text size="xs" c="dimmed" lh={1.2}>
                          {user.role.name}
                        </Text>
                      </Stack>
                      <IconChevronDown size={14} />
                    </Group>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>{user.email}</Menu.Label>
                  <Menu.Item component={Link} to="/profile" leftSection={<IconUser size={16} />}>
                    Profile
                  </Menu.Item>
                  <Menu.Divider />
                  <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={signOut}>
                    Sign out
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
          )}
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <ScrollArea>
          <Stack gap={2}>
            <NavSection items={mainItems} onNavigate={close} />
            {adminItems.length > 0 && (
              <>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt="lg" mb={4} px="sm">
                  Admin
                </Text>
                <NavSection items={adminItems} onNavigate={close} />
              </>
            )}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>

      <AppShell.Main id="main-content" tabIndex={-1} style={{ outline: "none" }}>
        <Container size="xl" fluid={FULL_WIDTH_PAGES.includes(pathname)} px={0}>
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
