import { ActionIcon, Alert, Code, CopyButton, Group, Paper, Stack, Text, Tooltip } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconCopy } from "@tabler/icons-react";
import type { ReactNode } from "react";

function CopyIcon({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? "Copied" : label} withArrow position="left">
          <ActionIcon variant="subtle" color={copied ? "tenure" : "gray"} onClick={copy} aria-label={label}>
            {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** A value or command to copy: monospace, with a copy button beside it. */
export function CopyableCode({
  value,
  label = "Copy",
  block = false,
  testId,
}: {
  value: string;
  label?: string;
  block?: boolean;
  testId?: string;
}) {
  if (block) {
    return (
      <Paper withBorder radius="md" bg="gray.0" pos="relative">
        <Code block bg="transparent" style={{ whiteSpace: "pre", overflowX: "auto" }} pr={44} data-testid={testId}>
          {value}
        </Code>
        <div style={{ position: "absolute", top: 6, right: 6 }}>
          <CopyIcon value={value} label={label} />
        </div>
      </Paper>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      <Code style={{ wordBreak: "break-all" }} fz="sm" data-testid={testId}>
        {value}
      </Code>
      <CopyIcon value={value} label={label} />
    </Group>
  );
}

/** A secret the server returns once and never again (it keeps only a hash, or never shows it). */
export function OneTimeSecret({ value, title, children, testId }: { value: string; title: string; children?: ReactNode; testId: string }) {
  return (
    <Stack gap="sm">
      <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title={title} role="alert">
        <Text size="sm">
          Copy it now and keep it somewhere safe: <b>you will not see it again</b>. {children}
        </Text>
      </Alert>
      <Paper withBorder radius="md" p="sm" bg="gray.0">
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text ff="monospace" size="sm" style={{ wordBreak: "break-all" }} data-testid={testId}>
            {value}
          </Text>
          <CopyIcon value={value} label="Copy to clipboard" />
        </Group>
      </Paper>
    </Stack>
  );
}
