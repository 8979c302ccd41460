import { createBrowserRouter } from "react-router";
import { AccountDetailPage } from "../features/accounts/AccountDetailPage";
import { AccountsPage } from "../features/accounts/AccountsPage";
import { AssignmentPage } from "../features/assignment/AssignmentPage";
import { ContactPage } from "../features/contacts/ContactPage";
import { AccountImportPage } from "../features/imports/AccountImportPage";
import { IntegrationPage } from "../features/integration/IntegrationPage";
import { FreshnessPage } from "../features/freshness/FreshnessPage";
import { InteractionsPage } from "../features/interactions/InteractionsPage";
import { HealthBacktestPage } from "../features/health/HealthBacktestPage";
import { AlertRulesPage } from "../features/alerts/AlertRulesPage";
import { AlertsPage } from "../features/alerts/AlertsPage";
import { PlaybooksPage } from "../features/playbooks/PlaybooksPage";
import { TasksPage } from "../features/tasks/TasksPage";
import { HealthModelsPage } from "../features/health/HealthModelsPage";
import { HealthTrendPage } from "../features/health/HealthTrendPage";
import { ComputedMetricsPage } from "../features/metrics/ComputedMetricsPage";
import { AccountSettingsPage } from "../features/settings/AccountSettingsPage";
import { AttributeTriggersPage } from "../features/triggers/AttributeTriggersPage";
import { AuditLogPage } from "../features/audit/AuditLogPage";
import { AcceptInvitationPage } from "../features/auth/AcceptInvitationPage";
import { ForgotPasswordPage } from "../features/auth/ForgotPasswordPage";
import { LoginPage } from "../features/auth/LoginPage";
import { ResetPasswordPage } from "../features/auth/ResetPasswordPage";
import { SetupPage } from "../features/auth/SetupPage";
import { OrganisationPage } from "../features/organisation/OrganisationPage";
import { MfaSetupPage } from "../features/profile/MfaSetupPage";
import { ProfilePage } from "../features/profile/ProfilePage";
import { FxRatesPage } from "../features/revenue/FxRatesPage";
import { RolesPage } from "../features/roles/RolesPage";
import { UsersPage } from "../features/users/UsersPage";
import { AppLayout } from "./AppLayout";
import { LandingRedirect, MFA_SETUP_PATH, PublicOnly, RequirePermission, RequireSession, SessionRoot } from "./guards";
import { NotFoundPage } from "./NotFoundPage";

export const routes = [
  {
    element: <SessionRoot />,
    children: [
      { path: "/login", element: <PublicOnly><LoginPage /></PublicOnly> },
      { path: "/setup", element: <PublicOnly><SetupPage /></PublicOnly> },
      { path: "/forgot-password", element: <ForgotPasswordPage /> },
      { path: "/reset-password", element: <ResetPasswordPage /> },
      { path: "/accept-invitation", element: <AcceptInvitationPage /> },
      {
        element: <RequireSession />,
        children: [
          { path: MFA_SETUP_PATH, element: <MfaSetupPage /> },
          {
            path: "/",
            element: <AppLayout />,
            children: [
              { index: true, element: <LandingRedirect /> },
              { path: "accounts", element: <AccountsPage /> },
              {
                path: "accounts/import",
                element: <RequirePermission permission="update_accounts"><AccountImportPage /></RequirePermission>,
              },
              // Before "accounts/:accountId", so "assignment" is never read as an account id.
              {
                path: "accounts/assignment",
                element: (
                  <RequirePermission permission={["update_accounts", "view_all_accounts"]}>
                    <AssignmentPage />
                  </RequirePermission>
                ),
              },
              { path: "accounts/:accountId", element: <AccountDetailPage /> },
              { path: "contacts/:contactId", element: <ContactPage /> },
              { path: "interactions", element: <InteractionsPage /> },
              { path: "health", element: <HealthTrendPage /> },
              { path: "alerts", element: <AlertsPage /> },
              { path: "tasks", element: <TasksPage /> },
              { path: "profile", element: <ProfilePage /> },
              {
                path: "admin/account-settings",
                element: <RequirePermission permission="configure_product"><AccountSettingsPage /></RequirePermission>,
              },
              {
                path: "admin/metrics",
                element: <RequirePermission permission="configure_product"><ComputedMetricsPage /></RequirePermission>,
              },
              {
                path: "admin/health",
                element: <RequirePermission permission="configure_product"><HealthModelsPage /></RequirePermission>,
              },
              {
                path: "admin/health/backtest",
                element: <RequirePermission permission="configure_product"><HealthBacktestPage /></RequirePermission>,
              },
              {
                path: "admin/alert-rules",
                element: <RequirePermission permission="configure_product"><AlertRulesPage /></RequirePermission>,
              },
              {
                path: "admin/playbooks",
                element: <RequirePermission permission="configure_product"><PlaybooksPage /></RequirePermission>,
              },
              {
                path: "admin/attribute-triggers",
                element: <RequirePermission permission="configure_product"><AttributeTriggersPage /></RequirePermission>,
              },
              { path: "admin/users", element: <RequirePermission permission="manage_users"><UsersPage /></RequirePermission> },
              { path: "admin/roles", element: <RequirePermission permission="manage_users"><RolesPage /></RequirePermission> },
              {
                path: "admin/organisation",
                element: <RequirePermission permission="manage_organisation"><OrganisationPage /></RequirePermission>,
              },
              {
                path: "admin/freshness",
                element: <RequirePermission permission="manage_organisation"><FreshnessPage /></RequirePermission>,
              },
              {
                path: "admin/integration",
                element: <RequirePermission permission="configure_connectors"><IntegrationPage /></RequirePermission>,
              },
              { path: "admin/fx-rates", element: <RequirePermission permission="ingest_data"><FxRatesPage /></RequirePermission> },
              { path: "admin/audit-log", element: <RequirePermission permission="manage_users"><AuditLogPage /></RequirePermission> },
              { path: "*", element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
