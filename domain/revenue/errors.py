from domain.common.errors import NotFound


class FxRateNotFound(NotFound):
    code = "fx_rate_not_found"
    title = "FX rate not found"
