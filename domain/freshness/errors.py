from domain.common.errors import NotFound


class ChangeNotFound(NotFound):
    code = "change_not_found"
    title = "Change not found"
