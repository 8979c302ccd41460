"""A local SMTP sink for development: every message is saved under the data folder's mail/
(`.data/mail/`, or `$TENURE_DATA_DIR/mail/`) and its subject and links are printed, so
invitation and password-reset links can be followed."""

import re
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+")


class _SaveAndPrint:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        path = self.folder / f"{self.count:05d}.eml"
        path.write_bytes(envelope.content)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        links = " ".join(LINK.findall(text))
        print(
            f"[mail] to {', '.join(envelope.rcpt_tos)}: {msg['Subject']}  {links}  ({path})",
            flush=True,
        )
        return "250 Message accepted"


def start(folder: Path, port: int) -> Controller:
    controller = Controller(_SaveAndPrint(folder), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
