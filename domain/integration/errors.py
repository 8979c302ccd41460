from domain.common.errors import Forbidden, NotFound, RuleViolation, Unauthorized


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    title = "The API key is not valid or has been revoked"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    title = "API key not found"


class ScopeBeyondYourPermissions(Forbidden):
    """A key acts for the user who makes it: its scopes may grant only what they may do."""

    code = "scope_beyond_your_permissions"
    title = "A key cannot do what you may not do"


class InvalidWebhookSignature(Unauthorized):
    code = "invalid_webhook_signature"
    title = "The webhook's signature, id or timestamp is missing, wrong or too old"


class UnknownWebhookType(RuleViolation):
    code = "unknown_webhook_type"
    title = "Tenure does not know this webhook type"
