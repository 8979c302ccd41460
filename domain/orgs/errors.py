from domain.common.errors import Conflict


class SetupDone(Conflict):
    code = "setup_done"
    title = "This Tenure already has an organisation: sign in, or ask its admin for an invitation"


class BaseCurrencyHasRates(Conflict):
    """Stored exchange rates are rates to the base currency: under another base they would
    silently mean something else."""

    code = "base_currency_has_rates"
    title = "The organisation's exchange rates are to its base currency"
