"""eksflow's AWS emulator: moto's server with our extensions (extensions.py) in front of it.

Run with the venv's python in place of `moto_server`; it takes the same -H/--host and -p/--port.
It builds moto's WSGI app as moto's own `moto_server` does (moto/server.py), wrapped in our middleware.
"""

import argparse
import json
import logging
import os
import signal
import sys
from typing import Any

from werkzeug.serving import run_simple

from moto import backends
from moto.dynamodb.responses import DynamoResult
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

# Keep tools/moto/ free of __pycache__: the extensions are tiny, compiling them each start costs nothing.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from changes import observe  # noqa: E402
from extensions import EXTENSIONS, with_extensions  # noqa: E402  (found next to this file, not installed)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)), help="port to bind")
    return parser.parse_args(argv)


def lighten_per_request_work() -> None:
    """Two costs moto pays on every request, which made the emulator the busiest process of a test run (py-spy:
    ~1/4 of its samples). Neither changes what any request answers.
     - It lists its own package folders on disk (os.listdir + isdir per folder) to find the service of a request
       (werkzeug_app.py, infer_service_region_host). The folders do not change while it runs: listed once.
     - werkzeug logs one line per request to stderr, which the sandbox keeps only as the tail of a failure's
       message. Warnings and errors (a request's traceback) are still logged.
    """
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def answer_dynamodb_results_as_json() -> None:
    """DynamoDB's results, answered with json.dumps when they are plain JSON values already. moto hands each one
    (DynamoResult: AttributeValue dicts, counts, keys) to its model-driven serializer, which walks the result
    against the operation's output shape value by value: a sixth of the emulator's CPU in a test run (py-spy),
    for the same JSON (compared answer by answer over the DynamoDB-heavy test files: GetItem, Query, PutItem,
    UpdateItem, DeleteItem). A result holding anything else (bytes of a binary attribute, a datetime in a table
    description) still goes through the serializer.
    """
    slow = DynamoResult.execute_result

    def execute_result(self: DynamoResult, context: Any) -> Any:
        result, shape = self.result, context.operation_model.output_shape
        if not isinstance(result, dict) or shape is None or not _plain_json(result):
            return slow(self, context)
        # As the serializer does: only the output's members (moto adds e.g. the legacy ConsumedCapacityUnits).
        result = {key: value for key, value in result.items() if key in shape.members}
        status = context.operation_model.http.get("responseCode", 200)
        return status, {"Content-Type": _JSON_1_0}, json.dumps(result)

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


_JSON_1_0 = "application/x-amz-json-1.0"
_SCALARS = (str, int, float, bool)


def _plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return isinstance(value, _SCALARS)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    # moto builds the URLs it hands out (e.g. SQS queue URLs) from MOTO_PORT, as moto_server sets it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # Stopping is normal (the sandbox stops us with SIGTERM): exit 0, as moto_server does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    lighten_per_request_work()
    answer_dynamodb_results_as_json()
    # The change counter sees every request after the extensions have answered it (changes.py).
    app = observe(with_extensions(DomainDispatcherApplication(create_backend_app)))
    names = ", ".join(extension.name for extension in EXTENSIONS)
    print(f"eksflow AWS emulator: moto with extensions [{names}]", file=sys.stderr, flush=True)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1:])
