#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Opens aio-audit's HTML reports in headless Chromium and checks them
against the JSON documents of the same runs.

For each report: the DOM as Chromium built it (what --dump-dom prints), its
layout metrics at a 1280 px wide window (the page must not be wider than the
window: no horizontal scrolling), screenshots in light and dark mode, and
the report printed to PDF from dark mode (what --print-to-pdf does), read
back with poppler-utils: pages, headings and verdict names, dark ink on
light paper. Screenshots and PDFs stay next to the report as test artifacts. Chromium is driven over its
DevTools pipe (--remote-debugging-pipe), one browser for every report: the
layout width is a DevTools query (Page.getLayoutMetrics), so nothing is
injected into the page, and the reports themselves carry no script.

usage: chromium_check.py KIND:REPORT.html:DOC.json[:EXTRA] ...
  KIND probe, trace (EXTRA: the --folded file), scan, matrix
"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

WIDTH = 1280
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


# ---- the DOM as a tree of (tag, attrs, children) ----
class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
        self.parts = []  # text and child nodes in document order

    def classes(self):
        return self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, tag=None, cls=None, **attrs):
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes():
                continue
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield n


VOID = {"meta", "link", "br", "hr", "img", "input", "source", "col", "area", "base", "wbr"}


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)

    def handle_data(self, data):
        self.cur.parts.append(data)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent


def parse_dom(html):
    b = TreeBuilder()
    b.feed(html)
    return b.root


# ---- Chromium over the DevTools pipe ----
class Browser:
    def __init__(self, profile):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            print("chromium is not installed: scripts/install-deps.sh test (Debian package chromium)",
                  file=sys.stderr)
            sys.exit(2)
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [exe, "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                "--user-data-dir=" + profile, "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    def wait_event(self, method, session):
        for i, m in enumerate(self.events):
            if m.get("method") == method and m.get("sessionId") == session:
                del self.events[i]
                return m
        while True:
            m = self._read()
            if m.get("method") == method and m.get("sessionId") == session:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", data[16:24])


def render(browser, path):
    """The DOM, the layout metrics and screenshots of one report at WIDTH px."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    s = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    browser.call("Emulation.setDeviceMetricsOverride", s, width=WIDTH, height=900, deviceScaleFactor=1,
                 mobile=False)
    browser.call("Page.enable", s)
    browser.call("Page.navigate", s, url="file://" + os.path.abspath(path))
    browser.wait_event("Page.loadEventFired", s)
    metrics = browser.call("Page.getLayoutMetrics", s)
    root = browser.call("DOM.getDocument", s, depth=0)["root"]["nodeId"]
    dom = browser.call("DOM.getOuterHTML", s, nodeId=root)["outerHTML"]
    content = metrics["cssContentSize"]
    height = min(int(content["height"]) + 1, 12000)
    shots = {}
    for scheme in ("light", "dark"):
        browser.call("Emulation.setEmulatedMedia", s, features=[{"name": "prefers-color-scheme", "value": scheme}])
        shot = browser.call("Page.captureScreenshot", s, format="png", captureBeyondViewport=True,
                            clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1})
        png = base64.b64decode(shot["data"])
        out = os.path.splitext(path)[0] + f"-{scheme}.png"
        with open(out, "wb") as f:
            f.write(png)
        shots[scheme] = png_size(png)
    # Printed as a reader in dark mode would print it: with the browser's
    # default (no background graphics) and with backgrounds on. The report's
    # @media print block has to turn both into dark ink on white paper.
    pdfs = {}
    for background in (False, True):
        pdf = browser.call("Page.printToPDF", s, printBackground=background)
        out = os.path.splitext(path)[0] + ("-print-bg.pdf" if background else "-print.pdf")
        with open(out, "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        pdfs[out] = background
    browser.call("Target.closeTarget", targetId=target)
    return dom, metrics, shots, pdfs


# ---- checks common to every report ----
def check_page(name, raw, dom, metrics, shots):
    content_w = metrics["cssContentSize"]["width"]
    viewport_w = metrics["cssLayoutViewport"]["clientWidth"]
    print(f"{name}: content {content_w:.0f} px wide in a {viewport_w} px window, "
          f"{metrics['cssContentSize']['height']:.0f} px tall")
    if content_w > viewport_w + 0.5:
        fail(f"{name}: the page is {content_w:.0f} px wide in a {viewport_w} px window: horizontal scrolling")
    for scheme, size in shots.items():
        if not size or size[0] != WIDTH:
            fail(f"{name}: the {scheme} screenshot is {size}, not {WIDTH} px wide")
    low = raw.lower()
    if "<script" in low:
        fail(f"{name}: the report contains a script")
    for n in dom.walk():
        for attr in ("src", "href"):
            if attr in n.attrs:
                fail(f"{name}: <{n.tag} {attr}={n.attrs[attr]!r}> would fetch something")
        if n.tag in ("script", "iframe", "object", "embed", "link", "img"):
            fail(f"{name}: unexpected <{n.tag}>")
    if not any(n.tag == "style" for n in dom.walk()):
        fail(f"{name}: no inline style")
    if "prefers-color-scheme:dark" not in low.replace(" ", "") or "@media print" not in low:
        fail(f"{name}: no dark or print styles")
    facts = {dt_text(n): n for n in dom.find("dt")}
    for key in ("host", "kernel", "measured by", "started", "command line"):
        if key not in facts:
            fail(f"{name}: header fact '{key}' missing")


def dt_text(n):
    return text_of(n).strip()


def text_of(n):
    return "".join(p if isinstance(p, str) else text_of(p) for p in n.parts)


def shares_match(name, bar, expected):
    """Segments of a share bar against {label: count or share}."""
    segs = list(bar.find("rect", cls="seg"))
    labels = {r.attrs["data-label"]: r for r in segs}
    if set(labels) != {k for k, v in expected.items() if v}:
        fail(f"{name}: bar segments {sorted(labels)} != {sorted(k for k, v in expected.items() if v)}")
        return
    total_w = sum(float(r.attrs["width"]) for r in segs)
    total = sum(expected.values())
    for label, r in labels.items():
        want = expected[label] / total
        got = float(r.attrs["width"]) / total_w
        if abs(want - got) > 0.002:
            fail(f"{name}: segment {label} is {got:.3f} of the bar, expected {want:.3f}")


def hist_match(name, section, series):
    """Bars of the overlaid histogram against the JSON's slots: one bar per
    non-empty slot, heights proportional to the counts on one scale."""
    figs = list(section.find("figure", cls="hist"))
    nonempty = {k: {i: n for i, n in enumerate(v) if n} for k, v in series.items()}
    if not any(nonempty.values()):
        return
    if len(figs) != 1:
        fail(f"{name}: {len(figs)} histograms, expected 1")
        return
    g = next(figs[0].find("g"))
    plot_h = float(g.attrs["data-plot-height"])
    max_count = max(n for v in nonempty.values() for n in v.values())
    if int(g.attrs["data-max-count"]) != max_count:
        fail(f"{name}: histogram scale {g.attrs['data-max-count']} != largest slot {max_count}")
    for label, want in nonempty.items():
        bars = {int(r.attrs["data-slot"]): r for r in figs[0].find("rect", cls="bar")
                if r.attrs.get("data-series") == label}
        got = {i: int(r.attrs["data-count"]) for i, r in bars.items()}
        if got != want:
            fail(f"{name}: {label} histogram slots {got} != JSON {want}")
            continue
        for i, r in bars.items():
            h = float(r.attrs["height"])
            if abs(h - plot_h * want[i] / max_count) > 0.01:
                fail(f"{name}: {label} slot {i} is {h} high, expected {plot_h * want[i] / max_count:.3f}")


# ---- on paper ----
def pdf_pages(path):
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def squeeze(text):
    """Without white space or hyphens: a PDF breaks lines where the page did,
    and pdftotext joins a word broken after a hyphen ("thread-async")."""
    return "".join(text.split()).replace("-", "")


def pdf_ink(path):
    """Shares of light (paper) and dark (ink) pixels of page 1, in grey."""
    with tempfile.TemporaryDirectory(prefix="aio-audit-pdf-") as d:
        subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", path,
                        os.path.join(d, "p")], check=True)
        with open(os.path.join(d, "p.pgm"), "rb") as f:
            data = f.read()
    # P5 header: magic, width, height, maxval, each followed by white space.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pixels = data[pos + 1:]
    w, h, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    pixels = pixels[:w * h]
    light = sum(1 for p in pixels if p >= 0.8 * maxval) / len(pixels)
    dark = sum(1 for p in pixels if p <= 0.4 * maxval) / len(pixels)
    return light, dark


def check_print(name, pdfs, texts):
    """Pages exist, every heading and verdict name is in the text, and the
    first page is dark ink on light paper, also when printed from dark mode."""
    for path, background in pdfs.items():
        what = f"{name} printed ({'with' if background else 'without'} backgrounds)"
        pages = pdf_pages(path)
        if pages < 1:
            fail(f"{what}: {pages} pages")
            continue
        text = squeeze(subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                                      text=True, check=True).stdout)
        missing = [t for t in texts if squeeze(t) not in text]
        if missing:
            fail(f"{what}: not in the PDF's text: {missing[:5]}{' ...' if len(missing) > 5 else ''}")
        light, dark = pdf_ink(path)
        if light < 0.6 or dark < 0.002:
            fail(f"{what}: page 1 is {light:.1%} light and {dark:.2%} dark pixels: not dark ink on light paper")
        print(f"{what}: {pages} pages, {len(texts)} headings and verdict names found, page 1 "
              f"{light:.0%} paper, {dark:.1%} ink")


def print_texts(kind, dom, doc):
    """What a printed report must show: every case, op, scenario, directory
    or finding by its heading, and the name of every verdict it counted."""
    heads = {"probe": [("section", "case", "h3")], "trace": [("section", "op", "h3")],
             "matrix": [("section", "scenario", "h4")], "scan": [("section", "finding", "h3")]}[kind]
    texts = []
    for tag, cls, head in heads:
        for sec in dom.find(tag, cls=cls):
            h = next(sec.find(head), None)
            if h is not None:
                texts.append(text_of(h).strip())
    verdicts = set()
    if kind == "probe":
        for t in doc["targets"]:
            for c in t["cases"]:
                verdicts.update(k for k, v in c["shares"].items() if v)
    elif kind == "trace":
        for op in doc["ops"]:
            verdicts.update(k for k, v in op["shares"].items() if v)
    elif kind == "matrix":
        for fs in doc["matrix"]["file_systems"]:
            for sc in fs["scenarios"]:
                for c in sc["cells"]:
                    verdicts.update(k for k, v in c.get("counts", {}).items() if v)
    elif kind == "scan":
        texts.extend(n.attrs["data-dir"] for n in dom.find("tr") if "data-dir" in n.attrs)
        verdicts.update(f["verdict"] for f in doc["file_operations"])
    if not texts:
        fail(f"{kind}: nothing to look for in the printed report")
    return texts + sorted(verdicts)


# ---- per kind ----
def check_probe(name, dom, doc):
    measured = 0
    for ti, t in enumerate(doc["targets"]):
        for ci, c in enumerate(t["cases"]):
            key = f"{ti}.{ci}"
            sections = list(dom.find("section", cls="case", data_case=key))
            if len(sections) != 1:
                fail(f"{name}: case {key}: {len(sections)} sections")
                continue
            bars = list(sections[0].find("figure", cls="share", data_kind="verdicts"))
            if not c["shares"]:
                if bars:
                    fail(f"{name}: case {key} has no verdicts but a share bar")
                continue
            measured += 1
            if len(bars) != 1:
                fail(f"{name}: case {key}: {len(bars)} verdict bars, expected 1")
                continue
            shares_match(f"{name} case {key}", bars[0], c["shares"])
            hist_match(f"{name} case {key}", sections[0], {
                "submission": c["submit_ns"]["log2_hist"], "completion": c["complete_ns"]["log2_hist"]})
    all_bars = list(dom.find("figure", cls="share", data_kind="verdicts"))
    if len(all_bars) != measured or measured == 0:
        fail(f"{name}: {len(all_bars)} verdict bars for {measured} measured cases")
    print(f"{name}: {measured} cases, one verdict bar and one overlaid histogram each")


def strip_frame(f):
    return f.split("+", 1)[0].split(" ", 1)[0]


def expected_flame(stacks):
    """(depth, name, start, weight) of every frame, as flamegraph.pl lays them out."""
    tree = {}
    for frames, w in stacks:
        node = tree
        for f in frames:
            entry = node.setdefault(f, [0, {}])
            entry[0] += w
            node = entry[1]
    out = []

    def walk(node, depth, start):
        x = start
        for name in sorted(node, key=lambda s: s.encode()):
            w, kids = node[name]
            out.append((depth, name, x, w))
            walk(kids, depth + 1, x)
            x += w
    walk(tree, 0, 0)
    return sorted(out)


def check_trace(name, dom, doc, folded_path):
    folded = []
    with open(folded_path) as f:
        for line in f:
            path, _, value = line.rstrip("\n").rpartition(" ")
            folded.append((path.split(";")[1:], int(value)))  # drop comm
    frames_seen = 0
    for i, op in enumerate(doc["ops"]):
        sec = list(dom.find("section", cls="op", data_op=str(i)))
        if len(sec) != 1:
            fail(f"{name}: op {i}: {len(sec)} sections")
            continue
        sec = sec[0]
        bars = list(sec.find("figure", cls="share", data_kind="verdicts"))
        if len(bars) != 1:
            fail(f"{name}: op {i}: {len(bars)} verdict bars")
        else:
            shares_match(f"{name} op {i}", bars[0], op["shares"])
        ctx = list(sec.find("figure", cls="share", data_kind="contexts"))
        if op["completion_context"] and len(ctx) != 1:
            fail(f"{name}: op {i}: no completion-context bar")
        elif ctx:
            shares_match(f"{name} op {i} contexts", ctx[0], op["completion_context"])
        hist_match(f"{name} op {i}", sec, {"submission": op["submit_ns"]["log2_hist"],
                                           "completion": op["complete_ns"]["log2_hist"]})
        stacks = [([op["op"]] + [strip_frame(f) for f in reversed(s["frames"])], s["offcpu_ns"])
                  for s in doc["stacks"] if s["op"] == op["op"] and s["dev"] == op["dev"] and s["api"] == op["api"]]
        want = expected_flame(stacks)
        figs = list(sec.find("figure", cls="flamegraph"))
        if not stacks:
            if figs:
                fail(f"{name}: op {i} has no stacks but a flame graph")
            continue
        if len(figs) != 1:
            fail(f"{name}: op {i}: {len(figs)} flame graphs")
            continue
        gs = list(figs[0].find("g", cls="fg"))
        got = sorted((int(g.attrs["data-depth"]), g.attrs["data-name"], int(g.attrs["data-start"]),
                      int(g.attrs["data-weight"])) for g in gs)
        if got != want:
            fail(f"{name}: op {i}: flame frames\n  {got}\n  != from the JSON stacks\n  {want}")
        # Widths proportional to off-CPU time, callees within their callers.
        total = sum(w for d, _, _, w in want if d == 0)
        for g in gs:
            r = next(g.find("rect"))
            want_w = 1200 * int(g.attrs["data-weight"]) / total
            if abs(float(r.attrs["width"]) - want_w) > 0.01:
                fail(f"{name}: frame {g.attrs['data-name']} is {r.attrs['width']} wide, expected {want_w:.3f}")
        # Every root-to-leaf path of the folded file, and no other.
        leaf_paths = {tuple(f) for f, _ in folded if f and f[0] == op["op"]}
        frame_paths = {tuple(f) for f, _ in stacks}
        if leaf_paths != frame_paths:
            fail(f"{name}: op {i}: folded stacks {sorted(leaf_paths)} != drawn {sorted(frame_paths)}")
        frames_seen += len(gs)
    print(f"{name}: {len(doc['ops'])} ops, {frames_seen} flame frames match the stacks")


def subsystem_dir(path):
    while path.startswith("./"):
        path = path[2:]
    parts = path.split("/")[:-1]
    return "/".join(parts[:3]) or "."


def check_scan(name, dom, doc):
    per_dir = {}
    for f in doc["file_operations"]:
        d = per_dir.setdefault(subsystem_dir(f["file"]), {})
        d[f["verdict"]] = d.get(f["verdict"], 0) + 1
    rows = {n.attrs["data-dir"]: n for n in dom.find("tr") if "data-dir" in n.attrs}
    if set(rows) != set(per_dir):
        fail(f"{name}: directories {sorted(rows)} != {sorted(per_dir)}")
    for d, counts in per_dir.items():
        if d not in rows:
            continue
        bars = list(rows[d].find("figure", cls="share"))
        if len(bars) != 1:
            fail(f"{name}: directory {d}: {len(bars)} bars")
            continue
        shares_match(f"{name} {d}", bars[0], counts)
    findings = list(dom.find("section", cls="finding"))
    if not findings:
        fail(f"{name}: no findings drawn")
    with_evidence = {f"{f['file']}:{f['line']}" for f in doc["file_operations"]
                     if any(h.get("evidence") for h in f["handlers"])}
    for s in findings:
        if s.attrs.get("data-at") in with_evidence and not list(s.find("li")):
            fail(f"{name}: finding {s.attrs.get('data-fops')} has evidence in the JSON but none drawn")
    print(f"{name}: {len(per_dir)} directories, {len(findings)} findings with evidence")


def check_matrix(name, dom, doc):
    cells = 0
    for fi, fs in enumerate(doc["matrix"]["file_systems"]):
        for si, sc in enumerate(fs["scenarios"]):
            for c in sc["cells"]:
                counts = {k: v for k, v in c.get("counts", {}).items() if v}
                if not counts or c.get("skipped"):
                    continue
                cells += 1
                bars = list(dom.find("figure", cls="share", data_cell=f"{fi}.{si}.{c['engine']}"))
                if len(bars) != 1:
                    fail(f"{name}: cell {fi}.{si}.{c['engine']}: {len(bars)} bars")
                    continue
                shares_match(f"{name} cell {fi}.{si}.{c['engine']}", bars[0], counts)
                key = f"{fi}.{si}.{c['engine']}"
                if "submit_ns" not in c or "complete_ns" not in c:
                    fail(f"{name}: cell {key}: no latencies in the JSON")
                    continue
                if c["completed"] and not (any(c["submit_ns"]["log2_hist"]) and any(c["complete_ns"]["log2_hist"])):
                    fail(f"{name}: cell {key}: {c['completed']} requests completed but no latency histogram")
                boxes = list(dom.find("div", cls="cell", data_cell=key))
                if len(boxes) != 1:
                    fail(f"{name}: cell {key}: {len(boxes)} latency boxes")
                    continue
                hist_match(f"{name} cell {key}", boxes[0], {
                    "submission": c["submit_ns"]["log2_hist"], "completion": c["complete_ns"]["log2_hist"]})
    if cells == 0:
        fail(f"{name}: no measured cell to check")
    print(f"{name}: {cells} cells, one verdict bar and one overlaid histogram each")


def main():
    jobs = [a.split(":") for a in sys.argv[1:]]
    if not jobs:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="aio-audit-chromium-") as profile:
        browser = Browser(profile)
        try:
            for kind, html_path, json_path, *extra in jobs:
                with open(html_path, encoding="utf-8") as f:
                    raw = f.read()
                with open(json_path) as f:
                    doc = json.load(f)
                dom_html, metrics, shots, pdfs = render(browser, html_path)
                dom = parse_dom(dom_html)
                name = os.path.basename(html_path)
                check_page(name, raw, dom, metrics, shots)
                check_print(name, pdfs, print_texts(kind, dom, doc))
                {"probe": lambda: check_probe(name, dom, doc),
                 "trace": lambda: check_trace(name, dom, doc, extra[0]),
                 "scan": lambda: check_scan(name, dom, doc),
                 "matrix": lambda: check_matrix(name, dom, doc)}[kind]()
        finally:
            browser.close()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
