"""The mutation run: plausible bugs put into a copy of the tree, one at a time, and the tests run.

``make mutation`` runs every module of ``mutation/config.toml``; ``make mutation
MODULE=simulator/statefile.py`` one of them (its results replace that module's in
``mutation/results/``, and the report is made again from all of them). The report is the
part of ``docs/TESTING.md`` between its ``mutation:begin`` and ``mutation:end`` markers,
written atomically.

Mutants come from two places, both the same on every run:

- cosmic-ray's operators (the list in the config) over the module's source, enumerated in
  source order. A mutant's id is ``function:operator@hash`` where the hash is of the source
  line, so ids survive edits elsewhere in the file;
- ``mutation/mutants.toml``: hand-made mutants (original snippet, mutated snippet, why it is
  plausible), for what no operator makes (a dropped clamp, a reordered fsync, a constant)
  and for the numba kernels, where each mutant means a fresh compile.

The working tree is never touched: the committed tree (``git archive HEAD``; ``--worktree``
for the files as they are now) is copied under ``build/mutation/tree*``, and each mutant is
written there, its tests run with ``-x``, and the file put back. Survivors that cannot be
killed are listed with their reason in ``mutation/equivalent.toml``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import difflib
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
BUILD = ROOT / "build" / "mutation"
REPORT = ROOT / "docs" / "TESTING.md"
BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"


@dataclass
class Mutant:
    id: str
    module: str
    source: str  # "cosmic-ray" or "list"
    operator: str
    line: int
    definition: str
    original: str  # the changed line(s) before
    mutated: str  # and after
    why: str = ""
    outcome: str = ""  # killed, timeout, survived, error
    killed_by: str = ""
    seconds: float = 0.0
    code: str = field(default="", repr=False)  # the whole mutated file, not stored


def slug(module: str) -> str:
    return module.replace("/", ".").removesuffix(".py")


def _changed(before: str, after: str) -> tuple[int, str, str]:
    a, b = before.splitlines(), after.splitlines()
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            return i1 + 1, "\n".join(x.strip() for x in a[i1:i2]), "\n".join(x.strip() for x in b[j1:j2])
    return 0, "", ""


def _enclosing(source_lines: list[str], line: int) -> str:
    """The innermost def/class around 1-based ``line`` (dotted for methods), or "<module>"."""
    names: list[tuple[int, str]] = []
    for text in source_lines[:line]:
        m = re.match(r"(\s*)(?:async\s+)?(?:def|class)\s+(\w+)", text)
        if m:
            indent = len(m.group(1))
            names = [(i, n) for i, n in names if i < indent] + [(indent, m.group(2))]
    target_indent = len(source_lines[line - 1]) - len(source_lines[line - 1].lstrip())
    names = [(i, n) for i, n in names if i < target_indent]
    return ".".join(n for _, n in names) or "<module>"


def _short(operator: str) -> str:
    return operator.removeprefix("core/").replace("ReplaceComparisonOperator_", "Cmp_") \
        .replace("ReplaceBinaryOperator_", "Bin_").replace("ReplaceUnaryOperator_", "Un_")


def cosmic_ray_mutants(module: str, path: Path, operators: list[str]) -> list[Mutant]:
    from cosmic_ray.ast import ast_nodes, get_ast_from_path
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out: list[Mutant] = []
    for name in operators:
        op = get_operator(name)()
        tree = get_ast_from_path(path)
        positions = [p for node in ast_nodes(tree) for p in op.mutation_positions(node)]
        for occurrence in range(len(positions)):
            code = mutate_code(source, op, occurrence)
            if code is None or code == source:
                continue
            try:  # e.g. "def f(*, a)" made "def f(/, a)": Python refuses it, not a bug one could make
                compile(code, str(path), "exec")
            except SyntaxError:
                continue
            line, before, after = _changed(source, code)
            if line == 0 or _is_docstring_or_log(lines, line):
                continue
            out.append(Mutant(id="", module=module, source="cosmic-ray", operator=_short(name), line=line,
                              definition=_enclosing(lines, line), original=before, mutated=after, code=code))
    return _name(out)


def _is_docstring_or_log(lines: list[str], line: int) -> bool:
    # mutants inside a logging call change only what is logged: not a behaviour the tests own
    text = lines[line - 1].strip()
    return text.startswith(("log.", "logger.", "_log.", "LOG."))


def _name(mutants: list[Mutant]) -> list[Mutant]:
    seen: dict[str, int] = {}
    for m in mutants:
        h = hashlib.sha1(f"{m.original}\0{m.mutated}".encode()).hexdigest()[:6]
        base = f"{m.definition}:{m.operator}@{h}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        m.id = base if n == 0 else f"{base}#{n + 1}"
    return mutants


def list_mutants(module: str, path: Path) -> list[Mutant]:
    data = tomllib.loads((HERE / "mutants.toml").read_text(encoding="utf-8"))
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = []
    for entry in data.get("mutant", []):
        if entry["module"] != module:
            continue
        count = source.count(entry["original"])
        if count != 1:
            raise SystemExit(f"mutation/mutants.toml: {entry['id']}: its original snippet occurs {count} "
                             f"times in {module} (must be once): update the entry to the code as it is now")
        code = source.replace(entry["original"], entry["mutated"])
        line, before, after = _changed(source, code)
        out.append(Mutant(id=entry["id"], module=module, source="list", operator="hand-made", line=line,
                          definition=_enclosing(lines, line), original=before, mutated=after,
                          why=entry["why"], code=code))
    return out


def make_tree(dest: Path, worktree: bool) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    _copy(dest, worktree)
    # Each file's time from its contents: numba's cache (build/mutation/numba-cache, kept between
    # runs) is keyed by the source's path and time, so an unchanged kernel is not compiled again.
    for f in dest.rglob("*.py"):
        stamp = 1_000_000_000 + int(hashlib.sha1(f.read_bytes()).hexdigest()[:7], 16)
        os.utime(f, (stamp, stamp))


def _copy(dest: Path, worktree: bool) -> None:
    if worktree:
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
        for f in filter(None, files):
            src = ROOT / os.fsdecode(f)
            if src.is_file():
                (dest / os.fsdecode(f)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / os.fsdecode(f))
    else:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)  # the copy's simulator/, not the editable install's
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a mutant's .pyc must never be taken for the original's
    env["NUMBA_CACHE_DIR"] = str(BUILD / "numba-cache")
    env.pop("CI", None)
    return env


def _command(tests: list[str], seed: int) -> list[str]:
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
            f"--hypothesis-seed={seed}", *tests]


#: Imported once by the runner, before it forks a child per mutant: a mutant's run then pays
#: only for the project's own modules and its tests, not for numpy's, numba's or pytest's import.
PRELOAD = ("numpy", "numba", "PIL.Image", "pytest", "hypothesis", "_pytest.python", "scipy.special",
           "sklearn.linear_model", "tomllib", "zipfile", "json")
FORK = hasattr(os, "fork")


def preload(tree: Path) -> None:
    os.environ.update({k: v for k, v in _env(tree).items() if k != "PYTHONPATH"})
    sys.dont_write_bytecode = True
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if any(m == "simulator" or m.startswith("simulator.") for m in sys.modules):
        raise SystemExit("the runner imported the project before forking: mutants would not be seen")


def _forked(tree: Path, tests: list[str], seed: int, timeout: float) -> tuple[str, str, float]:
    out = tree / ".mutant-output"
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: run pytest on the copy, in its own process group
        code = 3
        try:
            os.setsid()
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(tree)
            sys.path.insert(0, str(tree))
            import pytest

            code = int(pytest.main(_command(tests, seed)[3:]))
            mod = sys.modules.get("simulator")
            if mod is not None and not str(mod.__file__).startswith(str(tree)):
                print(f"mutation: the tests imported {mod.__file__}, not the copy's", flush=True)
                code = 3
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = start + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, 9)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "timeout", "", time.monotonic() - start
        time.sleep(0.05)
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    text = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
    return _outcome(code, text, seconds)


def _outcome(code: int, text: str, seconds: float) -> tuple[str, str, float]:
    if code == 0:
        return "survived", "", seconds
    if code in (1, 2):  # tests failed / collection error
        m = re.search(r"^(?:FAILED|ERROR) (\S+)", text, re.M)
        return "killed", (m.group(1).split("[")[0] if m else "collection/import"), seconds
    return "error", text[-2000:], seconds


def run_tests(tree: Path, tests: list[str], seed: int, timeout: float) -> tuple[str, str, float]:
    """(outcome, first failing test, seconds) of the tests in ``tree``."""
    shutil.rmtree(tree / ".hypothesis", ignore_errors=True)  # no examples carried between mutants
    if FORK:
        return _forked(tree, tests, seed, timeout)
    start = time.monotonic()
    proc = subprocess.Popen(_command(tests, seed), cwd=tree, env=_env(tree), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return "timeout", "", time.monotonic() - start
    return _outcome(proc.returncode, out.decode("utf-8", "replace"), time.monotonic() - start)


def warm(tree: Path) -> None:
    # numba's cache for the copy's kernels, so the first mutants do not pay the compile, and the
    # unmutated modules' bytecode (a mutated or restored module is newer than its .pyc: recompiled)
    env = _env(tree)
    del env["PYTHONDONTWRITEBYTECODE"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "simulator", "hardware", "tests"],
                   cwd=tree, env=env, check=True)
    subprocess.run([sys.executable, "-c", "import simulator, sys; from simulator.kernels import warm_up; "
                    f"assert simulator.__file__.startswith({str(tree)!r}), simulator.__file__; warm_up()"],
                   cwd=tree, env=env, check=True)


def run_module(module: str, cfg: dict, run_cfg: dict, trees: list[Path], operators: list[str],
               previous: dict | None = None) -> dict:
    """Run a module's mutants; with ``previous`` (its stored results), only those that survived
    there, their outcomes merged into it (the rest are kept as they were)."""
    mod_cfg = cfg
    tests = [t for t in mod_cfg["tests"] if (trees[0] / t.split("::")[0]).exists()]  # files or node ids
    missing = [t for t in mod_cfg["tests"] if t not in tests]
    path = trees[0] / module
    mutants = list_mutants(module, path)
    if mod_cfg.get("tool", "cosmic-ray") == "cosmic-ray":
        mutants = cosmic_ray_mutants(module, path, operators) + mutants
    if previous is not None:
        again = {m["id"] for m in previous["mutants"] if m["outcome"] in ("survived", "error")}
        known = {m["id"] for m in previous["mutants"]}
        if {m.id for m in mutants} != known:
            raise SystemExit(f"{module}: its mutants changed since the stored run (the module was edited): "
                             "run it whole, without --survivors")
        mutants = [m for m in mutants if m.id in again]
    seed = int(run_cfg.get("hypothesis_seed", 0))
    print(f"== {module}: {len(mutants)} mutants; tests: {' '.join(tests)}", flush=True)
    outcome, failed, base = run_tests(trees[0], tests, seed, timeout=3600)
    if outcome != "survived":
        raise SystemExit(f"{module}: the unmutated tests do not pass ({outcome}: {failed}); fix them first")
    timeout = max(float(run_cfg["min_timeout"]), float(run_cfg["timeout_factor"]) * base)
    print(f"   unmutated: {base:.1f} s, per-mutant timeout {timeout:.0f} s", flush=True)

    free: queue.Queue[Path] = queue.Queue()
    for t in trees:
        free.put(t)
    lock = threading.Lock()
    done = [0]

    def one(m: Mutant) -> None:
        tree = free.get()
        target = tree / module
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(m.code, encoding="utf-8")
            m.outcome, m.killed_by, m.seconds = run_tests(tree, tests, seed, timeout)
        finally:
            target.write_text(original, encoding="utf-8")
            free.put(tree)
        with lock:
            done[0] += 1
            mark = {"killed": ".", "timeout": "T", "survived": "S", "error": "E"}[m.outcome]
            print(f"   [{done[0]}/{len(mutants)}] {mark} {m.id} (line {m.line})", flush=True)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(trees)) as pool:
        list(pool.map(one, mutants))
    if previous is not None:
        redone = {m.id: {k: v for k, v in asdict(m).items() if k != "code"} for m in mutants}
        return {**previous, "run_seconds": previous["run_seconds"] + round(time.monotonic() - start),
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "survivors_rerun": sorted(redone),
                "mutants": [redone.get(m["id"], m) for m in previous["mutants"]]}
    return {
        "module": module,
        "tests": tests,
        "missing_tests": missing,
        "command": " ".join(_command(tests, seed)[1:]),
        "unmutated_seconds": round(base, 1),
        "timeout_seconds": round(timeout),
        "run_seconds": round(time.monotonic() - start),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mutants": [{k: v for k, v in asdict(m).items() if k != "code"} for m in mutants],
    }


def _equivalents() -> dict[tuple[str, str], str]:
    data = tomllib.loads((HERE / "equivalent.toml").read_text(encoding="utf-8"))
    return {(e["module"], e["id"]): e["reason"] for e in data.get("equivalent", [])}


def _first_survivors() -> dict[str, list[str]]:
    p = HERE / "first-survivors.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " / ")


def render(results: list[dict], tool: str, total_seconds: float | None) -> str:
    eq = _equivalents()
    first = _first_survivors()
    rows, details = [], []
    tot = {"n": 0, "k": 0, "t": 0, "s": 0, "e": 0, "u": 0}
    for r in results:
        ms = r["mutants"]
        k = sum(m["outcome"] == "killed" for m in ms)
        t = sum(m["outcome"] == "timeout" for m in ms)
        surv = [m for m in ms if m["outcome"] in ("survived", "error")]
        e = sum((r["module"], m["id"]) in eq for m in surv)
        u = len(surv) - e
        live = len(ms) - e
        rate = 100.0 * (k + t) / live if live else 100.0
        rows.append(f"| `{r['module']}` | {len(ms)} | {k} | {t} | {e} | {u} | {rate:.1f}% | "
                    f"{r['run_seconds']} s | {r['date']} |")
        for key, v in zip("nktseu", (len(ms), k, t, len(surv), e, u)):
            tot[key] += v
        lines = [f"### `{r['module']}`", "",
                 f"Tests: `{r['command']}` (unmutated {r['unmutated_seconds']} s, "
                 f"per-mutant timeout {r['timeout_seconds']} s)."]
        if r.get("survivors_rerun"):
            n = len(r["survivors_rerun"])
            lines.append(f"The {n} survivors of the module's whole run were run again (`--survivors`) "
                         "after the tests that kill them were written; the run time adds both.")
        if r.get("missing_tests"):
            lines.append(f"Configured but missing: {', '.join(r['missing_tests'])}.")
        lines.append("")
        if surv:
            lines += ["| survivor | line | change | why it survives |", "|---|---|---|---|"]
            for m in surv:
                why = eq.get((r["module"], m["id"]), "**not explained: a test should kill it**")
                lines.append(f"| `{m['id']}` | {m['line']} | `{_md(m['original'])}` -> `{_md(m['mutated'])}` "
                             f"| {_md(why)} |")
            lines.append("")
        was = first.get(r["module"], [])
        now_killed = [m for m in ms if m["id"] in was and m["outcome"] in ("killed", "timeout")]
        if now_killed:
            lines += ["Survivors of the first run that a test now kills:", "",
                      "| mutant | change | killed by |", "|---|---|---|"]
            for m in now_killed:
                lines.append(f"| `{m['id']}` | `{_md(m['original'])}` -> `{_md(m['mutated'])}` | "
                             f"`{m['killed_by'] or 'timeout'}` |")
            lines.append("")
        hand = [m for m in ms if m["source"] == "list"]
        if hand:
            lines += ["Hand-made mutants (mutation/mutants.toml):", "",
                      "| mutant | outcome | killed by |", "|---|---|---|"]
            for m in hand:
                lines.append(f"| `{m['id']}` | {m['outcome']} | `{m['killed_by']}` |")
            lines.append("")
        details.append("\n".join(lines))
    live = tot["n"] - tot["e"]
    rate = 100.0 * (tot["k"] + tot["t"]) / live if live else 100.0
    head = [
        f"Tool: {tool}; runner `mutation/run.py` (`make mutation`, or `make mutation "
        "MODULE=simulator/statefile.py` for one module)."
        + (f" Whole run: {total_seconds / 60:.0f} min." if total_seconds else "")
        + f" Run time of the modules' latest runs added up: "
        f"{sum(r['run_seconds'] for r in results) / 60:.0f} min (niced, two shared cores).",
        "",
        "| module | mutants | killed | timed out | equivalent | not explained | killed of non-equivalent "
        "| run time | date |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        f"| **all** | {tot['n']} | {tot['k']} | {tot['t']} | {tot['e']} | {tot['u']} | **{rate:.1f}%** | | |",
        "",
        "Killed counts a mutant that makes a test fail or stops the tests from importing; timed out, one "
        "whose tests run past the per-mutant timeout (an endless loop). Equivalent survivors are listed "
        "with their reason in `mutation/equivalent.toml`, reviewed by hand.",
        "",
    ]
    return "\n".join(head + details)


def write_report(text: str) -> None:
    sys.path.insert(0, str(ROOT))
    from simulator.atomicfile import write_atomically

    old = REPORT.read_text(encoding="utf-8")
    if BEGIN not in old or END not in old:
        raise SystemExit(f"{REPORT}: the markers {BEGIN} and {END} are missing: put them back")
    new = old[: old.index(BEGIN) + len(BEGIN)] + "\n" + text.rstrip() + "\n" + old[old.index(END):]
    write_atomically(REPORT, lambda f: f.write(new.encode("utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", help="a module of mutation/config.toml (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    parser.add_argument("--worktree", action="store_true",
                        help="copy the working tree's files as they are now (default: the last commit)")
    parser.add_argument("--list", action="store_true", help="only print the mutants, run nothing")
    parser.add_argument("--survivors", action="store_true",
                        help="run again only the mutants that survived the module's stored run")
    parser.add_argument("--no-fork", action="store_true",
                        help="start a new Python for each mutant instead of forking a preloaded one")
    parser.add_argument("--report-only", action="store_true", help="remake the report from mutation/results/")
    args = parser.parse_args(argv)

    config = tomllib.loads((HERE / "config.toml").read_text(encoding="utf-8"))
    modules = args.module or list(config["modules"])
    for m in modules:
        if m not in config["modules"]:
            parser.error(f"{m} is not a module of mutation/config.toml: use one of "
                         f"{', '.join(config['modules'])}")
    from importlib.metadata import version

    import cosmic_ray  # noqa: F401  (the mutation extra: pip install -e '.[mutation]')

    tool = f"cosmic-ray {version('cosmic-ray')} (its operators) and mutation/mutants.toml"
    results_dir = HERE / "results"
    start = time.monotonic()
    if not args.report_only:
        # one set of copies per set of modules, so two people running different modules do not meet
        name = "all" if not args.module else "+".join(slug(m) for m in modules)
        trees = [BUILD / name / f"tree{i}" for i in range(max(args.jobs, 1))]
        for t in trees:
            make_tree(t, args.worktree)
        if args.list:
            for m in modules:
                cfg = config["modules"][m]
                ms = list_mutants(m, trees[0] / m)
                if cfg.get("tool", "cosmic-ray") == "cosmic-ray":
                    ms = cosmic_ray_mutants(m, trees[0] / m, config["run"]["operators"]) + ms
                for x in ms:
                    print(f"{m}\t{x.id}\tline {x.line}\t{x.original!r} -> {x.mutated!r}")
            return 0
        for t in trees:
            warm(t)
        global FORK
        FORK = FORK and not args.no_fork
        if FORK:
            preload(trees[0])
        results_dir.mkdir(exist_ok=True)
        for m in modules:
            stored = results_dir / f"{slug(m)}.json"
            previous = json.loads(stored.read_text(encoding="utf-8")) if args.survivors and stored.exists() \
                else None
            result = run_module(m, config["modules"][m], config["run"], trees, config["run"]["operators"],
                                previous)
            text = json.dumps(result, indent=1) + "\n"
            (results_dir / f"{slug(m)}.json").write_text(text, encoding="utf-8")
    results = []
    for m in config["modules"]:
        p = results_dir / f"{slug(m)}.json"
        if p.exists():
            results.append(json.loads(p.read_text(encoding="utf-8")))
    whole = time.monotonic() - start if not args.report_only and not args.module else None
    write_report(render(results, tool, whole))
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
