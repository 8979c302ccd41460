import { Stack } from "@mantine/core";
import { PageHeader } from "../../components/PageHeader";
import { ApiKeysSection } from "./ApiKeysSection";
import { ExampleCalls } from "./ExampleCalls";
import { SessionTimeoutSection } from "./SessionTimeoutSection";
import { WebhookSection } from "./WebhookSection";

export function IntegrationPage() {
  return (
    <>
      <PageHeader title="Integration" description="API keys, the API log and webhooks, for the systems that send data to Tenure or read from it." />
      <Stack gap="lg">
        <ApiKeysSection />
        <WebhookSection />
        <SessionTimeoutSection />
        <ExampleCalls />
      </Stack>
    </>
  );
}
