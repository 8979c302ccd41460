import { Anchor, Group } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { Link } from "react-router";
import { PageHeader } from "../../components/PageHeader";
import { CardSkeleton, ErrorState } from "../../components/states";
import { HealthBacktest } from "./HealthBacktest";
import { useHealthModels } from "./queries";

/** The backtest of health models: two versions replayed over the same past day side by side. */
export function HealthBacktestPage() {
  const models = useHealthModels();
  return (
    <>
      <PageHeader
        before={
          <Anchor component={Link} to="/admin/health" size="sm">
            <Group gap={4}>
              <IconArrowLeft size={14} /> Health scores
            </Group>
          </Anchor>
        }
        title="Health backtest"
        description="Replays versions of a model over the metric snapshots of a past day and compares their scores with the accounts that churned afterwards: AUC, churn rate and MRR per band, and the churned accounts behind them."
      />
      {models.isError ? (
        <ErrorState error={models.error} onRetry={() => void models.refetch()} title="Could not load health models" />
      ) : models.isPending ? (
        <CardSkeleton />
      ) : (
        <HealthBacktest models={models.data} />
      )}
    </>
  );
}
