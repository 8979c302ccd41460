from domain.common.errors import NotFound


class NoChurnModel(NotFound):
    code = "no_churn_model"
    title = "No churn model has been trained"
