"""The Telegram bot's fixtures: a local Bot API that records every call, a bot, a linked observer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from elections.models import BallotOption, Contest
from tallies.models import ObserverContact, TelegramBot
from tests.tallies.channels.telegram_shapes import ALICE_TG


@pytest.fixture
def bot_api():
    """A local Bot API: records (path, JSON body) of each call and answers {"ok": true}.

    getFile answers file_path "photos/<file_id>.jpg"; GET /file/bot<token>/<path> serves
    files[<path>] (the third item yielded), recorded as (path, {}).
    """
    calls: list[tuple[str, dict]] = []
    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append((self.path, sent))
            result = (
                {"file_path": f"photos/{sent.get('file_id')}.jpg"} if self.path.endswith("/getFile") else {}
            )
            self._answer(json.dumps({"ok": True, "result": result}).encode())

        def do_GET(self):
            calls.append((self.path, {}))
            self._answer(files.get(self.path.split("/", 3)[-1], b""))

        def _answer(self, body: bytes):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls, files
    server.shutdown()
    server.server_close()


@pytest.fixture
def bot(organization, bot_api):
    return TelegramBot.objects.create(
        organization=organization,
        name="golos_bot",
        token="123456:ABC-secret",
        api_base_url=bot_api[0],
        language="en",
    )


@pytest.fixture
def linked(observer, bot):
    ObserverContact.objects.create(observer=observer, telegram_user_id=ALICE_TG)
    return observer


@pytest.fixture
def district(contest):
    """A second contest of the election (District 1, one candidate), on the same form."""
    district = Contest.objects.create(
        election=contest.election, slug="district-1", name="District 1", form=contest.form
    )
    BallotOption.objects.create(contest=district, position=1, code="ivanov", name="Ivanov")
    return district
