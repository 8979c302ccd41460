import uuid
from typing import Any

from fastapi import APIRouter, Request, status

from api.deps import CurrentActor, Session
from api.errors import problem
from domain.integration import webhooks
from domain.integration.models import WebhookSecret
from domain.integration.schemas import WebhookReceipt, WebhookSecretCreated, WebhookSecretRead

router = APIRouter(tags=["webhooks"])


def _read(secret: WebhookSecret) -> dict[str, Any]:
    return {
        "id": secret.id,
        "created_at": secret.created_at,
        "retired_at": secret.retired_at,
        "hint": "…" + secret.secret[-4:],
    }


@router.get("/webhook-secrets", response_model=list[WebhookSecretRead], responses=problem(401, 403))
async def list_webhook_secrets(actor: CurrentActor, session: Session) -> list[WebhookSecretRead]:
    """The inbound webhook signing secrets: the current one and any retired within a day."""
    return [
        WebhookSecretRead.model_validate(_read(s))
        for s in await webhooks.list_secrets(session, actor)
    ]


@router.post(
    "/webhook-secrets",
    response_model=WebhookSecretCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403),
)
async def rotate_webhook_secret(actor: CurrentActor, session: Session) -> WebhookSecretCreated:
    """Make a new signing secret (shown this once); the previous one keeps working for 24
    hours so senders can switch."""
    secret = await webhooks.rotate_secret(session, actor)
    return WebhookSecretCreated.model_validate({**_read(secret), "secret": secret.secret})


@router.post(
    "/webhooks/{org_id}",
    response_model=WebhookReceipt,
    responses=problem(401, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["type", "data"],
                        "properties": {"type": {"type": "string"}, "data": {}},
                    },
                    "example": {
                        "type": "events.batch",
                        "data": {"items": [{"message_id": "m-1", "event": "report.exported"}]},
                    },
                }
            },
        }
    },
)
async def receive_webhook(org_id: uuid.UUID, request: Request, session: Session) -> WebhookReceipt:
    """An inbound webhook for organisation `org_id`, signed with its secret (Standard
    Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` headers). A webhook-id
    seen before is answered with its first receipt and changes nothing."""
    return await webhooks.receive(session, org_id, await request.body(), request.headers)
