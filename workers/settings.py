"""arq WorkerSettings: the functions, the cron schedule and the resources jobs share."""

from typing import Any, ClassVar

import domain.models  # noqa: F401  # every mapper, so cross-area foreign keys resolve
from domain.common.db import create_engine, create_sessionmaker
from domain.common.logging import configure_logging
from domain.common.settings import Settings, get_settings
from domain.emails.service import SmtpConfig
from workers import liveness, queue
from workers.jobs import (  # noqa: F401  # registers the areas' jobs
    accounts,
    alerts,
    churn,
    emails,
    health,
    integration,
    live,
    metrics,
    notifications,
    outbox,
    revenue,
    usage,
    users,
)


def smtp_config(settings: Settings) -> SmtpConfig:
    e = settings.email
    return SmtpConfig(
        host=e.smtp_host,
        port=e.smtp_port,
        from_address=e.from_address,
        username=e.smtp_username,
        password=e.smtp_password.get_secret_value() if e.smtp_password else None,
        starttls=e.smtp_starttls,
    )


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    queue.quiet_idle_runs("live.schedule")
    ctx["settings"] = settings
    ctx["engine"] = create_engine(settings.async_database_url, pool_size=5)
    ctx["sessionmaker"] = create_sessionmaker(ctx["engine"])
    ctx["smtp"] = smtp_config(settings)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["engine"].dispose()


class WorkerSettings:
    functions: ClassVar[list[Any]] = queue.worker_functions()
    cron_jobs: ClassVar[list[Any]] = [
        # Every minute, and at start so a worker coming back relays what waited for it.
        queue.cron_schedule("jobs.sweep_outbox", run_at_startup=True),
        queue.cron_schedule("jobs.prune_outbox", hour=3, minute=25),
        # The live chain: changed accounts' figures within seconds of the change.
        queue.cron_schedule("live.schedule", second=set(range(0, 60, 5))),
        queue.cron_schedule("live.retry_failed", minute={2, 17, 32, 47}),
        queue.cron_schedule("emails.sweep_outbox", minute={0, 15, 30, 45}),
        queue.cron_schedule("accounts.schedule_attribute_triggers", minute=5),
        queue.cron_schedule("integration.prune", hour=3, minute=20),
        queue.cron_schedule("revenue.schedule_daily_recompute", hour=2, minute=10),
        queue.cron_schedule("revenue.link_late_accounts", minute={7, 22, 37, 52}),
        queue.cron_schedule("usage.schedule_rollups", minute={3, 18, 33, 48}),
        # After the :33 usage rollup; each organisation's 23:xx local run also snapshots.
        queue.cron_schedule("metrics.schedule_refresh", minute=40),
        # Sundays, after the night's snapshots: each organisation's churn model retrained.
        queue.cron_schedule("churn.schedule_training", weekday=6, hour=4, minute=10),
        # Alert rules over every account; changed accounts are evaluated by the live chain.
        queue.cron_schedule("alerts.schedule_full_pass", minute=50),
        queue.cron_schedule("alerts.prune_evaluations", hour=3, minute=35),
        # Due-tomorrow and overdue reminders (one per task and due date, however often run).
        queue.cron_schedule("notifications.remind_due_tasks", minute=12),
        # Daily digests at 07:xx in each organisation's time zone.
        queue.cron_schedule("notifications.schedule_digests", minute=2),
        queue.cron_schedule("notifications.sweep_emails", minute={6, 21, 36, 51}),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = queue.redis_settings(get_settings().redis_url)
    max_jobs = 20
    health_check_key = liveness.key()
    health_check_interval = liveness.INTERVAL
    job_timeout = 300
    keep_result = 3600
