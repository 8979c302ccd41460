import { Box, Card, Group, SegmentedControl, Select, SimpleGrid, Skeleton, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconUserCheck } from "@tabler/icons-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { errorMessage } from "../../api/errors";
import type { AccountSelection, BulkEdit, FilterCondition } from "../../api/types";
import { PageHeader } from "../../components/PageHeader";
import { plural } from "../../components/format";
import { EmptyState, ErrorState } from "../../components/states";
import { useCsmOptions } from "../accounts/csms";
import { FilterBuilder } from "../accounts/FilterBuilder";
import { useAccountFields, useBulkEditAccounts } from "../accounts/queries";
import { AccountSide } from "./AccountSide";
import {
  CANDIDATE_SCOPES,
  assignBody,
  assignedFilter,
  candidateFilter,
  unassignBody,
  type CandidateScope,
} from "./assignment";

/**
 * Account assignment: pick a CSM, see their accounts on one side and the accounts they could
 * take on the other (nobody's, other CSMs', or any, narrowed by a filter), and move accounts
 * between the two. Everything goes through the bulk edit API, so history records each change.
 */
export function AssignmentPage() {
  const [params, setParams] = useSearchParams();
  const csmId = params.get("csm");
  const [scope, setScope] = useState<CandidateScope>("unassigned");
  const [extra, setExtra] = useState<FilterCondition | null>(null);
  const csms = useCsmOptions(true, csmId ? [csmId] : []);
  const fields = useAccountFields();
  const bulk = useBulkEditAccounts();
  const csmName = csms.options.find((option) => option.value === csmId)?.label ?? "This CSM";

  const pickCsm = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set("csm", id);
    else next.delete("csm");
    setParams(next, { replace: true });
  };

  const run = (body: BulkEdit, done: (updated: number) => string) =>
    bulk.mutateAsync(body).then(
      (result) => {
        notifications.show({ color: "tenure", title: done(result.updated), message: "" });
        return true;
      },
      (error: Error) => {
        notifications.show({ color: "red", title: "Could not change the assignment", message: errorMessage(error) });
        return false;
      },
    );

  return (
    <>
      <PageHeader
        title="Account assignment"
        description="Pick a CSM, then give them accounts or take accounts back. Every change is kept in the accounts' CSM history."
      />
      <Card withBorder radius="lg" p="md" mb="md">
        <Group align="flex-end" gap="md">
          <Select
            label="CSM"
            placeholder={csms.available ? "Pick a CSM" : "Loading…"}
            data={csms.options}
            searchable
            value={csmId}
            onChange={pickCsm}
            w={320}
            nothingFoundMessage="No user with a CSM seat"
            data-testid="assignment-csm"
          />
          <Text size="sm" c="dimmed" pb={8}>
            Only active users whose role has a CSM seat can be assigned accounts.
          </Text>
        </Group>
      </Card>

      {!csmId ? (
        <EmptyState
          icon={<IconUserCheck size={28} />}
          title="Pick a CSM"
          description="Their accounts appear on the left, and accounts you can give them on the right."
        />
      ) : (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          <AccountSide
            testId="assigned"
            title={`${csmName}'s accounts`}
            filter={assignedFilter(csmId)}
            emptyTitle="No accounts yet"
            emptyDescription="Assign accounts from the list beside this one."
            action={{
              verb: "Unassign",
              confirmAll: (count) =>
                `${csmName} will no longer be a CSM of ${plural(count, "account")}. Their other CSMs keep them.`,
              run: (selection: AccountSelection) =>
                run(unassignBody(csmId, selection), (updated) => `${plural(updated, "account")} unassigned from ${csmName}`),
              pending: bulk.isPending,
            }}
          />
          <AccountSide
            testId="candidates"
            title="Other accounts"
            filter={candidateFilter(csmId, scope, extra)}
            emptyTitle="Nothing to assign"
            emptyDescription="No account matches this list and its filters."
            toolbar={
              <Stack gap="sm">
                <SegmentedControl
                  aria-label="Which accounts"
                  data={CANDIDATE_SCOPES}
                  value={scope}
                  onChange={(value) => setScope(value as CandidateScope)}
                  data-testid="candidate-scope"
                />
                <Box>
                  {fields.isError ? (
                    <ErrorState error={fields.error} onRetry={() => void fields.refetch()} title="Could not load the filter fields" />
                  ) : fields.isPending ? (
                    <Skeleton height={30} width={160} />
                  ) : (
                    <FilterBuilder fields={fields.data} value={extra} users={csms.options} onChange={setExtra} />
                  )}
                </Box>
              </Stack>
            }
            action={{
              verb: "Assign",
              confirmAll: (count) =>
                `${csmName} becomes a CSM of ${plural(count, "account")}. CSMs they already have keep them too.`,
              run: (selection: AccountSelection) =>
                run(assignBody(csmId, selection), (updated) => `${plural(updated, "account")} assigned to ${csmName}`),
              pending: bulk.isPending,
            }}
          />
        </SimpleGrid>
      )}
    </>
  );
}
