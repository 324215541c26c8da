"""MLflow's tracking server (PyPI mlflow 2.22) on 127.0.0.1:PORT, over a new SQLite file in
FOLDER, with defects planted by name.

    python serve.py PORT FOLDER [DEFECT,...]

MLflow's own Flask application in this one process (`mlflow server` would fork gunicorn
workers, which a test cannot end by the PID it started). Defects:
- `kept-experiment`: experiments/delete answers `{}`, and the experiment stays active.
- `kept-model`: registered-models/delete answers `{}`, and the model stays.
- `stale-model`: registered-models/update answers `{}`, and changes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple

Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]
ROOT = "/api/2.0/mlflow/"
DEFECTS = {
    "kept-experiment": "experiments/delete",
    "kept-model": "registered-models/delete",
    "stale-model": "registered-models/update",
}


def with_defects(app: Wsgi, defects: set[str]) -> Wsgi:
    ignored = {ROOT + DEFECTS[name] for name in defects}

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in ignored:
            return app(environ, start_response)
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    return serve


def main(port: int, folder: Path, defects: set[str]) -> None:
    unknown = defects - DEFECTS.keys()
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    store, artifacts = f"sqlite:///{folder / 'mlflow.db'}", str(folder / "artifacts")
    os.environ["_MLFLOW_SERVER_FILE_STORE"] = store
    os.environ["_MLFLOW_SERVER_ARTIFACT_ROOT"] = artifacts
    from mlflow.server import app, handlers  # reads the stores named above

    handlers.initialize_backend_stores(store, store, artifacts)
    run_simple("127.0.0.1", port, with_defects(app.wsgi_app, defects), threaded=True)


if __name__ == "__main__":
    defects = set(filter(None, (sys.argv[3] if len(sys.argv) > 3 else "").split(",")))
    main(int(sys.argv[1]), Path(sys.argv[2]), defects)
