"""The rules' policies as a table in the evaluation's and the verdicts' statements (pure)."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from domain.alerts.repository import Policy, RuleRun, _policies


def _runs(*delays: int) -> list[RuleRun]:
    return [
        RuleRun(
            Policy(
                uuid.uuid4(), includes_churned=False, never_retrigger=d == 0, retrigger_delay_days=d
            ),
            rule=None,  # type: ignore[arg-type]  # the policies table reads no condition
            reason=f"reason {d}",
        )
        for d in delays
    ]


def test_statements_over_other_rules_of_the_same_number_share_one_compiled_form() -> None:
    first, other = select(_policies(_runs(7, 0))), select(_policies(_runs(30, 14)))

    # A VALUES list has no cache key: each statement holding one was compiled anew.
    assert first._generate_cache_key() is not None
    assert first._generate_cache_key() == other._generate_cache_key()


def test_each_rule_is_one_row_in_the_rules_order() -> None:
    runs = _runs(7, 0, 30)
    compiled = select(_policies(runs)).compile(dialect=postgresql.dialect())

    assert "unnest" in str(compiled)
    arrays = list(compiled.params.values())
    assert [0, 1, 2] in arrays
    assert [r.policy.rule_id for r in runs] in arrays
    assert [7, 0, 30] in arrays
    assert [False, True, False] in arrays
    assert ["reason 7", "reason 0", "reason 30"] in arrays
