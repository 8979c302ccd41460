"""time_ordered_uuid(): ids that sort by when they were made, for rows written many at a time

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 12:00:00

A set-based write of 100,000 accounts (a bulk edit, an attribute trigger, a churn) inserts as
many audit entries and history rows, each with a random id: every insert went to a random page
of the table's primary key, and on a grown table those pages are rarely in memory. 100,000 audit
entries took 2.0 s beside 1.7 million, 1.2 s with ids counted up from one point. A UUID version 7
(RFC 9562: 48 bits of Unix milliseconds, then random bits, as `gen_random_uuid()` gives them)
keeps each statement's ids together at the right edge of the index; they stay unique, and as
unguessable as the random part. On 100,000 accounts, two runs each, alternating: the edit of
stage, score and CSMs 7,884-7,985 -> 9,067-9,094 accounts/s, a custom value 23,831-27,096 ->
29,478-30,316, a tier trigger 28,749-28,799 -> 34,937-38,530, a stage trigger 13,158-13,803 ->
17,101-17,397, churn 18,234-18,746 -> 21,825-23,087, reactivation 20,397-20,791 -> 26,092-27,842.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The version bits of a random (version 4) id, 0100, with the two lowest set, read 0111.
    op.execute(
        """
        CREATE FUNCTION time_ordered_uuid() RETURNS uuid
        LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
            SELECT encode(
                set_bit(set_bit(
                    overlay(uuid_send(gen_random_uuid())
                            PLACING substring(int8send(
                                floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                                FROM 3)
                            FROM 1 FOR 6),
                    52, 1), 53, 1),
                'hex')::uuid
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION time_ordered_uuid()")
