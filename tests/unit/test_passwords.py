"""argon2 password hashes."""

from domain.users.passwords import hash_password, verify_password

PASSWORD = "correct-horse-battery"


class TestHashPassword:
    def test_is_salted_argon2id(self) -> None:
        first, second = hash_password(PASSWORD), hash_password(PASSWORD)

        assert first.startswith("$argon2id$")
        assert first != second
        assert PASSWORD not in first


class TestVerifyPassword:
    def test_accepts_the_password(self) -> None:
        assert verify_password(hash_password(PASSWORD), PASSWORD) is True

    def test_refuses_another_password(self) -> None:
        stored = hash_password(PASSWORD)

        assert verify_password(stored, PASSWORD.upper()) is False
        assert verify_password(stored, "") is False

    def test_no_hash_never_matches(self) -> None:
        # An unknown user or a pending invitation: checked against a dummy hash, then refused.
        assert verify_password(None, PASSWORD) is False
        assert verify_password(None, "tenure-timing-equaliser") is False

    def test_a_corrupt_hash_is_a_refusal_not_an_error(self) -> None:
        assert verify_password("not-a-hash", PASSWORD) is False
        assert verify_password("$argon2id$v=19$m=1,t=1,p=1$AAAA$BBBB", PASSWORD) is False
