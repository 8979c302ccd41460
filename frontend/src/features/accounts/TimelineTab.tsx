import { Badge, Card, Group, Text, Timeline } from "@mantine/core";
import { IconSquare, IconSquareCheck } from "@tabler/icons-react";
import type { TimelineKind } from "../../api/types";
import { RichText } from "../../components/RichText";
import { formatDateOf, formatDateTime } from "../../components/format";
import { htmlToText } from "../../components/richtext";
import { CardSkeleton, EmptyState, ErrorState } from "../../components/states";
import { useOrganisation } from "../organisation/queries";
import type { NameOf } from "../users/queries";
import { useAccountTimeline } from "./queries";
import { FromChildAccount } from "./rollup";

const KIND_LABEL: Record<TimelineKind, { label: string; color: string }> = {
  interaction: { label: "Interaction", color: "blue" },
  note: { label: "Note", color: "yellow" },
  ticket: { label: "Ticket", color: "orange" },
  ticket_closed: { label: "Ticket closed", color: "green" },
  status_update: { label: "Status", color: "tenure" },
  stage_change: { label: "Stage", color: "grape" },
  csm_assigned: { label: "CSM assigned", color: "teal" },
  csm_unassigned: { label: "CSM unassigned", color: "gray" },
  csm_score: { label: "CSM score", color: "indigo" },
  nps_response: { label: "NPS", color: "cyan" },
  churn: { label: "Churn", color: "red" },
  reactivation: { label: "Reactivation", color: "green" },
  alert: { label: "Alert", color: "red" },
  alert_dismissed: { label: "Alert dismissed", color: "gray" },
  task: { label: "Task", color: "violet" },
  task_closed: { label: "Task closed", color: "violet" },
};

// Kinds that happen on a day, not at a time (a churn's date): the API sends the day's start in
// the organisation's time zone, which a time would show as "12:00 AM".
const DATE_ONLY: TimelineKind[] = ["churn", "reactivation"];

// Kinds drawn with an icon in their bullet.
const KIND_ICON: Partial<Record<TimelineKind, React.ReactNode>> = {
  task: <IconSquare size={10} />,
  task_closed: <IconSquareCheck size={10} />,
};

/** What happened on the account, newest first: activity and changes in one stream. */
export function TimelineTab({ accountId, userName, rollup = false }: { accountId: string; userName: NameOf; rollup?: boolean }) {
  const timeline = useAccountTimeline(accountId, true, rollup);
  const timeZone = useOrganisation().data?.time_zone;
  if (timeline.isPending) return <Card withBorder radius="lg" p="lg"><CardSkeleton lines={6} /></Card>;
  if (timeline.isError) return <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} title="Could not load the timeline" />;
  if (timeline.data.items.length === 0) return <EmptyState title="Nothing has happened yet" description="Interactions, notes, tickets and changes show up here." />;
  return (
    <Card withBorder radius="lg" p="lg">
      <Timeline bulletSize={14} lineWidth={2} data-testid="timeline">
        {timeline.data.items.map((item) => {
          const kind = KIND_LABEL[item.kind] ?? { label: item.kind, color: "gray" };
          return (
            <Timeline.Item
              key={`${item.kind}-${item.id}`}
              color={kind.color}
              bullet={KIND_ICON[item.kind]}
              data-testid="timeline-item"
              title={
                <Group gap="xs">
                  <Badge size="xs" variant="light" color={kind.color}>
                    {kind.label}
                  </Badge>
                  <Text size="sm" fw={600}>
                    {item.title}
                  </Text>
                  <FromChildAccount accountId={accountId} item={item} />
                </Group>
              }
            >
              {item.detail &&
                (item.kind === "note" ? (
                  <RichText html={item.detail} c="dimmed" mah={110} style={{ overflow: "hidden" }} />
                ) : (
                  <Text size="sm" c="dimmed" lineClamp={3} style={{ whiteSpace: "pre-wrap" }}>
                    {htmlToText(item.detail)}
                  </Text>
                ))}
              <Text size="xs" c="dimmed" mt={4}>
                {DATE_ONLY.includes(item.kind) ? formatDateOf(item.occurred_at, timeZone) : formatDateTime(item.occurred_at)}
                {item.author_id && userName(item.author_id) ? ` · ${userName(item.author_id)}` : ""}
              </Text>
            </Timeline.Item>
          );
        })}
      </Timeline>
      {timeline.data.total > timeline.data.items.length && (
        <Text size="xs" c="dimmed" mt="md">
          Showing the latest {timeline.data.items.length} of {timeline.data.total.toLocaleString()} events.
        </Text>
      )}
    </Card>
  );
}
