"""Two processes on one inherited HTTP session, as the SDK has after Task.init forks its reporting
subprocess: the SDK's own session (get_http_session_with_retry, its requests stack) logs in and
makes a call, so its pool holds a connection the server may keep alive; then the process forks,
and parent and child make calls at the same time. Every answer must be the answer to the call that
was sent (its meta names the endpoint), and no call may fail. argv[1]: the calls each makes.
"""
import json
import os
import sys

from cairn_steps import check, finish, keep, step
from clearml.backend_api.utils import get_http_session_with_retry

calls_each = int(sys.argv[1])
api = os.environ["CLEARML_API_HOST"]
session = get_http_session_with_retry(total=0)
headers = {"X-ClearML-Client": "clearml-1.17.0", "X-Trains-Client": "clearml-1.17.0"}
calls = [
    ("models.get_all", {"page": 0, "page_size": 1, "only_fields": ["id"]}),
    ("tasks.get_all", {"page": 0, "page_size": 1, "only_fields": ["id"]}),
    ("projects.get_all", {"page": 0, "page_size": 1, "only_fields": ["id"]}),
    ("users.get_current_user", {}),
]


def call(endpoint, body):
    """The endpoint the answer names and its result code, or the error that stood in for an answer."""
    try:
        answer = session.get("%s/v2.23/%s" % (api, endpoint), data=json.dumps(body), headers=headers, timeout=30)
        meta = answer.json()["meta"]
        return meta["endpoint"]["name"], meta["result_code"], meta["result_msg"]
    except Exception as e:  # noqa: BLE001 - any failure is what the test counts
        return None, None, "%s: %s" % (type(e).__name__, e)


def run(who):
    """Makes the calls in turn; returns the wrong answers."""
    wrong = []
    for i in range(calls_each):
        endpoint, body = calls[i % len(calls)]
        name, code, message = call(endpoint, body)
        if name != endpoint or code != 200:
            wrong.append("%s call %d to %s: answered for %s with %s %s" % (who, i, endpoint, name, code, message))
    return wrong


with step("log in and make a call (the session's pool keeps its connection)"):
    login = session.get("%s/auth.login" % api, headers=headers, timeout=30,
                        auth=(os.environ["CLEARML_API_ACCESS_KEY"], os.environ["CLEARML_API_SECRET_KEY"]))
    headers["Authorization"] = "Bearer " + login.json()["data"]["token"]
    check(call("users.get_current_user", {})[1] == 200, "the first call failed")

with step("fork; parent and child call at the same time on the inherited session"):
    child = os.fork()
    if child == 0:
        wrong = run("child")
        for line in wrong[:10]:
            print(line, file=sys.stderr)
        sys.stderr.flush()
        os._exit(1 if wrong else 0)
    wrong = run("parent")
    _, status = os.waitpid(child, 0)
    keep("parent_wrong", wrong[:10])
    check(not wrong, "the parent got %d wrong answers, e.g. %s", len(wrong), wrong[:3])
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the child got wrong answers (its lines are above)")

finish()
