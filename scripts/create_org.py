"""`make create-org` / `python -m scripts.create_org`: an organisation and its first admin,
without the demo. In a container (DATABASE_URL set) it uses that database; on a laptop without
one it uses the embedded PostgreSQL of `make run`. Either way it applies the migrations first.

    python -m scripts.create_org --name "Acme CS" --admin-email ops@acme.example
    docker compose exec api python -m scripts.create_org --name "Acme CS" --admin-email ...

The admin's password is read from stdin with --password-stdin, or generated and printed once.
"""

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

from pydantic import ValidationError

from domain.common.db import create_engine, create_sessionmaker
from domain.common.settings import Settings
from domain.orgs import service as orgs
from domain.orgs.schemas import FirstOrganisation
from domain.users import repository as users


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Create an organisation and its first admin.")
    parser.add_argument("--name", required=True, help="the organisation's name")
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-name", help="defaults to the email's local part")
    parser.add_argument("--currency", default="USD", help="ISO 4217 base currency (USD)")
    parser.add_argument("--time-zone", default="UTC", help="IANA time zone (UTC)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the admin's password from stdin"
    )
    return parser.parse_args(argv)


def migrate(database_url: str) -> None:
    """Bring the database up to date first (nothing to do once the API has started on it): a
    new database, or one older than this Tenure, has no tables or not all of them yet."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


async def create(database_url: str, data: FirstOrganisation) -> str:
    """The new organisation's id; refuses an email that already signs in somewhere."""
    engine = create_engine(Settings(database_url=database_url).async_database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            if await users.find_active_user_by_email(session, str(data.admin_email)) is not None:
                raise SystemExit(f"{data.admin_email} already has a Tenure sign-in")
            org, _ = await orgs.create_organisation(
                session,
                name=data.organisation_name,
                admin_email=str(data.admin_email),
                admin_name=data.admin_name,
                admin_password=data.admin_password,
                base_currency=data.base_currency,
                time_zone=data.time_zone,
            )
            await session.commit()
            return str(org.id)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    generated = not args.password_stdin
    password = secrets.token_urlsafe(15) if generated else sys.stdin.readline().rstrip("\n")
    try:
        data = FirstOrganisation(
            organisation_name=args.name,
            admin_email=args.admin_email,
            admin_name=args.admin_name or args.admin_email.split("@")[0],
            admin_password=password,
            base_currency=args.currency,
            time_zone=args.time_zone,
        )
    except ValidationError as exc:
        sys.exit("\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    if url := os.environ.get("DATABASE_URL"):
        migrate(url)
        org_id = asyncio.run(create(url, data))
    else:
        from scripts import services, stack

        svc = services.up()
        try:
            url = stack.database_url(svc.database_url, "tenure")
            stack.ensure_database(url)
            migrate(url)
            org_id = asyncio.run(create(url, data))
        finally:
            services.down(svc)
    print(f"Created organisation {data.organisation_name!r} ({org_id}).")
    print(f"Its admin signs in as {data.admin_email}", end="")
    print(f" with the password {password}" if generated else ".")


if __name__ == "__main__":
    main()
