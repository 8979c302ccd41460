import uuid
from typing import Any

from fastapi import Request, status
from pydantic import TypeAdapter

from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.integration import webhooks
from domain.integration.models import WebhookSecret
from domain.integration.schemas import WebhookReceipt, WebhookSecretCreated, WebhookSecretRead

router = AreaRouter(tags=["webhooks"])


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


# What the example webhook carries: an event of a contact and account Tenure may not know yet
# (it is kept and linked when they arrive).
_EXAMPLE = {
    "type": "events.batch",
    "data": {
        "items": [
            {
                "message_id": "m-1",
                "name": "Report Exported",
                "feature": "reports",
                "contact_external_id": "user-42",
                "account_external_id": "acme-001",
                "occurred_at": "2026-11-20T09:30:00Z",
            }
        ]
    },
}

# Checked by the signature, not by FastAPI: a webhook without them is answered 401 like a
# forged one.
_SIGNATURE_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The webhook's id; a retry sends the same one",
        "example": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "When it was sent, in seconds since the epoch; more than five minutes "
        "from Tenure's clock is refused",
        "example": "1795680000",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}."
        "{body}` with the secret (the bytes after `whsec_`, base64-decoded); several, "
        "space-separated, while a secret is rotated",
        "example": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    },
]


@router.post(
    "/webhooks/{org_id:id}",
    response_model=WebhookReceipt,
    responses=problem(401, 413, 422),
    openapi_extra={
        "parameters": _SIGNATURE_HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Webhook"},
                    "example": _EXAMPLE,
                }
            },
        },
    },
)
async def receive_webhook(org_id: uuid.UUID, request: Request, session: Session) -> WebhookReceipt:
    """An inbound webhook for organisation `org_id`, signed with its secret the Standard
    Webhooks way. A webhook-id seen before is answered with its first receipt and changes
    nothing."""
    return await webhooks.receive(session, org_id, await request.body(), request.headers)


def body_schemas() -> dict[str, dict[str, Any]]:
    """The component schemas of a webhook's body: `Webhook`, one envelope per registered type
    told apart by `type`, and the schemas their data refers to. The route reads its raw body
    (the signature covers its bytes), so FastAPI cannot document it; the types are known once
    every area is imported."""
    schema = TypeAdapter(webhooks.documented_body()).json_schema(
        ref_template="#/components/schemas/{model}"
    )
    definitions: dict[str, dict[str, Any]] = schema.pop("$defs")
    return {
        **definitions,
        "Webhook": {"title": "Webhook", "description": "An inbound webhook", **schema},
    }
