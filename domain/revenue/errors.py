from domain.common.errors import Conflict, NotFound, RuleViolation


class FxRateNotFound(NotFound):
    code = "fx_rate_not_found"
    title = "FX rate not found"


class BaseCurrencyRate(Conflict):
    code = "base_currency_rate"
    title = "The base currency needs no rate"


class InvalidRange(RuleViolation):
    code = "invalid_range"
    title = "Invalid date range"
