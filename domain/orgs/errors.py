from domain.common.errors import Conflict


class SetupDone(Conflict):
    code = "setup_done"
    title = "This Tenure already has an organisation: sign in, or ask its admin for an invitation"
