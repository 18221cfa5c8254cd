#!/usr/bin/env python3
"""Counts per-test-case results of `bazel test` invocations.

Used by scripts/test.sh. Reads the Build Event Protocol JSON file written by
`bazel test --build_event_json_file=FILE`, so only the tests of that invocation
are counted (cached results included, stale test.xml files from other runs
ignored). For each test run it parses the test.xml Bazel reports: gtest writes
one <testcase> per TEST(); other tests (sh_test, plain cc_test) get a
Bazel-generated XML with a single <testcase>. A test that failed, timed out
or did not build without a failing <testcase> to show for it counts as one
failed case.

Usage: count_tests.py BEP_JSON_FILE...
With several files (one per invocation, e.g. plain, ASan, TSan), the counts
are added up. Prints failed and skipped cases, then, as its last line,
"N passed, N failed" (with ", N skipped" when GTEST_SKIP() skipped any).
Exit status: 0 if nothing failed, 1 otherwise.
"""

import json
import sys
import urllib.parse
import xml.etree.ElementTree as ET

PASSING_STATUSES = {"PASSED", "FLAKY"}


def uri_to_path(uri):
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme not in ("", "file"):
        return None
    return urllib.parse.unquote(parsed.path)


def count_xml(path):
    """Returns (passed, failed, skipped, failed_case_names, skipped_case_names)
    or None if unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    passed, failed, skipped, names, skipped_names = 0, 0, 0, [], []
    for case in root.iter("testcase"):
        cls = case.get("classname")
        name = f"{cls}.{case.get('name')}" if cls else case.get("name")
        if case.get("status") == "notrun" or case.get("result") == "suppressed":
            continue  # DISABLED_ cases: not run, not counted.
        marker = case.find("skipped")
        if case.get("result") == "skipped" or marker is not None:
            # GTEST_SKIP(): shown and counted, with its reason.
            reason = marker.get("message", "") if marker is not None else ""
            skipped += 1
            lines = [line for line in reason.splitlines() if line.strip()]
            skipped_names.append(f"{name}: {lines[-1].strip()}" if lines else name)
        elif case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            names.append(name)
        else:
            passed += 1
    return passed, failed, skipped, names, skipped_names


def count_invocation(path):
    """Returns (passed, failed, skipped, report lines) for one BEP JSON file."""
    test_targets = set()  # labels of configured test rules
    completed = {}  # label -> bool (built successfully)
    results = {}  # (label, config, run, shard) -> (attempt, status, xml)

    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError:
        lines = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            continue
        eid = ev.get("id", {})
        if "targetConfigured" in eid:
            kind = ev.get("configured", {}).get("targetKind", "")
            if kind.endswith("_test rule") or "testSize" in ev.get("configured", {}):
                test_targets.add(eid["targetConfigured"]["label"])
        elif "targetCompleted" in eid:
            label = eid["targetCompleted"]["label"]
            ok = ev.get("completed", {}).get("success", False) and "aborted" not in ev
            completed[label] = completed.get(label, True) and ok
        elif "testResult" in eid:
            tid = eid["testResult"]
            label = tid["label"]
            key = (label, tid.get("configuration", {}).get("id", ""),
                   tid.get("run", 1), tid.get("shard", 1))
            attempt = tid.get("attempt", 1)
            res = ev.get("testResult", {})
            xml = None
            for out in res.get("testActionOutput", []):
                if out.get("name") == "test.xml":
                    xml = uri_to_path(out.get("uri", ""))
            if key not in results or attempt >= results[key][0]:
                results[key] = (attempt, res.get("status", "NO_STATUS"), xml)

    passed = failed = skipped = 0
    report = []
    labels_with_results = set()
    for (label, _cfg, _run, _shard), (_att, status, xml) in sorted(results.items()):
        labels_with_results.add(label)
        counts = count_xml(xml) if xml else None
        p, fl, sk, names, skipped_names = counts if counts else (0, 0, 0, [], [])
        if status not in PASSING_STATUSES and fl == 0:
            fl = 1  # crashed, timed out, leaked, ... without a failing case
            names = [f"(test binary: {status})"]
        elif status in PASSING_STATUSES and counts is None:
            p = 1  # passed but no readable XML: count the run as one case
        passed += p
        failed += fl
        skipped += sk
        report += [f"FAILED: {label} {n}" for n in names]
        report += [f"SKIPPED: {label} {n}" for n in skipped_names]

    # Test targets that never ran because they did not build (or the build
    # stopped before reaching them). Targets that built but were not run
    # (e.g. --test_tag_filters) are not counted.
    for label in sorted(test_targets - labels_with_results):
        if not completed.get(label, False):
            failed += 1
            report.append(f"FAILED: {label} (did not build / did not run)")

    return passed, failed, skipped, report


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    for path in argv[1:]:
        p, fl, sk, report = count_invocation(path)
        passed += p
        failed += fl
        skipped += sk
        for r in report:
            print(r)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
