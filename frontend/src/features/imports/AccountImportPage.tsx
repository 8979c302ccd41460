import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  FileInput,
  Group,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { IconArrowLeft, IconFileTypeCsv } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountImport } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime, plural } from "../../components/format";
import { EmptyState, ErrorState, TableSkeletonRows } from "../../components/states";
import { IGNORE, csvHeader, duplicateFields, fieldLabel, foundErrors, initialMapping, isFinished, mappingJson, statusLabel } from "./mapping";
import { useAccountFields } from "../accounts/queries";
import { useAccountImport, useAccountImports, useImportTemplate, useStartImport } from "./queries";

const STATUS_COLORS: Record<string, string> = { queued: "gray", running: "blue", succeeded: "green", failed: "red" };

function ImportProgress({ run }: { run: AccountImport }) {
  const percent = run.total_rows > 0 ? Math.round((run.processed_rows / run.total_rows) * 100) : isFinished(run.status) ? 100 : 0;
  const finished = isFinished(run.status);
  // An import writes nothing while any row is refused: a dry run that found some would import nothing.
  const wouldFail = foundErrors(run);
  return (
    <Card withBorder radius="lg" p="md" data-testid="import-result">
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600}>
            {run.dry_run ? "Dry run" : "Import"} of {run.file_name}
          </Text>
          <Badge color={wouldFail ? "orange" : (STATUS_COLORS[run.status] ?? "gray")} variant="light" data-testid="import-status">
            {statusLabel(run)}
          </Badge>
        </Group>
        <Progress
          value={percent}
          size="lg"
          animated={!finished}
          color={run.status === "failed" ? "red" : "tenure"}
          data-testid="import-progress"
          aria-label="Import progress"
          data-value={percent}
        />
        <Text size="sm" c="dimmed" data-testid="import-rows">
          {run.processed_rows.toLocaleString()} of {run.total_rows.toLocaleString()} rows processed
        </Text>
        {finished && (
          <>
            {wouldFail ? (
              <Text size="sm" data-testid="import-counts">
                {/* No counts: they leave out the rows with errors, so they are not what the fixed file would do. */}
                Nothing would be imported: an import writes no row while any row has an error. Fix{" "}
                {plural(run.error_count, "error")} below and run it again.
              </Text>
            ) : (
              <Text size="sm" data-testid="import-counts">
                {run.dry_run ? "Would create" : "Created"} {run.created_count}, {run.dry_run ? "would update" : "updated"}{" "}
                {run.updated_count}, {plural(run.error_count, "error")}
              </Text>
            )}
            {run.errors.length > 0 && (
              <Table.ScrollContainer minWidth={500}>
                <Table data-testid="import-errors" striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Row</Table.Th>
                      <Table.Th>Column</Table.Th>
                      <Table.Th>Message</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {run.errors.map((error, index) => (
                      <Table.Tr key={`${error.row}-${index}`}>
                        <Table.Td>{error.row}</Table.Td>
                        <Table.Td>{error.column ?? "—"}</Table.Td>
                        <Table.Td>{error.message}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}

function RecentImports({ onOpen }: { onOpen: (id: string) => void }) {
  const imports = useAccountImports();
  let body;
  if (imports.isPending) body = <TableSkeletonRows columns={5} rows={3} />;
  else if (imports.isError)
    return <ErrorState error={imports.error} onRetry={() => void imports.refetch()} title="Could not load recent imports" />;
  else if (imports.data.length === 0) return <EmptyState title="No imports yet" description="Imports you run appear here." />;
  else
    body = imports.data.map((run) => (
      <Table.Tr key={run.id} data-testid="import-row">
        <Table.Td>
          <Anchor component="button" size="sm" onClick={() => onOpen(run.id)}>
            {run.file_name}
          </Anchor>
        </Table.Td>
        <Table.Td>{run.dry_run ? "Dry run" : "Import"}</Table.Td>
        <Table.Td>
          <Badge color={foundErrors(run) ? "orange" : (STATUS_COLORS[run.status] ?? "gray")} variant="light" data-testid="import-row-status">
            {statusLabel(run)}
          </Badge>
        </Table.Td>
        <Table.Td data-testid="import-row-counts">
          {/* A dry run that found errors would write nothing: its counts leave out the rows with errors. */}
          {foundErrors(run) ? "— / —" : `${run.created_count} / ${run.updated_count}`} / {run.error_count}
        </Table.Td>
        <Table.Td>{formatDateTime(run.created_at)}</Table.Td>
      </Table.Tr>
    ));
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table data-testid="recent-imports">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Created / updated / errors</Table.Th>
            <Table.Th>Started</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{body}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function AccountImportPage() {
  const template = useImportTemplate();
  const start = useStartImport();
  const [file, setFile] = useState<File | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [fileError, setFileError] = useState<string | null>(null);
  const [mode, setMode] = useState<"dry" | "import">("dry");
  const [runId, setRunId] = useState<string | null>(null);
  const run = useAccountImport(runId);

  const fields = template.data ?? [];
  const accountFields = useAccountFields();
  const labels = new Map((accountFields.data ?? []).map((f) => [f.key, f.label]));

  const onFile = async (picked: File | null) => {
    setFile(picked);
    setFileError(null);
    setRunId(null);
    if (!picked) {
      setColumns([]);
      setMapping({});
      return;
    }
    const header = csvHeader(await picked.text());
    if (!header.length) setFileError("This file has no header row.");
    setColumns(header);
    setMapping(initialMapping(header, fields, labels));
  };

  const duplicates = duplicateFields(mapping);
  const mapped = Object.values(mapping).filter((field) => field !== IGNORE).length;
  const running = run.data ? !isFinished(run.data.status) : false;

  const submit = () => {
    if (!file) return;
    start.mutate({ file, mapping: mappingJson(mapping), dryRun: mode === "dry" }, { onSuccess: (result) => setRunId(result.id) });
  };

  return (
    <>
      <PageHeader
        before={
          <Anchor component={Link} to="/accounts" size="sm">
            <Group gap={4}>
              <IconArrowLeft size={14} /> Accounts
            </Group>
          </Anchor>
        }
        title="Import accounts"
        description="Upload a CSV, map its columns to account fields, try a dry run, then import."
      />
      <Stack gap="lg">
        <Card withBorder radius="lg" p="md">
          <Stack gap="md">
            {template.isError && (
              <ErrorState error={template.error} onRetry={() => void template.refetch()} title="Could not load the import fields" />
            )}
            <FileInput
              label="CSV file"
              placeholder="Choose a .csv file"
              accept=".csv,text/csv"
              leftSection={<IconFileTypeCsv size={16} />}
              value={file}
              onChange={(picked) => void onFile(picked)}
              error={fileError}
              disabled={template.isPending}
              clearable
              data-testid="import-file"
            />
            {columns.length > 0 && (
              <>
                <Title order={5}>Column mapping</Title>
                <Table data-testid="import-mapping">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>CSV column</Table.Th>
                      <Table.Th>Field</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {columns.map((column) => (
                      <Table.Tr key={column}>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {column}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {/* An ignored column shows no value, so typing searches the fields afresh. */}
                          <Select
                            aria-label={`Field for ${column}`}
                            placeholder="Ignore"
                            data={fields.map((f) => ({ value: f, label: fieldLabel(f, labels) }))}
                            value={mapping[column] === IGNORE ? null : (mapping[column] ?? null)}
                            onChange={(value) => setMapping({ ...mapping, [column]: value ?? IGNORE })}
                            clearable
                            searchable
                            error={duplicates.includes(mapping[column] ?? "") ? "Mapped twice" : undefined}
                          />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Group justify="space-between">
                  <SegmentedControl
                    aria-label="Import mode"
                    data={[
                      { value: "dry", label: "Dry run" },
                      { value: "import", label: "Import" },
                    ]}
                    value={mode}
                    onChange={(value) => setMode(value as "dry" | "import")}
                    data-testid="import-mode"
                  />
                  <Button
                    onClick={submit}
                    loading={start.isPending || running}
                    disabled={!file || mapped === 0 || duplicates.length > 0}
                    data-testid="import-submit"
                  >
                    {mode === "dry" ? "Start dry run" : "Start import"}
                  </Button>
                </Group>
                {start.isError && (
                  <Alert color="red" title="Could not start the import" data-testid="import-start-error">
                    {errorMessage(start.error)}
                  </Alert>
                )}
              </>
            )}
          </Stack>
        </Card>

        {run.isError && <ErrorState error={run.error} onRetry={() => void run.refetch()} title="Could not load the import" />}
        {run.data && <ImportProgress run={run.data} />}

        <Box>
          <Title order={4} mb="sm">
            Recent imports
          </Title>
          <Card withBorder radius="lg" p={0}>
            <RecentImports onOpen={setRunId} />
          </Card>
        </Box>
      </Stack>
    </>
  );
}
