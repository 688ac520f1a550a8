#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Validates SARIF files the way code scanning will read them, with two real
# validators (never a shape check of our own):
#   1. Microsoft's SARIF multitool (`validate`, rule kinds Sarif and Gh: the
#      SARIF spec's rules plus GitHub code scanning's ingestion rules), from
#      the npm package scripts/install-deps.sh puts in a cache outside the
#      repository;
#   2. JSON Schema validation (python3-jsonschema, Debian) against the SARIF
#      2.1.0 schema that package ships. The multitool skips, without a word,
#      a file whose enums it cannot deserialize ("level": "bogus"); the
#      schema catches those. Worse, one such file silences the multitool for
#      every other file of the same run, so the schema check runs first, and
#      every multitool run carries a canary (a log with a known GH2012
#      error) that must be reported, or the run counts as not done.
# Any error or warning from either fails. Exit 0 valid, 1 invalid, 2 the
# validators are missing.
#
#   validate_sarif.py [--multitool PATH] FILE...
#   validate_sarif.py --self-test     (proves both validators reject bad files)
import json
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_DIR = "/var/cache/aio-audit/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux"


def tool_dir(args):
    path = os.environ.get("AIO_AUDIT_SARIF_MULTITOOL")
    if "--multitool" in args:
        i = args.index("--multitool")
        path = args[i + 1]
        del args[i : i + 2]
    path = path or os.path.join(DEFAULT_DIR, "Sarif.Multitool")
    if not os.access(path, os.X_OK):
        sys.exit(f"validate_sarif: no SARIF multitool at {path}: run scripts/install-deps.sh test")
    return path


CANARY = {
    "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {"name": "canary", "version": "1.0", "informationUri": "https://example.org/",
                            "rules": [{"id": "c/one", "name": "One", "shortDescription": {"text": "One."},
                                       "fullDescription": {"text": "One rule."},
                                       "helpUri": "https://example.org/c"}]}},
        "results": [{"ruleId": "c/one", "ruleIndex": 0, "level": "note", "message": {"text": "m"},
                     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.c"},
                                                         "region": {"startLine": 1}}}]}],
    }],
}


def multitool(tool, files):
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        canary = os.path.join(tmp, "canary.sarif")
        with open(canary, "w") as f:
            json.dump(CANARY, f, indent=2)
        out = os.path.join(tmp, "validation.sarif")
        p = subprocess.run(
            [tool, "validate", "--rule-kind", "Sarif;Gh", "-o", out, *files, canary],
            capture_output=True, text=True, cwd=tmp,
            env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1"),
        )
        sang = False
        for line in p.stdout.splitlines():
            if not re.search(r"\): (error|warning) [A-Z]+[0-9]+:", line):
                continue
            if line.startswith(canary):
                sang = sang or "GH2012" in line
            else:
                problems.append(line)
        if p.returncode != 0 or not os.path.exists(out):
            problems.append(f"multitool failed (exit {p.returncode}): {p.stdout.strip()[-500:]} {p.stderr.strip()[-500:]}")
        elif not sang:
            problems.append("multitool analyzed nothing (its canary's error was not reported): "
                            + p.stdout.strip()[-300:])
    return problems


def schema_check(tool, files):
    from jsonschema import Draft202012Validator

    schema_path = os.path.join(os.path.dirname(tool), "sarif-2.1.0.json")
    with open(schema_path) as f:
        schema = json.load(f)
    validator = Draft202012Validator(schema)
    problems = []
    for name in files:
        with open(name, encoding="utf-8") as f:
            doc = json.load(f)
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in e.absolute_path)
            problems.append(f"{name}: schema: {where}: {e.message[:300]}")
    return problems


def validate(tool, files):
    problems = schema_check(tool, files)
    # Only files the schema accepts go to the multitool: see the top.
    bad = {p.split(": schema: ")[0] for p in problems}
    rest = [f for f in files if f not in bad]
    if rest:
        problems += multitool(tool, rest)
    return problems


def self_test(tool):
    # A valid log, and one broken copy per way of breaking it: each must fail.
    good = {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "t", "version": "1.0", "informationUri": "https://example.org/", "rules": [{
                "id": "r/one", "name": "One", "shortDescription": {"text": "One."},
                "fullDescription": {"text": "One rule."}, "help": {"text": "Help."},
                "helpUri": "https://example.org/r"}]}},
            "invocations": [{"executionSuccessful": True, "exitCode": 0}],
            "results": [{"ruleId": "r/one", "ruleIndex": 0, "level": "error", "message": {"text": "m"},
                         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.c"},
                                                             "region": {"startLine": 3}}}]}],
        }],
    }
    breakers = {
        "bad level": lambda d: d["runs"][0]["results"][0].update(level="bogus"),
        "line 0": lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        "no message": lambda d: d["runs"][0]["results"][0].pop("message"),
        "unknown property": lambda d: d["runs"][0].update(foo=1),
        "rule without help": lambda d: d["runs"][0]["tool"]["driver"]["rules"][0].pop("help"),
    }
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"good": os.path.join(tmp, "good.sarif")}
        with open(paths["good"], "w") as f:
            json.dump(good, f, indent=2)
        for what, breaker in breakers.items():
            bad = json.loads(json.dumps(good))
            breaker(bad)
            paths[what] = os.path.join(tmp, what.replace(" ", "_") + ".sarif")
            with open(paths[what], "w") as f:
                json.dump(bad, f, indent=2)
        # One multitool run for all of them (it takes seconds to start).
        problems = validate(tool, list(paths.values()))
        for what, path in paths.items():
            mine = [p for p in problems if p.startswith(path)]
            if what == "good" and mine:
                failures.append("the valid log was rejected: " + "; ".join(mine))
            elif what != "good" and not mine:
                failures.append(f"'{what}' was accepted")
    for f in failures:
        print("validate_sarif self-test:", f, file=sys.stderr)
    print("validate_sarif self-test:", "ok" if not failures else "FAILED")
    return 1 if failures else 0


def main():
    args = sys.argv[1:]
    tool = tool_dir(args)
    if args == ["--self-test"]:
        return self_test(tool)
    if not args:
        sys.exit("usage: validate_sarif.py [--multitool PATH] FILE...")
    problems = validate(tool, args)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"validate_sarif: {len(args)} file(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
