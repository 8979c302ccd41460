import { Alert, Button, CopyButton, Group, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import { IconCheck, IconCopy, IconDownload, IconAlertTriangle } from "@tabler/icons-react";

function download(codes: string[]) {
  const text = `Tenure recovery codes\n\nEach code can be used once to sign in without your authenticator app.\n\n${codes.join("\n")}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = "tenure-recovery-codes.txt";
  link.click();
  URL.revokeObjectURL(url);
}

/** Recovery codes, shown once: the server keeps only their hashes. */
export function RecoveryCodes({ codes, onDone, doneLabel = "I've saved these codes" }: { codes: string[]; onDone: () => void; doneLabel?: string }) {
  return (
    <Stack data-testid="recovery-codes">
      <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="Save your recovery codes now">
        If you lose your phone, each of these codes lets you sign in once. This is the only time they are shown.
      </Alert>
      <Paper withBorder p="md" radius="md" bg="gray.0">
        <SimpleGrid cols={2} spacing="xs">
          {codes.map((code) => (
            <Text key={code} ff="monospace" size="sm" ta="center" data-testid="recovery-code">
              {code}
            </Text>
          ))}
        </SimpleGrid>
      </Paper>
      <Group justify="space-between">
        <Group gap="xs">
          <CopyButton value={codes.join("\n")}>
            {({ copied, copy }) => (
              <Button variant="default" size="xs" leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} onClick={copy}>
                {copied ? "Copied" : "Copy"}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" size="xs" leftSection={<IconDownload size={14} />} onClick={() => download(codes)}>
            Download
          </Button>
        </Group>
        <Button onClick={onDone}>{doneLabel}</Button>
      </Group>
    </Stack>
  );
}
