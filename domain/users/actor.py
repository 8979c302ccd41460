# Moved below every area to domain.tenancy.actor; kept so existing imports read the same.
from domain.tenancy.actor import Actor as Actor
from domain.tenancy.actor import require as require
