"""Credentials for the conformance run (`cargo xtask schemathesis`), and their protection.

Every signed request carries one of several API tokens of the demo admin, taken in turn: a
token may make 600 requests a minute and the run makes more, so with one token most answers
would be 429 and test nothing else (429 is still documented, and checked, on every signed
route). The cron route gets its own secret. Both come from the environment the xtask sets.

The run may call every operation, including those that would end its own credentials:
revoking one of its tokens, or disabling or demoting the demo admin (once it has created
another admin). Such a call is pointed at an id that names nothing, so it is still made and
its 404 still checked, and the rest of the run keeps its credentials.
"""

import itertools
import json
import os
import threading
import urllib.request
import uuid

import schemathesis

_BASE_URL = os.environ["OCC_CONFORMANCE_URL"]
_TOKENS = os.environ["OCC_CONFORMANCE_TOKENS"].split(",")
_CRON_SECRET = os.environ["CRON_SECRET"]
_NEXT_TOKEN = itertools.cycle(_TOKENS)
_LOCK = threading.Lock()


def _get(path):
    request = urllib.request.Request(_BASE_URL + path, headers={"Authorization": f"Bearer {_TOKENS[0]}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


_ADMIN_ID = _get("/api/v1/auth/me")["user"]["id"]
_OWN_TOKEN_IDS = {token["id"] for token in _get("/api/v1/tokens?limit=200")["items"]}
_PROTECTED = {
    ("DELETE", "/api/v1/tokens/{id}"): _OWN_TOKEN_IDS,
    ("PATCH", "/api/v1/users/{id}"): {_ADMIN_ID},
}


@schemathesis.auth(refresh_interval=None, retry_on=[])
class RotatingTokens:
    def get(self, case, context):
        if context.operation.path == "/api/cron/tick":
            return _CRON_SECRET
        with _LOCK:
            return next(_NEXT_TOKEN)

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context, case, kwargs):
    protected = _PROTECTED.get((case.method.upper(), case.operation.path), set())
    if (case.path_parameters or {}).get("id") in protected:
        case.path_parameters = {**case.path_parameters, "id": str(uuid.uuid4())}
