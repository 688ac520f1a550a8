#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Validates SARIF files against a model of SARIF 2.1.0 that this project did
# not write: the object model in Debian's python3-sarif-python-om (sarif_om),
# which Microsoft generated from the SARIF 2.1.0 JSON schema (jschema_to_python;
# the schema itself is in no Debian 12 package, and nothing may be downloaded).
# Each sarif_om class is one schema object; its attrs fields carry the JSON
# property names (metadata "schema_property_name"), and a field without a
# default is a property the schema requires. The walk from sarif_om.SarifLog
# rejects any property the schema does not define and any missing required
# one. sarif_om leaves its fields untyped, so which class a nested object has
# comes from TYPES below (read from the SARIF 2.1.0 specification); an object
# or array under a property TYPES does not know is an error, never skipped.
#
# On top of the object model: the enums and value ranges the specification
# fixes, for the properties we emit, and GitHub code scanning's documented
# ingestion requirements and upload limits (the GitHub pages are named where
# they are checked).
#
# Microsoft's SARIF multitool (GitHub's own ingestion validator) is not in
# Debian, so it is not run here; see docs/ci.md.
#
#   validate_sarif.py FILE...      exit 0 valid, 1 invalid, 2 sarif_om missing
#   validate_sarif.py --self-test  proves the checks reject broken logs
import copy
import gzip
import json
import os
import re
import sys
import tempfile

try:
    import attr
    import sarif_om
except ImportError as e:
    print(f"validate_sarif: {e}: apt-get install python3-sarif-python-om "
          "(or scripts/install-deps.sh test)", file=sys.stderr)
    sys.exit(2)

# Which class (a sarif_om class name) the value of a property has, where it
# is an object, an array of objects ([Class]) or a map of objects ({Class}):
# SARIF 2.1.0 (OASIS standard, errata 01), §3.13 sarifLog to §3.38
# threadFlowLocation. Strings and arrays of strings are "str" / ["str"].
# Only what aio-audit writes, plus the property bag every object may carry
# (§3.8): an unknown entry fails the walk, so this cannot hide anything.
TYPES = {
    ("SarifLog", "runs"): ["Run"],                                # §3.13.4
    ("Run", "tool"): "Tool",                                      # §3.14.6
    ("Run", "invocations"): ["Invocation"],                       # §3.14.11
    ("Run", "originalUriBaseIds"): {"ArtifactLocation"},          # §3.14.14
    ("Run", "results"): ["Result"],                               # §3.14.23
    ("Tool", "driver"): "ToolComponent",                          # §3.18.2
    ("ToolComponent", "rules"): ["ReportingDescriptor"],          # §3.19.23
    ("ReportingDescriptor", "shortDescription"): "MultiformatMessageString",  # §3.49.9
    ("ReportingDescriptor", "fullDescription"): "MultiformatMessageString",   # §3.49.10
    ("ReportingDescriptor", "help"): "MultiformatMessageString",              # §3.49.13
    ("ReportingDescriptor", "defaultConfiguration"): "ReportingConfiguration",  # §3.49.14
    ("ArtifactLocation", "description"): "Message",               # §3.4.6
    ("Invocation", "arguments"): ["str"],                         # §3.20.3
    ("Invocation", "toolExecutionNotifications"): ["Notification"],  # §3.20.21
    ("Notification", "message"): "Message",                       # §3.58.5
    ("Message", "arguments"): ["str"],                            # §3.11.11
    ("Result", "message"): "Message",                             # §3.27.11
    ("Result", "locations"): ["Location"],                        # §3.27.12
    ("Result", "partialFingerprints"): {"str"},                   # §3.27.17
    ("Result", "relatedLocations"): ["Location"],                 # §3.27.22
    ("Result", "codeFlows"): ["CodeFlow"],                        # §3.27.18
    ("Location", "physicalLocation"): "PhysicalLocation",         # §3.28.3
    ("Location", "logicalLocations"): ["LogicalLocation"],        # §3.28.4
    ("Location", "message"): "Message",                           # §3.28.5
    ("PhysicalLocation", "artifactLocation"): "ArtifactLocation",  # §3.29.3
    ("PhysicalLocation", "region"): "Region",                     # §3.29.4
    ("Region", "snippet"): "ArtifactContent",                     # §3.30.13
    ("CodeFlow", "message"): "Message",                           # §3.36.2
    ("CodeFlow", "threadFlows"): ["ThreadFlow"],                  # §3.36.3
    ("ThreadFlow", "locations"): ["ThreadFlowLocation"],          # §3.37.6
    ("ThreadFlowLocation", "location"): "Location",               # §3.38.3
    ("PropertyBag", "tags"): ["str"],                             # §3.8.2
}

# The values the specification fixes (not the ones it merely suggests).
LEVELS = {"none", "note", "warning", "error"}  # §3.27.10, §3.58.6, §3.50.3
ENUMS = {
    ("Result", "level"): LEVELS,
    ("Result", "kind"): {"notApplicable", "pass", "fail", "review", "open", "informational"},  # §3.27.9
    ("Result", "baselineState"): {"new", "unchanged", "updated", "absent"},  # §3.27.24
    ("Notification", "level"): LEVELS,
    ("ReportingConfiguration", "level"): LEVELS,
}

# GitHub docs, "SARIF results exceed one or more limits" (hard limits: a file
# over any of them is rejected) and "SARIF file is too large" (10 MB after
# gzip).
MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_EXTENSIONS = 100
MAX_THREAD_FLOW_LOCATIONS = 10_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024

# RFC 3986 URI-reference characters (unreserved, reserved, '%'); a '%' must
# start a two-digit hex escape.
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def fields_of(class_name):
    cls = getattr(sarif_om, class_name)
    return {f.metadata["schema_property_name"]: f for f in attr.fields(cls)}


class Walker:
    def __init__(self, name):
        self.name = name
        self.problems = []

    def bad(self, where, what):
        self.problems.append(f"{self.name}: {where or '/'}: {what}")

    # -- the object model ------------------------------------------------
    def value(self, where, cls, prop, v):
        kind = TYPES.get((cls, prop))
        if prop == "properties":
            kind = "PropertyBag"  # §3.8: any object may carry one
        if kind is None:
            if isinstance(v, (dict, list)):
                self.bad(where, f"{cls}.{prop}: no type known for this object/array "
                                "(add it to TYPES from the SARIF spec)")
            return
        if isinstance(kind, list):
            if not isinstance(v, list):
                return self.bad(where, f"{cls}.{prop}: expected an array")
            for i, item in enumerate(v):
                self.item(f"{where}/{i}", kind[0], item)
        elif isinstance(kind, set):
            if not isinstance(v, dict):
                return self.bad(where, f"{cls}.{prop}: expected an object (a map)")
            for k, item in v.items():
                self.item(f"{where}/{k}", next(iter(kind)), item)
        else:
            self.item(where, kind, v)

    def item(self, where, kind, v):
        if kind == "str":
            if not isinstance(v, str):
                self.bad(where, "expected a string")
        else:
            self.obj(where, kind, v)

    def obj(self, where, cls, o):
        if not isinstance(o, dict):
            return self.bad(where, f"expected a {cls} object")
        fields = fields_of(cls)
        if cls != "PropertyBag":  # a bag takes any property (§3.8.1)
            for k in o:
                if k not in fields:
                    self.bad(where, f"{cls}: property '{k}' is not in SARIF 2.1.0")
        for k, f in fields.items():
            if f.default is attr.NOTHING and k not in o:
                self.bad(where, f"{cls}: required property '{k}' is missing")
        for k, v in o.items():
            if k in fields:  # a bag's own properties are free JSON
                self.value(f"{where}/{k}", cls, k, v)
            allowed = ENUMS.get((cls, k))
            if allowed and v not in allowed:
                self.bad(f"{where}/{k}", f"{cls}.{k}: {v!r} is not one of {sorted(allowed)}")
        getattr(self, "check_" + cls, lambda w, o: None)(where, o)

    # -- rules of the specification the model cannot express ---------------
    def check_SarifLog(self, where, o):
        if o.get("version") != "2.1.0":  # §3.13.2
            self.bad(where, f"version {o.get('version')!r} is not \"2.1.0\"")
        # GitHub, "SARIF support for code scanning": $schema, runs[].results
        # and tool.driver.rules are required there, optional in the spec.
        if not isinstance(o.get("$schema"), str):
            self.bad(where, "no $schema (code scanning requires it)")
        # GitHub, "SARIF results exceed one or more limits".
        if len(o.get("runs") or []) > MAX_RUNS:
            self.bad(where, f"more than {MAX_RUNS} runs")

    def check_Run(self, where, o):
        driver = (o.get("tool") or {}).get("driver") or {}
        rules = driver.get("rules") or []
        for what, v in (("results", o.get("results")), ("tool.driver.rules", driver.get("rules"))):
            if not isinstance(v, list):
                self.bad(where, f"no {what} array (code scanning requires it)")
        if len(o.get("results") or []) > MAX_RESULTS:
            self.bad(where, f"more than {MAX_RESULTS} results")
        if len(rules) > MAX_RULES:
            self.bad(where, f"more than {MAX_RULES} rules")
        if len((o.get("tool") or {}).get("extensions") or []) > MAX_EXTENSIONS:
            self.bad(where, f"more than {MAX_EXTENSIONS} tool extensions")
        ids = [r.get("id") for r in rules if isinstance(r, dict)]
        if len(ids) != len(set(ids)):
            self.bad(where, "two rules share an id")
        # GitHub, "SARIF support for code scanning" (results: ruleId).
        # §3.27.5-7: ruleIndex, when present, points at that rule.
        for i, r in enumerate(o.get("results") or []):
            if not isinstance(r, dict):
                continue
            at = f"{where}/results/{i}"
            if not isinstance(r.get("ruleId"), str) or not r["ruleId"]:
                self.bad(at, "result without ruleId (code scanning requires it)")
            idx = r.get("ruleIndex", -1)
            if idx != -1:
                if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(ids):
                    self.bad(at, f"ruleIndex {idx!r} is not an index into tool.driver.rules")
                elif ids[idx] != r.get("ruleId"):
                    self.bad(at, f"ruleIndex {idx} is rule {ids[idx]!r}, not ruleId {r.get('ruleId')!r}")

    def check_ReportingDescriptor(self, where, o):
        # GitHub, "SARIF support for code scanning" (reportingDescriptor):
        # shortDescription, fullDescription and help are what the alert shows.
        for k in ("shortDescription", "fullDescription", "help"):
            if not isinstance(o.get(k), dict):
                self.bad(where, f"rule {o.get('id')!r} has no {k} (code scanning requires it)")
        tags = (o.get("properties") or {}).get("tags") or []
        if len(tags) > MAX_TAGS:
            self.bad(where, f"more than {MAX_TAGS} tags")

    def check_PropertyBag(self, where, o):
        tags = o.get("tags")
        if isinstance(tags, list) and len(tags) != len(set(map(str, tags))):  # §3.8.2: unique
            self.bad(where, "tags are not unique")

    def check_Message(self, where, o):
        if "text" not in o and "id" not in o:  # §3.11.1 (and GitHub wants text)
            self.bad(where, "message without text")

    def check_Result(self, where, o):
        # GitHub, "SARIF support for code scanning": a result is shown only
        # with a location carrying artifactLocation.uri and region.startLine;
        # "SARIF results exceed one or more limits" for the counts.
        locs = o.get("locations")
        if not isinstance(locs, list) or not locs:
            self.bad(where, "result without locations (code scanning requires one)")
        else:
            for i, loc in enumerate(locs):
                phys = loc.get("physicalLocation") if isinstance(loc, dict) else None
                if not isinstance(phys, dict) or "uri" not in (phys.get("artifactLocation") or {}):
                    self.bad(f"{where}/locations/{i}", "no physicalLocation.artifactLocation.uri")
                elif "startLine" not in (phys.get("region") or {}):
                    self.bad(f"{where}/locations/{i}", "no physicalLocation.region.startLine")
        for k in ("locations", "relatedLocations"):
            if len(o.get(k) or []) > MAX_LOCATIONS:
                self.bad(where, f"more than {MAX_LOCATIONS} {k}")
        steps = sum(len(tf.get("locations") or [])
                    for cf in o.get("codeFlows") or [] if isinstance(cf, dict)
                    for tf in cf.get("threadFlows") or [] if isinstance(tf, dict))
        if steps > MAX_THREAD_FLOW_LOCATIONS:
            self.bad(where, f"more than {MAX_THREAD_FLOW_LOCATIONS} thread flow locations")
        ids = [l.get("id") for l in o.get("relatedLocations") or [] if isinstance(l, dict) and "id" in l]
        if len(ids) != len(set(ids)):  # §3.28.2: unique within the result
            self.bad(where, "relatedLocations ids are not unique")
        fps = o.get("partialFingerprints")
        if not isinstance(fps, dict) or not fps:
            self.bad(where, "result without partialFingerprints (alerts would not track across runs)")

    def check_Location(self, where, o):
        if "id" in o and not self.int_at_least(o["id"], 0):  # §3.28.2
            self.bad(where, f"location id {o['id']!r} is not a non-negative integer")

    def check_Region(self, where, o):
        # §3.30.5-8: lines and columns count from 1. GitHub requires startLine.
        for k in ("startLine", "startColumn", "endLine", "endColumn"):
            if k in o and not self.int_at_least(o[k], 1):
                self.bad(f"{where}/{k}", f"{o[k]!r} is not an integer >= 1")
        if self.int_at_least(o.get("endLine"), 1) and self.int_at_least(o.get("startLine"), 1) \
                and o["endLine"] < o["startLine"]:
            self.bad(where, "endLine before startLine")

    def check_ThreadFlowLocation(self, where, o):
        if "nestingLevel" in o and not self.int_at_least(o["nestingLevel"], 0):  # §3.38.10
            self.bad(where, f"nestingLevel {o['nestingLevel']!r} is not a non-negative integer")

    def check_Invocation(self, where, o):
        if not isinstance(o.get("executionSuccessful"), bool):  # §3.20.14
            self.bad(where, "executionSuccessful is not a boolean")
        if "exitCode" in o and not self.int_at_least(o["exitCode"], -(2**63)):  # §3.20.16
            self.bad(where, "exitCode is not an integer")

    def check_ArtifactLocation(self, where, o):
        uri = o.get("uri")
        if uri is None:
            return
        if not isinstance(uri, str) or not URI_CHARS.match(uri) or BAD_ESCAPE.search(uri):
            return self.bad(where, f"uri {uri!r} is not a valid URI reference (RFC 3986)")
        absolute = bool(SCHEME.match(uri))
        # §3.4.4: uriBaseId only with a relative reference. GitHub, "SARIF
        # support for code scanning" ("Specifying the root for source
        # files"): relative paths are read from the repository root; an
        # absolute URI is made relative to the checkout, which is a file:
        # URI, so any other scheme cannot match a file of the repository. A
        # bare "/path" is neither a repository path nor a file: URI.
        if absolute and "uriBaseId" in o:
            self.bad(where, f"absolute uri {uri!r} with a uriBaseId")
        elif absolute and not uri.lower().startswith("file:"):
            self.bad(where, f"uri {uri!r} is absolute and not a file: URI")
        elif not absolute and uri.startswith("/"):
            self.bad(where, f"uri {uri!r} is an absolute path, not relative to the repository root")

    @staticmethod
    def int_at_least(v, low):
        return isinstance(v, int) and not isinstance(v, bool) and v >= low


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate JSON keys {sorted(dup)}")
    return dict(pairs)


def no_constant(name):
    raise ValueError(f"{name} is not JSON")


def validate_file(path):
    w = Walker(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return [f"{path}: not a readable UTF-8 JSON document: {e}"]
    if len(gzip.compress(raw)) > MAX_GZIP_BYTES:
        w.bad("", "larger than 10 MB after gzip (GitHub rejects it)")
    w.obj("", "SarifLog", doc)
    return w.problems


def self_test():
    # A valid log in the shape aio-audit writes, and one broken copy per way
    # of breaking it: each must be rejected, the valid one accepted.
    good = {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "t", "version": "1.0", "informationUri": "https://example.org/", "rules": [{
                "id": "r/one", "name": "One", "shortDescription": {"text": "One."},
                "fullDescription": {"text": "One rule."}, "help": {"text": "Help.", "markdown": "**Help.**"},
                "helpUri": "https://example.org/r", "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["aio", "contract"]}}]}},
            "invocations": [{"executionSuccessful": True, "exitCode": 1, "arguments": ["t", "x"],
                             "toolExecutionNotifications": [{"level": "warning", "message": {"text": "w"}}]}],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the tree"}}},
            "results": [{
                "ruleId": "r/one", "ruleIndex": 0, "level": "error", "message": {"text": "m"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "drivers/f%C3%A9.c",
                                                                         "uriBaseId": "%SRCROOT%"},
                                                    "region": {"startLine": 3, "snippet": {"text": "x"}}},
                               "logicalLocations": [{"name": "fops", "kind": "variable"}]}],
                "partialFingerprints": {"aioAudit/v1": "0123"},
                "relatedLocations": [{"id": 1, "message": {"text": "step"},
                                      "physicalLocation": {"artifactLocation": {"uri": "a.c"},
                                                           "region": {"startLine": 4}}}],
                "codeFlows": [{"message": {"text": "read_iter"}, "threadFlows": [{"locations": [
                    {"nestingLevel": 0, "location": {"message": {"text": "s"}, "physicalLocation": {
                        "artifactLocation": {"uri": "file:///abs/a.c"}, "region": {"startLine": 5}}}}]}]}],
                "properties": {"fops": "f", "handlers": ["read_iter"]},
            }],
        }],
    }

    def result(d):
        return d["runs"][0]["results"][0]

    def region(d):
        return result(d)["locations"][0]["physicalLocation"]["region"]

    def artifact(d):
        return result(d)["locations"][0]["physicalLocation"]["artifactLocation"]

    breakers = {
        "unknown property": lambda d: d["runs"][0].update(foo=1),
        "unknown nested property": lambda d: region(d).update(startLne=3),
        "missing required (result.message)": lambda d: result(d).pop("message"),
        "missing required (toolComponent.name)": lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
        "missing required (multiformatMessageString.text)":
            lambda d: d["runs"][0]["tool"]["driver"]["rules"][0]["help"].pop("text"),
        "bad level": lambda d: result(d).update(level="bogus"),
        "bad kind": lambda d: result(d).update(kind="failure"),
        "bad notification level":
            lambda d: d["runs"][0]["invocations"][0]["toolExecutionNotifications"][0].update(level="warn"),
        "absolute uri (https)": lambda d: artifact(d).update(uri="https://example.org/a.c") or artifact(d).pop(
            "uriBaseId"),
        "absolute path uri": lambda d: artifact(d).update(uri="/abs/a.c"),
        "absolute uri with uriBaseId": lambda d: artifact(d).update(uri="file:///abs/a.c"),
        "uri with a space": lambda d: artifact(d).update(uri="drivers/my demo.c"),
        "startLine 0": lambda d: region(d).update(startLine=0),
        "no startLine": lambda d: region(d).pop("startLine"),
        "no ruleId": lambda d: result(d).pop("ruleId"),
        "ruleIndex of another rule": lambda d: result(d).update(ruleId="r/two"),
        "no locations": lambda d: result(d).pop("locations"),
        "rule without help": lambda d: d["runs"][0]["tool"]["driver"]["rules"][0].pop("help"),
        "version 2.0.0": lambda d: d.update(version="2.0.0"),
        "no $schema": lambda d: d.pop("$schema"),
        "no results array": lambda d: d["runs"][0].pop("results"),
        "object under an untyped property": lambda d: d["runs"][0]["tool"]["driver"].update(product={"a": 1}),
        "string where an object belongs": lambda d: result(d).update(message="m"),
        "too many tags": lambda d: d["runs"][0]["tool"]["driver"]["rules"][0]["properties"].update(
            tags=[str(i) for i in range(MAX_TAGS + 1)]),
        "too many locations": lambda d: result(d).update(locations=result(d)["locations"] * (MAX_LOCATIONS + 1)),
        "negative nestingLevel":
            lambda d: result(d)["codeFlows"][0]["threadFlows"][0]["locations"][0].update(nestingLevel=-1),
    }
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, doc, text=None):
            path = os.path.join(tmp, re.sub(r"[^A-Za-z0-9]+", "_", name) + ".sarif")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text if text is not None else json.dumps(doc, indent=2))
            return path

        problems = validate_file(write("good", good))
        if problems:
            failures.append("the valid log was rejected: " + "; ".join(problems))
        for what, breaker in breakers.items():
            bad = copy.deepcopy(good)
            breaker(bad)
            found = validate_file(write(what, bad))
            if not found:
                failures.append(f"'{what}' was accepted")
            else:
                print(f"rejected {what}: {found[0].split(': ', 1)[1]}")
        dup = json.dumps(good).replace('"version": "2.1.0"', '"version": "2.1.0", "version": "2.1.0"', 1)
        if not validate_file(write("duplicate key", None, dup)):
            failures.append("'duplicate key' was accepted")
    for f in failures:
        print("validate_sarif self-test:", f, file=sys.stderr)
    print(f"validate_sarif self-test: {len(breakers) + 1} broken logs, 1 valid:",
          "ok" if not failures else "FAILED")
    return 1 if failures else 0


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        return self_test()
    if not args or any(a.startswith("-") for a in args):
        print("usage: validate_sarif.py FILE... | --self-test", file=sys.stderr)
        return 2
    problems = [p for name in args for p in validate_file(name)]
    for p in problems:
        print(p, file=sys.stderr)
    print(f"validate_sarif: {len(args)} file(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
