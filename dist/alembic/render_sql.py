"""Renders each Alembic revision's upgrade and downgrade as SQL with Alembic's offline mode.

Reads a JSON request on stdin and writes a JSON answer on stdout. Every revision runs through
the project's own env.py, one step at a time, so what comes out is what `alembic upgrade
<parent>:<rev> --sql` prints for that revision. Each piece of SQL is tagged with the line of
the revision file that was executing when Alembic wrote it (the `op.*` call), which is how the
statements are attributed back to the Python source. Text written while no revision line is
executing (BEGIN/COMMIT, the alembic_version bookkeeping, `-- Running` comments) is dropped.

Request: {"scriptLocation": abs, "ini": abs or null, "paths": [abs...], "revisions": [id...],
          "repoRoot": abs}
Answer:  {"revisions": {id: {"up": Chunks, "down": Chunks, "upError": str, "downError": str}}}
         where Chunks is [{"sql": str, "line": int, "endLine": int}];
         or {"importError": {"module": str, "message": str, "frames": [{"file": abs, "line": int}]}}
         when a revision file or env.py imports a module the interpreter does not have.
"""

import ast
import io
import json
import os
import sys
import traceback


def fail(message):
    json.dump({"error": message}, sys.__stdout__)
    sys.exit(0)


try:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationStep
    from alembic.script import ScriptDirectory
except ImportError as error:
    fail("import alembic: %s" % error)


class StatementLines:
    """The innermost Python statement holding a line, to give each op.* call its line range."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        self.ranges = [
            (node.lineno, node.end_lineno)
            for node in ast.walk(tree)
            if isinstance(node, ast.stmt)
            and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]

    def around(self, line):
        holding = [r for r in self.ranges if r[0] <= line <= r[1]]
        if not holding:
            return line, line
        return min(holding, key=lambda r: r[1] - r[0])


class Capture(io.RawIOBase):
    """An output buffer that notes which revision-file line is executing at each write."""

    def __init__(self, path):
        super().__init__()
        self.path = os.path.realpath(path)
        self.lines = StatementLines(path)
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        line = self.executing_line()
        if line is not None and text.strip():
            start, end = self.lines.around(line)
            self.chunks.append({"sql": text, "line": start, "endLine": end})
        return len(data)

    def executing_line(self):
        frame = sys._getframe(1)
        while frame is not None:
            if os.path.realpath(frame.f_code.co_filename) == self.path:
                return frame.f_lineno
            frame = frame.f_back
        return None


def render(config, script, revision, upgrade):
    target = script.get_revision(revision)
    capture = Capture(target.path)
    config.output_buffer = capture
    parents = list(target._all_down_revisions)
    start = (parents or None) if upgrade else revision
    make_step = MigrationStep.upgrade_from_script if upgrade else MigrationStep.downgrade_from_script

    def steps(_heads, _context):
        return [make_step(script.revision_map, target)]

    with EnvironmentContext(
        config, script, fn=steps, as_sql=True, starting_rev=start, destination_rev=revision
    ):
        script.run_env()
    return capture.chunks


def in_project(path, root):
    """A file of the project itself, not of an installed package (a .venv may sit in the repo)."""
    if not os.path.isabs(path) or not os.path.isfile(path):
        return False  # <frozen importlib._bootstrap> and the like
    real = os.path.realpath(path)
    parts = real.split(os.sep)
    return (
        real.startswith(root + os.sep)
        and real != os.path.realpath(__file__)
        and "site-packages" not in parts
        and "dist-packages" not in parts
    )


def import_failure(error, root):
    """The missing module and the project frames that led to the import, outermost first."""
    frames = [
        {"file": os.path.realpath(frame.filename), "line": frame.lineno}
        for frame in traceback.extract_tb(error.__traceback__)
        if in_project(frame.filename, root)
    ]
    module = getattr(error, "name", None) or str(error)
    return {"module": module, "message": describe(error), "frames": frames}


def describe(error):
    lines = traceback.format_exception_only(type(error), error)
    return "".join(lines).strip()


REQUEST = "{}"


def main():
    global REQUEST
    REQUEST = sys.stdin.read()
    request = json.loads(REQUEST)
    for path in request.get("paths", []):
        if path not in sys.path:
            sys.path.insert(0, path)
    config = Config(request.get("ini")) if request.get("ini") else Config()
    config.set_main_option("script_location", request["scriptLocation"])
    if request.get("versionLocation"):
        config.set_main_option("version_locations", request["versionLocation"])
    url = config.get_main_option("sqlalchemy.url") or ""
    # Offline mode only needs the dialect; a placeholder or missing URL would stop env.py.
    if not url.startswith("postgres"):
        config.set_main_option("sqlalchemy.url", "postgresql://schemagate@localhost/schemagate")
    os.environ.setdefault("DATABASE_URL", "postgresql://schemagate@localhost/schemagate")
    script = ScriptDirectory.from_config(config)
    script.revision_map.heads  # loads every revision file: an ImportError surfaces here
    answer = {}
    for revision in request["revisions"]:
        entry = {}
        for direction, upgrade in (("up", True), ("down", False)):
            try:
                entry[direction] = render(config, script, revision, upgrade)
            except ImportError:
                raise  # the application's requirements are missing: stop, naming the import
            except BaseException as error:  # env.py or a revision may raise anything
                entry[direction] = []
                entry[direction + "Error"] = describe(error)
        answer[revision] = entry
    json.dump({"revisions": answer}, sys.__stdout__)


if __name__ == "__main__":
    # env.py and fileConfig may print; only the answer goes to stdout.
    sys.stdout = sys.stderr
    try:
        main()
    except ImportError as error:
        root = os.path.realpath(json.loads(REQUEST).get("repoRoot") or os.getcwd())
        json.dump({"importError": import_failure(error, root)}, sys.__stdout__)
    except BaseException as error:
        fail(describe(error))
