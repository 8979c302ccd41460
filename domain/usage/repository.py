"""The usage area's SQL, every statement scoped to one organisation. Ingestion and the rollup
are set-based: one statement per batch or per day range, never one per event."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, TextClause, func, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common.bulk_sql import among
from domain.freshness import changes
from domain.orgs.models import Organisation
from domain.usage.models import (
    Contact,
    ContactAccount,
    UsageDailyAccount,
    UsageDailyContact,
    UsageDailyFeature,
    UsageEvent,
    UsagePendingDay,
)

# Marks the days of rows a statement wrote (its `touched` CTE returns `occurred_at`) as
# pending for the rollup. NOT EXISTS first: a day already pending is skipped without taking the
# unique index's lock, so concurrent batches on the same days do not queue behind each other.
# Days are inserted in order, like message ids and external ids below: concurrent batches that
# share keys then wait for each other in one order instead of deadlocking.
_MARK_PENDING_DAYS = """
INSERT INTO usage_pending_days (org_id, day)
SELECT DISTINCT CAST(:org_id AS uuid), d.day
FROM (SELECT (occurred_at AT TIME ZONE :tz)::date AS day FROM touched{where}) AS d
WHERE NOT EXISTS (
    SELECT 1 FROM usage_pending_days p WHERE p.org_id = CAST(:org_id AS uuid) AND p.day = d.day
)
ORDER BY d.day
ON CONFLICT DO NOTHING
"""
_MARK_PENDING = _MARK_PENDING_DAYS.format(where="")
# New events: the live chain rolls up their accounts' days from :live_from on, so only older
# days are pending (and events without an account count nowhere until linked, which marks
# them). A quarter-hourly rollup of today for the whole organisation would read every event of
# the day and hold its rows' locks against the chain's batches.
_MARK_PENDING_BEFORE_LIVE = _MARK_PENDING_DAYS.format(
    where=" WHERE account_id IS NOT NULL"
    " AND occurred_at < CAST(:live_from AS date)::timestamp AT TIME ZONE :tz"
)

# After a `touched` CTE of events: their days marked pending, and the (account, day) pairs
# they touched listed, for the live chain to mark those accounts changed.
_MARK_PENDING_AND_LIST = f"""pending AS ({_MARK_PENDING})
SELECT DISTINCT account_id, CAST(occurred_at AT TIME ZONE :tz AS date) FROM touched
WHERE account_id IS NOT NULL
"""

# The external id of the contact's account when it has exactly one (no row otherwise), by the
# memberships' primary key.
_SOLE_ACCOUNT = """
SELECT min(ca.account_external_id) AS account_external_id
FROM contact_accounts ca
WHERE {only} AND ca.org_id = CAST(:org_id AS uuid) AND ca.contact_id = {contact}
HAVING count(*) = 1
"""
_SOLE_ACCOUNT_OF_CONTACT = _SOLE_ACCOUNT.format(contact="c.id", only="true")
_SOLE_ACCOUNT_OF_UNATTRIBUTED = _SOLE_ACCOUNT.format(
    contact="c.id", only="v.account_external_id IS NULL"
)

_INSERT_EVENTS = text(
    f"""
WITH sent AS (
    SELECT * FROM unnest(
        CAST(:message_ids AS text[]), CAST(:names AS text[]), CAST(:features AS text[]),
        CAST(:modules AS text[]), CAST(:contact_external_ids AS text[]),
        CAST(:account_external_ids AS text[]), CAST(:session_ids AS text[]),
        CAST(:occurred_ats AS timestamptz[]), CAST(:properties AS text[])
    ) AS v(message_id, name, feature, module, contact_external_id, account_external_id,
           session_id, occurred_at, properties)
),
-- An event sent under a contact's former id (Segment's alias) is the contact's own.
v AS (
    SELECT s.message_id, s.name, s.feature, s.module,
           COALESCE(al.external_id, s.contact_external_id) AS contact_external_id,
           s.account_external_id, s.session_id, s.occurred_at, s.properties
    FROM sent s
    LEFT JOIN contact_aliases al
        ON al.org_id = CAST(:org_id AS uuid) AND al.alias = s.contact_external_id
),
touched AS (
    INSERT INTO usage_events (
        org_id, message_id, name, feature, module, contact_external_id, account_external_id,
        account_id, contact_id, session_id, occurred_at, properties
    )
    SELECT CAST(:org_id AS uuid), v.message_id, v.name, v.feature, v.module,
           v.contact_external_id, COALESCE(v.account_external_id, sole.account_external_id),
           a.id, c.id, v.session_id, v.occurred_at, CAST(v.properties AS jsonb)
    FROM v
    LEFT JOIN contacts c
        ON c.org_id = CAST(:org_id AS uuid) AND c.external_id = v.contact_external_id
    -- An event sent without its account belongs to its contact's account, when the contact
    -- has only one: attributed now, so the account's events show it before any rollup.
    LEFT JOIN LATERAL ({_SOLE_ACCOUNT_OF_UNATTRIBUTED}) AS sole ON true
    LEFT JOIN accounts a
        ON a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
        AND a.external_id = COALESCE(v.account_external_id, sole.account_external_id)
    ORDER BY v.message_id
    ON CONFLICT (org_id, message_id) DO NOTHING
    RETURNING message_id, occurred_at, account_id
),
pending AS ({_MARK_PENDING_BEFORE_LIVE})
SELECT message_id, account_id, CAST(occurred_at AT TIME ZONE :tz AS date) FROM touched
"""
)

_UPSERT_CONTACTS = text(
    """
INSERT INTO contacts (id, org_id, external_id, email, name, title, role, traits)
SELECT gen_random_uuid(), CAST(:org_id AS uuid), v.external_id, v.email, v.name, v.title,
       v.role, COALESCE(CAST(v.traits AS jsonb), '{}'::jsonb)
FROM unnest(
    CAST(:external_ids AS text[]), CAST(:emails AS text[]), CAST(:names AS text[]),
    CAST(:titles AS text[]), CAST(:roles AS text[]), CAST(:traits AS text[])
) AS v(external_id, email, name, title, role, traits)
ORDER BY v.external_id
ON CONFLICT (org_id, external_id) DO UPDATE SET
    email = COALESCE(EXCLUDED.email, contacts.email),
    name = COALESCE(EXCLUDED.name, contacts.name),
    title = COALESCE(EXCLUDED.title, contacts.title),
    role = COALESCE(EXCLUDED.role, contacts.role),
    traits = contacts.traits || EXCLUDED.traits,
    updated_at = now()
RETURNING external_id, id
"""
)

_ADD_LINKS = text(
    """
INSERT INTO contact_accounts (contact_id, account_external_id, org_id, account_id, traits)
SELECT v.contact_id, v.account_external_id, CAST(:org_id AS uuid), a.id,
       COALESCE(CAST(v.traits AS jsonb), '{}'::jsonb)
FROM unnest(
    CAST(:contact_ids AS uuid[]), CAST(:account_external_ids AS text[]), CAST(:traits AS text[])
) AS v(contact_id, account_external_id, traits)
LEFT JOIN accounts a
    ON a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
    AND a.external_id = v.account_external_id
ORDER BY v.contact_id, v.account_external_id
ON CONFLICT (contact_id, account_external_id) DO UPDATE SET
    traits = contact_accounts.traits || EXCLUDED.traits,
    account_id = COALESCE(contact_accounts.account_id, EXCLUDED.account_id)
"""
)

# Segment `alias`: :previous now names :external_id, as do the ids that named :previous.
_KEEP_ALIAS = [
    text(
        """
UPDATE contact_aliases SET external_id = :external_id
WHERE org_id = CAST(:org_id AS uuid) AND external_id = :previous
"""
    ),
    text(
        """
INSERT INTO contact_aliases (org_id, alias, external_id)
VALUES (CAST(:org_id AS uuid), :previous, :external_id)
ON CONFLICT (org_id, alias) DO UPDATE SET external_id = EXCLUDED.external_id
"""
    ),
    # An id that is a contact's own again names no other.
    text(
        """
DELETE FROM contact_aliases
WHERE org_id = CAST(:org_id AS uuid) AND (alias = :external_id OR alias = external_id)
"""
    ),
]

_ALIASED = text(
    """
SELECT alias, external_id FROM contact_aliases
WHERE org_id = CAST(:org_id AS uuid) AND alias = ANY(CAST(:external_ids AS varchar[]))
"""
)

# Segment `alias`: the contact known as :previous is the one known as :external_id.
_RENAME_CONTACT = text(
    """
UPDATE contacts SET external_id = :external_id, updated_at = now()
WHERE org_id = CAST(:org_id AS uuid) AND external_id = :previous
  AND NOT EXISTS (
      SELECT 1 FROM contacts t
      WHERE t.org_id = CAST(:org_id AS uuid) AND t.external_id = :external_id
  )
RETURNING id
"""
)

# Both exist: the previous one's events, memberships and traits move to the other (whose own
# values win), then it goes. Its days are recomputed, as their contacts changed.
_MERGE_CONTACTS = [
    text(
        f"""
WITH ids AS (
    SELECT p.id AS previous, t.id AS target
    FROM contacts p, contacts t
    WHERE p.org_id = CAST(:org_id AS uuid) AND p.external_id = :previous
      AND t.org_id = CAST(:org_id AS uuid) AND t.external_id = :external_id
),
touched AS (
    UPDATE usage_events e SET contact_id = ids.target
    FROM ids
    WHERE e.org_id = CAST(:org_id AS uuid) AND e.contact_id = ids.previous
    RETURNING e.occurred_at, e.account_id
),
{_MARK_PENDING_AND_LIST}
"""
    ),
    text(
        """
INSERT INTO contact_accounts (contact_id, account_external_id, org_id, account_id, traits)
SELECT t.id, ca.account_external_id, ca.org_id, ca.account_id, ca.traits
FROM contact_accounts ca
JOIN contacts p ON p.id = ca.contact_id
JOIN contacts t ON t.org_id = p.org_id AND t.external_id = :external_id
WHERE p.org_id = CAST(:org_id AS uuid) AND p.external_id = :previous
ORDER BY ca.account_external_id
ON CONFLICT (contact_id, account_external_id) DO NOTHING
"""
    ),
    text(
        """
UPDATE contacts t
SET email = COALESCE(t.email, p.email), name = COALESCE(t.name, p.name),
    title = COALESCE(t.title, p.title), role = COALESCE(t.role, p.role),
    traits = p.traits || t.traits,
    first_seen_at = LEAST(t.first_seen_at, p.first_seen_at),
    last_seen_at = GREATEST(t.last_seen_at, p.last_seen_at),
    updated_at = now()
FROM contacts p
WHERE t.org_id = CAST(:org_id AS uuid) AND t.external_id = :external_id
  AND p.org_id = CAST(:org_id AS uuid) AND p.external_id = :previous
"""
    ),
    text("DELETE FROM contacts WHERE org_id = CAST(:org_id AS uuid) AND external_id = :previous"),
]

# Events sent under :previous while no contact had that id (an anonymous visitor never
# identified) are :external_id's: re-keyed, and linked to that contact and its only account
# when they exist (else they link when those arrive).
_ALIAS_UNLINKED_EVENTS = text(
    f"""
WITH target AS (
    SELECT c.id, sole.account_external_id, a.id AS account_id
    FROM (SELECT 1) AS one
    LEFT JOIN contacts c
        ON c.org_id = CAST(:org_id AS uuid) AND c.external_id = :external_id
    LEFT JOIN LATERAL ({_SOLE_ACCOUNT_OF_CONTACT}) AS sole ON true
    LEFT JOIN accounts a
        ON a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
        AND a.external_id = sole.account_external_id
),
touched AS (
    UPDATE usage_events e
    SET contact_external_id = :external_id, contact_id = target.id,
        account_external_id = COALESCE(e.account_external_id, target.account_external_id),
        account_id = CASE WHEN e.account_external_id IS NULL THEN target.account_id
                          ELSE e.account_id END
    FROM target
    WHERE e.org_id = CAST(:org_id AS uuid) AND e.contact_id IS NULL
      AND e.contact_external_id = :previous
    RETURNING e.occurred_at, e.account_id
),
{_MARK_PENDING_AND_LIST}
"""
)

# Late arrivals: events and memberships written before their account or contact existed.
_LINK_EVENT_ACCOUNTS = text(
    f"""
WITH touched AS (
    UPDATE usage_events e SET account_id = a.id
    FROM accounts a
    WHERE e.org_id = CAST(:org_id AS uuid) AND e.account_id IS NULL
      AND a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
      AND a.external_id = e.account_external_id
    RETURNING e.occurred_at, e.account_id
),
{_MARK_PENDING_AND_LIST}
"""
)

# An event sent without an account belongs to its contact's account, when there is only one.
_LINK_EVENTS_TO_SOLE_ACCOUNT = text(
    f"""
WITH sole AS (
    SELECT ca.contact_id, min(ca.account_external_id) AS account_external_id
    FROM contact_accounts ca
    WHERE ca.org_id = CAST(:org_id AS uuid)
    GROUP BY ca.contact_id
    HAVING count(*) = 1
),
touched AS (
    UPDATE usage_events e
    SET account_external_id = sole.account_external_id, account_id = a.id
    FROM sole
    LEFT JOIN accounts a
        ON a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
        AND a.external_id = sole.account_external_id
    WHERE e.org_id = CAST(:org_id AS uuid) AND e.account_id IS NULL
      AND e.account_external_id IS NULL AND e.contact_id = sole.contact_id
    RETURNING e.occurred_at, e.account_id
),
{_MARK_PENDING_AND_LIST}
"""
)

_LINK_EVENT_CONTACTS = text(
    f"""
WITH touched AS (
    UPDATE usage_events e SET contact_id = c.id
    FROM contacts c
    WHERE e.org_id = CAST(:org_id AS uuid) AND e.contact_id IS NULL
      AND c.org_id = CAST(:org_id AS uuid) AND c.external_id = e.contact_external_id
      AND (CAST(:only AS text[]) IS NULL OR e.contact_external_id = ANY(CAST(:only AS text[])))
    RETURNING e.occurred_at, e.account_id
),
{_MARK_PENDING_AND_LIST}
"""
)

_LINK_MEMBERSHIPS = text(
    """
UPDATE contact_accounts ca SET account_id = a.id
FROM accounts a
WHERE ca.org_id = CAST(:org_id AS uuid) AND ca.account_id IS NULL
  AND a.org_id = CAST(:org_id AS uuid) AND a.deleted_at IS NULL
  AND a.external_id = ca.account_external_id
"""
)

# The days of first..last within :near days of a rolled-up or pending day, marked pending (a
# range probe each on the (org_id, day) indexes rather than a scan of the window's rows).
_MARK_ROLLED_UP_DAYS_PENDING = text(
    """
INSERT INTO usage_pending_days (org_id, day)
SELECT CAST(:org_id AS uuid), d.day
FROM (
    SELECT CAST(g AS date) AS day
    FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS g
) AS d
WHERE EXISTS (
    SELECT 1 FROM usage_daily_contact u
    WHERE u.org_id = CAST(:org_id AS uuid)
      AND u.day BETWEEN d.day - CAST(:near AS int) AND d.day + CAST(:near AS int)
) OR EXISTS (
    SELECT 1 FROM usage_pending_days p
    WHERE p.org_id = CAST(:org_id AS uuid)
      AND p.day BETWEEN d.day - CAST(:near AS int) AND d.day + CAST(:near AS int)
)
ORDER BY d.day
ON CONFLICT DO NOTHING
"""
)

_TAKE_PENDING = text(
    """
DELETE FROM usage_pending_days WHERE org_id = CAST(:org_id AS uuid) RETURNING day
"""
)

_PUT_BACK_PENDING = text(
    """
INSERT INTO usage_pending_days (org_id, day)
SELECT CAST(:org_id AS uuid), d FROM unnest(CAST(:days AS date[])) AS d ORDER BY d
ON CONFLICT DO NOTHING
"""
)

# The rollup of the days [:first, :last] in the organisation's time zone, as bounds of
# occurred_at (sargable on the events' indexes).
_LO = "(CAST(:first AS date)::timestamp AT TIME ZONE :tz)"
_HI = "((CAST(:last AS date) + 1)::timestamp AT TIME ZONE :tz)"
_DAY = "CAST(ev.occurred_at AT TIME ZONE :tz AS date)"
_COUNTED = "ev.account_id IS NOT NULL AND ev.contact_id IS NOT NULL"

# Sessions as `domain.usage.sessions.contact_days` defines them, in one sorted pass: each event
# against the one before it (the day before `first` is read for that), grouped by day in the
# same order. The day is in the sort key so the grouping streams instead of hashing. An event
# read only as the one before (`prior`) counts nowhere.
_CONTACT_DAYS = f"""
WITH e AS (
    SELECT ev.account_id, ev.contact_id, ev.occurred_at, {_DAY} AS day,
           ev.occurred_at - lag(ev.occurred_at) OVER w AS gap,
           ev.session_id, lag(ev.session_id) OVER w AS previous_session_id, {{prior}} AS prior
    FROM {{events}} ev
    WHERE ev.org_id = CAST(:org_id AS uuid) AND {_COUNTED}{{scope}}
      AND ev.occurred_at >= {_LO} - interval '1 day' AND ev.occurred_at < {_HI}
    WINDOW w AS (
        PARTITION BY ev.account_id, ev.contact_id
        ORDER BY {_DAY}, ev.occurred_at, ev.session_id
    )
),
f AS (
    SELECT account_id, contact_id, day, occurred_at, gap,
           gap IS NOT NULL AND gap <= interval '1 day'
           AND session_id IS NOT DISTINCT FROM previous_session_id
           AND (session_id IS NOT NULL OR gap <= make_interval(mins => :timeout)) AS continues
    FROM e
    WHERE day BETWEEN CAST(:first AS date) AND CAST(:last AS date) AND NOT prior
)
SELECT account_id, contact_id, day, count(*) AS events,
       count(*) FILTER (WHERE NOT continues) AS sessions,
       -- Whole seconds of each gap, as `domain.usage.sessions` counts them: a sum of them
       -- is the same whether a day's gaps are added at once or run by run.
       COALESCE(sum(CAST(trunc(extract(epoch FROM gap)) AS bigint)) FILTER (WHERE continues), 0)
           AS session_seconds,
       min(occurred_at) AS first_event_at, max(occurred_at) AS last_event_at
FROM f
GROUP BY account_id, contact_id, day
"""

# From the contact rows just synced, so it runs after them.
_ACCOUNT_DAYS = """
SELECT account_id, day, sum(events) AS events, count(*) AS active_contacts,
       sum(sessions) AS sessions, sum(session_seconds) AS session_seconds,
       max(last_event_at) AS last_event_at
FROM usage_daily_contact ev
WHERE org_id = CAST(:org_id AS uuid){scope}
  AND day BETWEEN CAST(:first AS date) AND CAST(:last AS date)
GROUP BY account_id, day
"""

_FEATURE_DAYS = f"""
SELECT ev.account_id, {_DAY} AS day, COALESCE(ev.module, '') AS module, ev.feature,
       count(*) AS events, count(DISTINCT ev.contact_id) AS active_contacts
FROM {{events}} ev
WHERE ev.org_id = CAST(:org_id AS uuid) AND {_COUNTED} AND ev.feature IS NOT NULL{{scope}}
  AND ev.occurred_at >= {_LO} AND ev.occurred_at < {_HI}
GROUP BY 1, 2, 3, 4
"""


# The rollup of some accounts only (the live chain's): each statement reads and writes the rows
# of :accounts. Sessions are per account and contact, so a scoped rollup is exact.
_SCOPE = " AND {alias}.account_id = ANY(CAST(:accounts AS uuid[]))"


def _sync(
    table: str, rows: str, keys: list[str], values: list[str], *, scoped: bool
) -> list[TextClause]:
    """Make `table`'s rows of the days :first..:last those `rows` computes (of :accounts when
    `scoped`), writing only the differences: a day recomputed with what it had before writes
    nothing, so the rollup that re-reads today every quarter hour rewrites only the contacts
    and accounts that changed. The computed rows go to a temporary table first (no WAL, no
    index), then three hash joins against the stored rows update, delete and insert."""
    fresh = f"rollup_{table}"
    match = " AND ".join(f"t.{k} = n.{k}" for k in keys)
    rows = rows.format(
        scope=_SCOPE.format(alias="ev") if scoped else "",
        events="pg_temp.rollup_events" if scoped else "usage_events",
        prior="false",
    )
    stored = (
        "t.org_id = CAST(:org_id AS uuid) "
        "AND t.day BETWEEN CAST(:first AS date) AND CAST(:last AS date)"
        + (_SCOPE.format(alias="t") if scoped else "")
    )
    columns = ", ".join(keys + values)
    return [
        text(f"DROP TABLE IF EXISTS pg_temp.{fresh}"),
        text(f"CREATE TEMPORARY TABLE {fresh} ON COMMIT DROP AS {rows}"),
        text(f"ANALYZE {fresh}"),
        text(
            f"UPDATE {table} t SET "
            + ", ".join(f"{v} = n.{v}" for v in values)
            + f" FROM {fresh} n WHERE {stored} AND {match}"
            f" AND ({', '.join('t.' + v for v in values)})"
            f" IS DISTINCT FROM ({', '.join('n.' + v for v in values)})"
        ),
        text(
            f"DELETE FROM {table} t WHERE {stored}"
            f" AND NOT EXISTS (SELECT 1 FROM {fresh} n WHERE {match})"
        ),
        # An upsert, not a plain insert: the quarter-hourly rollup of today and the live
        # chain's rollup of some of today's accounts may insert the same new row at once
        # (both computed from the same events), and a unique violation would fail the batch.
        text(
            f"INSERT INTO {table} (org_id, {columns}) "
            f"SELECT CAST(:org_id AS uuid), {columns} FROM {fresh} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {stored} AND {match}) "
            f"ORDER BY {', '.join(keys)} "
            f"ON CONFLICT ON CONSTRAINT pk_{table} DO UPDATE SET "
            + ", ".join(f"{v} = EXCLUDED.{v}" for v in values)
        ),
    ]


# The session id of the last in the sessions' order (time, then session id with nulls last) of
# a contact's events at `seen.last_at`, found in the account index the rollup has just read (the
# contact is compared in a form no index takes, or the planner would read the event from the
# table through the contacts').
_SESSION_OF_SEEN = """CROSS JOIN LATERAL (
    SELECT ev.session_id FROM usage_events ev
    WHERE ev.org_id = CAST(:org_id AS uuid) AND ev.account_id = seen.account_id
      AND ev.occurred_at = seen.last_at AND ev.contact_id IS NOT DISTINCT FROM seen.contact_id
    ORDER BY ev.session_id DESC NULLS FIRST
    LIMIT 1
) latest"""

# The scoped rollups' events, read once through the account index for both the contacts' and
# the features' days (a random heap read per event: reading them twice was a fifth of a live
# batch). Of the time before the first day, the sessions need only each contact's last event
# (what `lag` compares the day's first event with): its time is in the rollup of the day before
# (or of the one before that, when a day is 23 hours long), which is current, since the
# accounts' earliest changed day is :first; one index probe then finds its session id. The
# whole day before was read until then: at most hours of today against a full day, it was most
# of a live batch's reading.
_ROLLUP_EVENTS = [
    text("DROP TABLE IF EXISTS pg_temp.rollup_events"),
    text(
        f"""
CREATE TEMPORARY TABLE rollup_events ON COMMIT DROP AS
SELECT ev.org_id, ev.account_id, ev.contact_id, ev.occurred_at, ev.session_id, ev.module,
       ev.feature
FROM usage_events ev
WHERE ev.org_id = CAST(:org_id AS uuid) AND {_COUNTED}{_SCOPE.format(alias="ev")}
  AND ev.occurred_at >= {_LO} AND ev.occurred_at < {_HI}
UNION ALL
SELECT CAST(:org_id AS uuid), seen.account_id, seen.contact_id, seen.last_at, latest.session_id,
       NULL, NULL
FROM (
    SELECT d.account_id, d.contact_id, max(d.last_event_at) AS last_at
    FROM usage_daily_contact d
    WHERE d.org_id = CAST(:org_id AS uuid){_SCOPE.format(alias="d")}
      AND d.day BETWEEN CAST(:first AS date) - 2 AND CAST(:first AS date) - 1
    GROUP BY d.account_id, d.contact_id
) seen
{_SESSION_OF_SEEN}
WHERE seen.last_at >= {_LO} - interval '1 day' AND seen.last_at < {_LO}
"""
    ),
]


_ACCOUNT_SYNC_ARGS = (
    "usage_daily_account",
    _ACCOUNT_DAYS,
    ["account_id", "day"],
    ["events", "active_contacts", "sessions", "session_seconds", "last_event_at"],
)


def _sync_rollups(*, scoped: bool) -> list[TextClause]:
    """Contacts' days first, then features', then accounts' (summed from the contacts')."""
    return [
        *(_ROLLUP_EVENTS if scoped else []),
        *_sync(
            "usage_daily_contact",
            _CONTACT_DAYS,
            ["account_id", "contact_id", "day"],
            ["events", "sessions", "session_seconds", "first_event_at", "last_event_at"],
            scoped=scoped,
        ),
        *_sync(
            "usage_daily_feature",
            _FEATURE_DAYS,
            ["account_id", "day", "module", "feature"],
            ["events", "active_contacts"],
            scoped=scoped,
        ),
        *_sync(
            *_ACCOUNT_SYNC_ARGS,
            scoped=scoped,
        ),
    ]


_SEEN_OF = """
WITH x AS (
    SELECT contact_id, min(first_event_at) AS first_at, max(last_event_at) AS last_at
    FROM usage_daily_contact ev
    WHERE org_id = CAST(:org_id AS uuid){scope}
      AND day BETWEEN CAST(:first AS date) AND CAST(:last AS date)
    GROUP BY contact_id
),
-- Locked in external id order, as ingestion's contact upserts lock them: batches of the
-- live chain and ingestion touching the same contacts wait instead of deadlocking.
moved AS (
    SELECT c.id, x.first_at, x.last_at
    FROM contacts c JOIN x ON c.id = x.contact_id
    WHERE c.org_id = CAST(:org_id AS uuid){probe}
      AND (c.first_seen_at IS NULL OR c.last_seen_at IS NULL
           OR x.first_at < c.first_seen_at OR x.last_at > c.last_seen_at)
    ORDER BY c.external_id
    FOR UPDATE OF c
)
UPDATE contacts c
SET first_seen_at = LEAST(c.first_seen_at, moved.first_at),
    last_seen_at = GREATEST(c.last_seen_at, moved.last_at)
FROM moved
WHERE c.id = moved.id
"""
_SEEN = text(_SEEN_OF.format(scope="", probe=""))

_SYNC_ROLLUPS = _sync_rollups(scoped=False)
_SYNC_ACCOUNT_ROLLUPS = _sync_rollups(scoped=True)

# The live chain's rollup of today for accounts whose day already counts every event up to its
# last one: only the events after that are read and added to its rows, so a batch's cost
# follows what arrived since the last run and one read of the day from the account index, not
# a recompute of the day (at 2,000 events an account each day, 500 accounts took 4.4 s whole).
#
# An account's stored day has the time of its last event counted. Events are only ever added
# to an account's contacts (linked late, or sent late), except when contacts merge, which marks
# the account for a whole recompute (`usage_rebuild`). So a day that counts as many events as
# there are up to that time counts exactly those, and the events after it are exactly the ones
# it lacks. An event sent late (before the day's last) makes the counts differ and the day is
# recomputed whole.
_NEW_EVENTS = [
    text("DROP TABLE IF EXISTS pg_temp.rollup_after"),
    text(
        """
CREATE TEMPORARY TABLE rollup_after ON COMMIT DROP AS
SELECT d.account_id, d.last_event_at AS after, d.events
FROM usage_daily_account d
WHERE d.org_id = CAST(:org_id AS uuid) AND d.account_id = ANY(CAST(:accounts AS uuid[]))
  AND d.day = CAST(:first AS date) AND d.last_event_at IS NOT NULL
"""
    ),
    text("ANALYZE rollup_after"),
    text("DROP TABLE IF EXISTS pg_temp.rollup_new_events"),
    text(
        f"""
CREATE TEMPORARY TABLE rollup_new_events ON COMMIT DROP AS
SELECT ev.org_id, ev.account_id, ev.contact_id, ev.occurred_at, ev.session_id,
       COALESCE(ev.module, '') AS module, ev.feature, false AS prior
FROM rollup_after b
JOIN usage_events ev ON ev.org_id = CAST(:org_id AS uuid) AND ev.account_id = b.account_id
WHERE ev.contact_id IS NOT NULL AND ev.occurred_at > b.after AND ev.occurred_at < {_HI}
"""
    ),
    # The one read of each day up to its last event, from the account index alone: how many
    # events it has, and which of the new events' contacts used their feature before (a
    # contact's first time on a feature adds it to the feature's active contacts).
    text("DROP TABLE IF EXISTS pg_temp.rollup_day_before"),
    text(
        f"""
CREATE TEMPORARY TABLE rollup_day_before ON COMMIT DROP AS
SELECT b.account_id, day.events, day.used
FROM rollup_after b
CROSS JOIN LATERAL (
    SELECT count(*) AS events,
           array_agg(DISTINCT ROW(o.contact_id, COALESCE(o.module, ''), o.feature)::text)
               FILTER (WHERE (o.account_id, o.contact_id, COALESCE(o.module, ''), o.feature)
                             IN (SELECT account_id, contact_id, module, feature
                                 FROM rollup_new_events WHERE feature IS NOT NULL))
               AS used
    FROM usage_events o
    WHERE o.org_id = CAST(:org_id AS uuid) AND o.account_id = b.account_id
      AND o.contact_id IS NOT NULL AND o.occurred_at >= {_LO} AND o.occurred_at <= b.after
) day
"""
    ),
    text(
        "DELETE FROM rollup_after b USING rollup_day_before d "
        "WHERE d.account_id = b.account_id AND d.events <> b.events"
    ),
]
_ADDED = text("SELECT account_id FROM rollup_after")

# For the accounts whose days passed: for each contact with a new event, the event before it
# (its last counted today, else its last before today) for the sessions.
_PRIOR_EVENTS = [
    text(
        "DELETE FROM rollup_new_events n "
        "WHERE NOT EXISTS (SELECT 1 FROM rollup_after b WHERE b.account_id = n.account_id)"
    ),
    text(
        f"""
INSERT INTO rollup_new_events
SELECT CAST(:org_id AS uuid), seen.account_id, seen.contact_id, seen.last_at, latest.session_id,
       '', NULL, true
FROM (
    SELECT d.account_id, d.contact_id, max(d.last_event_at) AS last_at
    FROM (SELECT DISTINCT account_id, contact_id FROM rollup_new_events) n
    JOIN usage_daily_contact d
        ON d.org_id = CAST(:org_id AS uuid) AND d.account_id = n.account_id
        AND d.contact_id = n.contact_id
    WHERE d.day BETWEEN CAST(:first AS date) - 2 AND CAST(:first AS date)
    GROUP BY d.account_id, d.contact_id
) seen
{_SESSION_OF_SEEN}
WHERE seen.last_at >= {_LO} - interval '1 day'
"""
    ),
    text("ANALYZE rollup_new_events"),
]


def _add(
    table: str, rows: str, keys: list[str], added: list[str], merged: dict[str, str]
) -> list[TextClause]:
    """Add `rows` (the new events' counts) onto `table`'s rows, inserting the rows it lacks;
    `merged` gives each other column's value from the stored one (t) and the new (EXCLUDED)."""
    fresh = f"rollup_added_{table}"
    columns = ", ".join(keys + added + list(merged))
    updates = [f"{v} = t.{v} + EXCLUDED.{v}" for v in added]
    updates += [f"{column} = {value}" for column, value in merged.items()]
    return [
        text(f"DROP TABLE IF EXISTS pg_temp.{fresh}"),
        text(f"CREATE TEMPORARY TABLE {fresh} ON COMMIT DROP AS {rows}"),
        text(
            f"INSERT INTO {table} AS t (org_id, {columns}) "
            f"SELECT CAST(:org_id AS uuid), {columns} FROM {fresh} n "
            f"ORDER BY {', '.join(keys)} "
            f"ON CONFLICT ON CONSTRAINT pk_{table} DO UPDATE SET {', '.join(updates)}"
        ),
    ]


# The new events' counts per feature; a contact adds to its active contacts unless the day's
# read found it on the feature before.
_FEATURE_DAYS_ADDED = """
WITH n AS (
    SELECT account_id, contact_id, module, feature
    FROM rollup_new_events
    WHERE NOT prior AND feature IS NOT NULL
),
firsts AS (
    SELECT p.account_id, p.module, p.feature, count(*) AS active_contacts
    FROM (SELECT DISTINCT account_id, contact_id, module, feature FROM n) p
    JOIN rollup_day_before d ON d.account_id = p.account_id
    WHERE d.used IS NULL OR NOT ROW(p.contact_id, p.module, p.feature)::text = ANY(d.used)
    GROUP BY 1, 2, 3
),
counted AS (
    SELECT account_id, module, feature, count(*) AS events FROM n GROUP BY 1, 2, 3
)
SELECT c.account_id, CAST(:first AS date) AS day, c.module, c.feature, c.events,
       COALESCE(f.active_contacts, 0) AS active_contacts
FROM counted c LEFT JOIN firsts f USING (account_id, module, feature)
"""

_ADD_NEW_EVENTS = [
    *_PRIOR_EVENTS,
    *_add(
        "usage_daily_contact",
        _CONTACT_DAYS.format(events="pg_temp.rollup_new_events", scope="", prior="ev.prior"),
        ["account_id", "contact_id", "day"],
        ["events", "sessions", "session_seconds"],
        {
            "first_event_at": "LEAST(t.first_event_at, EXCLUDED.first_event_at)",
            "last_event_at": "GREATEST(t.last_event_at, EXCLUDED.last_event_at)",
        },
    ),
    *_add(
        "usage_daily_feature",
        _FEATURE_DAYS_ADDED,
        ["account_id", "day", "module", "feature"],
        ["events", "active_contacts"],
        {},
    ),
    # Its contacts' rows are whole again: the account's day is summed from them as always.
    *_sync(*_ACCOUNT_SYNC_ARGS, scoped=True),
]

# The live chain's rollups and the organisation's rollup of the chain's days take turns: a
# rollup computes its rows from what it reads, then writes them, and one writing between the
# other's read and write would be overwritten with older counts (or have counts added twice).
# Batches of the chain share the lock; the organisation's rollup of those days holds it alone.
_DAYS_LOCK = "hashtextextended('usage-live-days:' || CAST(CAST(:org_id AS uuid) AS text), 0)"
_LOCK_LIVE_DAYS = text(f"SELECT pg_advisory_xact_lock_shared({_DAYS_LOCK})")
_LOCK_LIVE_DAYS_ALONE = text(f"SELECT pg_advisory_xact_lock({_DAYS_LOCK})")

# The live chain's: contacts' first and last seen times move with their accounts' days (the
# organisation's rollup no longer re-reads the chain's days; LEAST and GREATEST make a part of
# a contact's days enough).
# A batch's few thousand contacts are looked up by id: joined, the planner hashed them and read
# every contact of the organisation (200,000 rows, half of the statement's 100 ms).
_SEEN_OF_ACCOUNTS = text(
    _SEEN_OF.format(
        scope=_SCOPE.format(alias="ev"),
        probe=" AND c.id = ANY(ARRAY(SELECT contact_id FROM x))",
    )
)

# The rollup reads whole days of events: a bitmap or sequential read and one sort in memory
# beat walking the account index (a random heap read per event, ten times slower at scale).
# Days are rolled up a few at a time (see `domain.usage.service.plan_roll_up`) so that sort
# stays within work_mem.
_ROLLUP_SETTINGS = [text("SET LOCAL enable_indexscan = off"), text("SET LOCAL work_mem = '192MB'")]
_DEFAULT_SETTINGS = [
    text("SET LOCAL enable_indexscan TO DEFAULT"),
    text("SET LOCAL work_mem TO DEFAULT"),
]


@dataclass(frozen=True)
class NamedEvent:
    event: UsageEvent
    contact_name: str | None
    account_name: str | None


class UsageRepository:
    """Contacts, events, sessions and rollups of one organisation."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _params(self, **more: Any) -> dict[str, Any]:
        return {"org_id": self.org_id, **more}

    async def organisation(self) -> Organisation:
        return await self.session.get_one(Organisation, self.org_id)

    async def contact_exists(self, external_id: str) -> bool:
        found = await self.session.scalar(
            select(Contact.id).where(
                Contact.org_id == self.org_id, Contact.external_id == external_id
            )
        )
        return found is not None

    # Writes

    async def _touching(
        self, statement: TextClause, params: dict[str, Any], *, rebuild: bool = False
    ) -> None:
        """Run a statement that lists the (account, day) pairs of the events it touched, and
        mark those accounts changed for the live chain (`rebuild`: it moved their events
        between contacts)."""
        rows = await self.session.execute(statement, params)
        await changes.note_usage(
            self.session, self.org_id, [(a, d) for a, d in rows], rebuild=rebuild
        )

    async def insert_events(
        self, columns: dict[str, list[Any]], *, tz: str, live_from: date
    ) -> set[str]:
        """The events new to the organisation (by message id), linked to their account and
        contact where those exist; returns the message ids stored now. Their days before
        `live_from` are marked pending for the organisation's rollup."""
        params = self._params(tz=tz, live_from=live_from, **columns)
        rows = (await self.session.execute(_INSERT_EVENTS, params)).all()
        await changes.note_usage(self.session, self.org_id, [(a, d) for _, a, d in rows])
        return {row[0] for row in rows}

    async def upsert_contacts(self, columns: dict[str, list[Any]]) -> dict[str, uuid.UUID]:
        rows = await self.session.execute(_UPSERT_CONTACTS, self._params(**columns))
        return {external_id: contact_id for external_id, contact_id in rows}

    async def add_links(
        self,
        contact_ids: list[uuid.UUID],
        account_external_ids: list[str],
        traits: list[str | None],
    ) -> None:
        await self.session.execute(
            _ADD_LINKS,
            self._params(
                contact_ids=contact_ids, account_external_ids=account_external_ids, traits=traits
            ),
        )

    async def aliased(self, external_ids: Iterable[str]) -> dict[str, str]:
        """The contact each of these former ids (Segment's `alias`) now names, by former id."""
        external_ids = list(external_ids)
        if not external_ids:
            return {}
        rows = await self.session.execute(_ALIASED, self._params(external_ids=external_ids))
        return {alias: external_id for alias, external_id in rows}

    async def alias_contact(self, previous: str, external_id: str, *, tz: str) -> None:
        """The contact `previous` becomes `external_id`: renamed, or merged into it when
        both exist (nothing to do when `previous` is unknown); events sent under `previous`
        from now on are `external_id`'s too."""
        params = self._params(previous=previous, external_id=external_id, tz=tz)
        for statement in _KEEP_ALIAS:
            await self.session.execute(statement, params)
        if (await self.session.execute(_RENAME_CONTACT, params)).first() is None:
            merge_events, *merge_rest = _MERGE_CONTACTS
            await self._touching(merge_events, params, rebuild=True)
            for statement in merge_rest:
                await self.session.execute(statement, params)
        await self._touching(_ALIAS_UNLINKED_EVENTS, params)

    async def link_event_contacts(self, *, tz: str, only: list[str] | None = None) -> None:
        await self._touching(_LINK_EVENT_CONTACTS, self._params(tz=tz, only=only))

    async def link_late_arrivals(self, *, tz: str) -> None:
        await self.session.execute(_LINK_MEMBERSHIPS, self._params())
        await self._touching(_LINK_EVENT_ACCOUNTS, self._params(tz=tz))
        await self._touching(_LINK_EVENT_CONTACTS, self._params(tz=tz, only=None))
        await self._touching(_LINK_EVENTS_TO_SOLE_ACCOUNT, self._params(tz=tz))

    async def mark_rolled_up_days_pending(self, first: date, last: date, *, near: int = 0) -> int:
        """Mark the days of first..last that have rollups (or are pending), or have within
        `near` days, as pending; returns how many were not pending yet."""
        result = await self.session.execute(
            _MARK_ROLLED_UP_DAYS_PENDING, self._params(first=first, last=last, near=near)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def take_pending_days(self) -> list[date]:
        return list(await self.session.scalars(_TAKE_PENDING, self._params()))

    async def put_back_pending_days(self, days: list[date]) -> None:
        await self.session.execute(_PUT_BACK_PENDING, self._params(days=days))

    async def mark_contacts_seen(self, first: date, last: date) -> None:
        """Contacts' first and last seen times from the rollups of the days first..last."""
        await self.session.execute(_SEEN, self._params(first=first, last=last))

    async def roll_up_days(self, first: date, last: date, *, tz: str, timeout_minutes: int) -> None:
        """Make the daily rollups of the days first..last (inclusive) what the events give."""
        params = self._params(first=first, last=last, tz=tz, timeout=timeout_minutes)
        for statement in _ROLLUP_SETTINGS:
            await self.session.execute(statement)
        for statement in _SYNC_ROLLUPS:
            await self.session.execute(statement, params)
        for statement in _DEFAULT_SETTINGS:
            await self.session.execute(statement)

    async def roll_up_accounts(
        self,
        accounts: Sequence[uuid.UUID],
        first: date,
        last: date,
        *,
        tz: str,
        timeout_minutes: int,
    ) -> None:
        """The same for these accounts only, read through the events' account index (a few
        accounts' events, not whole days)."""
        params = self._params(
            first=first, last=last, tz=tz, timeout=timeout_minutes, accounts=list(accounts)
        )
        for statement in _SYNC_ACCOUNT_ROLLUPS:
            await self.session.execute(statement, params)

    async def roll_up_accounts_today(
        self,
        accounts: Sequence[uuid.UUID],
        today: date,
        *,
        rebuild: frozenset[uuid.UUID],
        tz: str,
        timeout_minutes: int,
    ) -> None:
        """Today's rollups of these accounts: of those whose day counts every event up to its
        last one (and not in `rebuild`), only the events since are read and added; the others
        are recomputed whole."""
        params = self._params(first=today, last=today, tz=tz, timeout=timeout_minutes)
        checked = [a for a in accounts if a not in rebuild]
        added: list[uuid.UUID] = []
        if checked:
            for statement in _NEW_EVENTS:
                await self.session.execute(statement, {**params, "accounts": checked})
            added = list(await self.session.scalars(_ADDED))
        if added:
            for statement in _ADD_NEW_EVENTS:
                await self.session.execute(statement, {**params, "accounts": added})
        whole = sorted(set(accounts) - set(added))
        if whole:
            await self.roll_up_accounts(whole, today, today, tz=tz, timeout_minutes=timeout_minutes)

    async def lock_live_days(self, *, alone: bool) -> None:
        """Take turns between the live chain's rollups (`alone` False: they share) and the
        organisation's rollup of the chain's days, until the transaction ends."""
        lock = _LOCK_LIVE_DAYS_ALONE if alone else _LOCK_LIVE_DAYS
        await self.session.execute(lock, self._params())

    async def mark_accounts_contacts_seen(
        self, accounts: Sequence[uuid.UUID], first: date, last: date
    ) -> None:
        """The first and last seen times of these accounts' contacts from their rollups of the
        days first..last."""
        params = self._params(first=first, last=last, accounts=list(accounts))
        await self.session.execute(_SEEN_OF_ACCOUNTS, params)

    # Reads

    def _contacts(self) -> Select[Contact]:
        return select(Contact).where(Contact.org_id == self.org_id)

    async def get_contact(
        self, contact_id: uuid.UUID, *, visible: Select[uuid.UUID] | None
    ) -> Contact | None:
        stmt = self._contacts().where(Contact.id == contact_id)
        if visible is not None:
            stmt = stmt.where(
                select(ContactAccount.contact_id)
                .where(
                    ContactAccount.contact_id == Contact.id,
                    ContactAccount.account_id.in_(visible),
                )
                .exists()
            )
        return await self.session.scalar(stmt)

    async def contact_accounts(
        self, contact_id: uuid.UUID, *, visible: Select[uuid.UUID] | None
    ) -> list[tuple[str, uuid.UUID | None, str | None]]:
        stmt = (
            select(ContactAccount.account_external_id, ContactAccount.account_id, Account.name)
            .outerjoin(
                Account, (Account.id == ContactAccount.account_id) & Account.deleted_at.is_(None)
            )
            .where(ContactAccount.org_id == self.org_id, ContactAccount.contact_id == contact_id)
            .order_by(ContactAccount.account_external_id)
        )
        if visible is not None:
            stmt = stmt.where(ContactAccount.account_id.in_(visible))
        return [(r[0], r[1], r[2]) for r in await self.session.execute(stmt)]

    def _named_events(self) -> Select[UsageEvent, str, str]:
        """Events with the names a person reads them by: the contact's (else its email) and the
        account's, when Tenure knows them."""
        return (
            select(UsageEvent, func.coalesce(Contact.name, Contact.email), Account.name)
            .outerjoin(
                Contact, (Contact.id == UsageEvent.contact_id) & (Contact.org_id == self.org_id)
            )
            .outerjoin(
                Account, (Account.id == UsageEvent.account_id) & (Account.org_id == self.org_id)
            )
            .where(UsageEvent.org_id == self.org_id)
            .order_by(UsageEvent.occurred_at.desc(), UsageEvent.message_id.desc())
        )

    async def contact_events(
        self, contact_id: uuid.UUID, *, visible: Select[uuid.UUID] | None, limit: int
    ) -> list[NamedEvent]:
        stmt = self._named_events().where(UsageEvent.contact_id == contact_id)
        if visible is not None:
            stmt = stmt.where(UsageEvent.account_id.in_(visible))
        rows = await self.session.execute(stmt.limit(limit))
        return [NamedEvent(event, contact, account) for event, contact, account in rows]

    async def page_account_contacts(
        self, account_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[Contact], int]:
        stmt = self._contacts().where(
            select(ContactAccount.contact_id)
            .where(ContactAccount.contact_id == Contact.id, ContactAccount.account_id == account_id)
            .exists()
        )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(
            stmt.order_by(
                Contact.last_seen_at.desc().nulls_last(), Contact.name, Contact.external_id
            )
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    async def page_account_group_traits(
        self, account_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[tuple[uuid.UUID, str, dict[str, Any]]], int]:
        """(contact id, contact external id, traits) of the account's members whose group
        calls sent traits, by contact external id."""
        stmt = (
            select(Contact.id, Contact.external_id, ContactAccount.traits)
            .join(ContactAccount, ContactAccount.contact_id == Contact.id)
            .where(
                Contact.org_id == self.org_id,
                ContactAccount.org_id == self.org_id,
                ContactAccount.account_id == account_id,
                ContactAccount.traits != text("'{}'::jsonb"),
            )
        )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.order_by(Contact.external_id).limit(limit).offset(offset)
        )
        return [(contact_id, external_id, traits) for contact_id, external_id, traits in rows], (
            total or 0
        )

    async def page_account_events(
        self, account_ids: list[uuid.UUID], *, limit: int, offset: int
    ) -> tuple[list[NamedEvent], int]:
        of_accounts = among(UsageEvent.account_id, account_ids)
        total = await self.session.scalar(
            select(func.count())
            .select_from(UsageEvent)
            .where(UsageEvent.org_id == self.org_id, of_accounts)
        )
        rows = await self.session.execute(
            self._named_events().where(of_accounts).limit(limit).offset(offset)
        )
        return [NamedEvent(event, contact, account) for event, contact, account in rows], total or 0

    # Usage of one account or of several together (an account and its descendants): each a
    # statement over the rollups of those accounts' days, by their (org_id, account_id, day)
    # primary keys.

    async def usage_days(
        self, account_ids: list[uuid.UUID], since: date, until: date
    ) -> dict[date, tuple[int, int, int, int]]:
        """Per day with usage: events, active contacts, sessions and session seconds. A
        contact active on two of the accounts the same day is one active contact."""
        A = UsageDailyAccount
        rows = await self.session.execute(
            select(
                A.day,
                func.sum(A.events),
                func.sum(A.active_contacts),
                func.sum(A.sessions),
                func.sum(A.session_seconds),
            )
            .where(A.org_id == self.org_id, among(A.account_id, account_ids))
            .where(A.day.between(since, until))
            .group_by(A.day)
        )
        days = {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
        if len(account_ids) > 1:
            C = UsageDailyContact
            distinct = await self.session.execute(
                select(C.day, func.count(func.distinct(C.contact_id)))
                .where(C.org_id == self.org_id, among(C.account_id, account_ids))
                .where(C.day.between(since, until))
                .group_by(C.day)
            )
            for day, contacts in distinct:
                if day in days:
                    events, _, sessions, seconds = days[day]
                    days[day] = (events, int(contacts), sessions, seconds)
        return days

    async def active_contacts(self, account_ids: list[uuid.UUID], since: date, until: date) -> int:
        count = await self.session.scalar(
            select(func.count(func.distinct(UsageDailyContact.contact_id))).where(
                UsageDailyContact.org_id == self.org_id,
                among(UsageDailyContact.account_id, account_ids),
                UsageDailyContact.day.between(since, until),
            )
        )
        return count or 0

    async def top_features(
        self, account_ids: list[uuid.UUID], since: date, until: date, *, limit: int
    ) -> list[tuple[str, str, int]]:
        F = UsageDailyFeature
        events = func.sum(F.events)
        rows = await self.session.execute(
            select(F.feature, F.module, events)
            .where(
                F.org_id == self.org_id,
                among(F.account_id, account_ids),
                F.day.between(since, until),
            )
            .group_by(F.feature, F.module)
            .order_by(events.desc(), F.feature, F.module)
            .limit(limit)
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    async def top_feature_days(
        self, account_ids: list[uuid.UUID], since: date, until: date, *, limit: int
    ) -> list[tuple[str, str, int, date, int]]:
        """The `limit` most used features of the range (feature, module, events in the range)
        with their events on each day they were used, most used first: one statement."""
        F = UsageDailyFeature
        scope = (
            F.org_id == self.org_id,
            among(F.account_id, account_ids),
            F.day.between(since, until),
        )
        total = func.sum(F.events)
        top = (
            select(F.feature, F.module, total.label("total"))
            .where(*scope)
            .group_by(F.feature, F.module)
            .order_by(total.desc(), F.feature, F.module)
            .limit(limit)
            .cte("top")
        )
        rows = await self.session.execute(
            select(top.c.feature, top.c.module, top.c.total, F.day, func.sum(F.events))
            .join(top, (top.c.feature == F.feature) & (top.c.module == F.module))
            .where(*scope)
            .group_by(top.c.feature, top.c.module, top.c.total, F.day)
            .order_by(top.c.total.desc(), top.c.feature, top.c.module, F.day)
        )
        return [(r[0], r[1], int(r[2]), r[3], int(r[4])) for r in rows]


async def all_organisations_to_roll_up(session: AsyncSession) -> list[uuid.UUID]:
    """Across organisations: those with pending days, or with events and memberships still
    waiting for their account or contact."""
    stmt = union(
        select(UsagePendingDay.org_id),
        select(UsageEvent.org_id).where(UsageEvent.account_id.is_(None)),
        select(UsageEvent.org_id).where(UsageEvent.contact_id.is_(None)),
        select(ContactAccount.org_id).where(ContactAccount.account_id.is_(None)),
    )
    return list(await session.scalars(stmt))
