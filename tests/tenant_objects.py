"""One object of every kind a route can name by id, built in a given organisation: what the
tenant matrix (tests/api/test_tenant_matrix.py) points another organisation's and a CSM's
requests at, and what the fuzzer (tests/api/test_fuzz.py) seeds so id-bearing paths reach real
code.

`ID_FACTORIES` maps a path parameter's name to the builder of such an object. A new route whose
path names an id no builder makes fails the tenant matrix until one is added here (or, if the
parameter is not an organisation's object, until it is listed in `NOT_OBJECT_IDS` with why)."""

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.alerts import service as alerts
from domain.alerts.models import Alert, EvaluationTrigger
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.notifications.models import Notification
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.interaction_factories import create_interaction, create_note, create_ticket
from tests.metric_factories import create_contact

API = "/api/v1"

# Path parameters that name something other than an organisation's object, and why they are
# not part of the tenant matrix.
NOT_OBJECT_IDS = {
    "key": "a metric key: built-in keys are the same in every organisation; custom ones are "
    "looked up in the caller's organisation by the metric routes",
    "token": "an invitation token: a signed secret, not an id; checked by tests/api/test_users.py",
    "change": "a change number: one sequence for every organisation, and the answer is about "
    "the caller's own organisation's changes up to it (tests/workers/test_live.py)",
    "org_id": "the webhook receiver's own organisation: public, authenticated by the webhook "
    "signature (tests/api/test_webhooks.py), not by a user",
}

# A valid value for the path parameters above when a route also names an object.
NOT_OBJECT_VALUES = {"key": "mrr"}


@dataclass
class OrgObjects:
    """Builds objects in `org` through its admin (and the API where there is a create route),
    each kind once."""

    client: AsyncClient
    session: AsyncSession
    settings: Settings
    org: Organisation
    admin: User
    # The account the object of an account (interaction, note, ...) belongs to.
    account: Account | None = None
    built: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return auth_headers(self.settings, self.admin)

    async def the_account(self) -> Account:
        if self.account is None:
            self.account = await create_account(self.session, self.org, name="Matrix Account")
        return self.account

    async def post(self, path: str, **kwargs: Any) -> uuid.UUID:
        self.session.expunge_all()
        response = await self.client.post(f"{API}{path}", headers=self.headers, **kwargs)
        assert response.status_code in (200, 201, 202), (path, response.text)
        return uuid.UUID(response.json()["id"])

    async def id_for(self, param: str) -> uuid.UUID:
        if param not in self.built:
            self.built[param] = await ID_FACTORIES[param](self)
        return self.built[param]


async def _account(o: OrgObjects) -> uuid.UUID:
    return (await o.the_account()).id


async def _user(o: OrgObjects) -> uuid.UUID:
    return (await create_user(o.session, o.org, status=UserStatus.INVITED)).id


async def _role(o: OrgObjects) -> uuid.UUID:
    return await o.post("/roles", json={"name": "Matrix Role", "permissions": []})


async def _tier(o: OrgObjects) -> uuid.UUID:
    return await o.post("/tiers", json={"name": "Matrix Tier"})


async def _stage(o: OrgObjects) -> uuid.UUID:
    return await o.post("/lifecycle-stages", json={"name": "Matrix Stage"})


async def _custom_field(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/custom-fields", json={"key": "matrix_seats", "label": "Seats", "type": "number"}
    )


async def _account_view(o: OrgObjects) -> uuid.UUID:
    return await o.post("/account-views", json={"name": "Matrix View", "is_shared": True})


async def _account_import(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/account-imports",
        files={"file": ("accounts.csv", b"Id,Company\nm-1,Matrix Import\n", "text/csv")},
        data={
            "mapping": json.dumps({"Id": "external_id", "Company": "name"}),
            "dry_run": "true",
        },
    )


async def _attribute_trigger(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/attribute-triggers",
        json={
            "name": "Matrix Trigger",
            "target": "churned",
            "churn_reason": "Matrix",
            "condition": {"kind": "compare", "field": "name", "op": "eq", "value": "Nobody"},
        },
    )


async def _interaction(o: OrgObjects) -> uuid.UUID:
    return (await create_interaction(o.session, await o.the_account(), author=o.admin)).id


async def _note(o: OrgObjects) -> uuid.UUID:
    return (await create_note(o.session, await o.the_account(), author=o.admin)).id


async def _ticket(o: OrgObjects) -> uuid.UUID:
    return (await create_ticket(o.session, await o.the_account())).id


async def _api_key(o: OrgObjects) -> uuid.UUID:
    key, _ = await create_api_key(o.session, o.org, ApiScope.READ, name="Matrix Key")
    return key.id


async def _contact(o: OrgObjects) -> uuid.UUID:
    return (await create_contact(o.session, await o.the_account())).id


async def _fx_rate(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/fx-rates", json={"currency": "EUR", "effective_on": "2026-01-01", "rate": "1.08"}
    )


async def _computed_metric(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/computed-metrics",
        json={"key": "matrix_metric", "label": "Matrix Metric", "formula": "mrr * 2"},
    )


async def _health_model(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/health/models",
        json={
            "name": "Matrix Segment",
            "filter": {"kind": "compare", "field": "csm_score", "op": "gte", "value": 50},
            "components": [
                {
                    "name": "CSM score",
                    "weight": 1,
                    "metrics": [
                        {
                            "metric": "csm_score",
                            "mapping": {"kind": "linear", "low": 0, "high": 100},
                        }
                    ],
                }
            ],
        },
    )


async def _alert_rule(o: OrgObjects) -> uuid.UUID:
    return await o.post(
        "/alert-rules",
        json={
            "name": "Matrix Rule",
            "type": "churn",
            "condition": {
                "kind": "compare",
                "field": "name",
                "op": "eq",
                "value": "Matrix Account",
            },
        },
    )


async def _alert(o: OrgObjects) -> uuid.UUID:
    """An alert on the account, opened by the evaluation of a rule that matches only it."""
    account = await o.the_account()
    rule_id = await o.post(
        "/alert-rules",
        json={
            "name": f"Matrix Rule of {account.external_id}",
            "type": "churn",
            "condition": {
                "kind": "compare",
                "field": "external_id",
                "op": "eq",
                "value": account.external_id,
            },
        },
    )
    await alerts.evaluate(o.session, o.org.id, trigger=EvaluationTrigger.RUN_NOW, rule_id=rule_id)
    alert_id = await o.session.scalar(
        select(Alert.id).where(Alert.rule_id == rule_id, Alert.account_id == account.id)
    )
    assert alert_id is not None
    return alert_id


async def _playbook(o: OrgObjects) -> uuid.UUID:
    return await o.post("/playbooks", json={"name": "Matrix Playbook", "steps": []})


async def _task(o: OrgObjects) -> uuid.UUID:
    account = await o.the_account()
    return await o.post("/tasks", json={"account_id": str(account.id), "title": "Matrix Task"})


async def _notification(o: OrgObjects) -> uuid.UUID:
    """A colleague's notification: the admin gives them a task."""
    account = await o.the_account()
    colleague = await create_user(o.session, o.org)
    await o.session.commit()
    task_id = await o.post(
        "/tasks",
        json={"account_id": str(account.id), "title": "Matrix Task", "owner_id": str(colleague.id)},
    )
    notification_id = await o.session.scalar(
        select(Notification.id).where(Notification.task_id == task_id)
    )
    assert notification_id is not None
    return notification_id


ID_FACTORIES: dict[str, Callable[[OrgObjects], Awaitable[uuid.UUID]]] = {
    "account_id": _account,
    "user_id": _user,
    "role_id": _role,
    "tier_id": _tier,
    "stage_id": _stage,
    "field_id": _custom_field,
    "view_id": _account_view,
    "import_id": _account_import,
    "trigger_id": _attribute_trigger,
    "interaction_id": _interaction,
    "note_id": _note,
    "ticket_id": _ticket,
    "key_id": _api_key,
    "contact_id": _contact,
    "rate_id": _fx_rate,
    "metric_id": _computed_metric,
    "model_id": _health_model,
    "rule_id": _alert_rule,
    "alert_id": _alert,
    "playbook_id": _playbook,
    "task_id": _task,
    "notification_id": _notification,
}

# Objects that belong to an account: a CSM not assigned to that account must not reach them.
OF_AN_ACCOUNT = {
    "account_id",
    "interaction_id",
    "note_id",
    "ticket_id",
    "contact_id",
    "alert_id",
    "task_id",
}
