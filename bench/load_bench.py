"""L1 load benchmark: 50 people at once on the production server, for minutes, reading and writing.

    make bench                      # or: .venv/bin/python bench/load_bench.py [--users 50 --duration 180]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/load_bench.py

Builds its own site as bench/serve_bench.py does (bench/httpkit.py): a SQLite file in a temporary folder,
or, when DATABASE_URL is postgres://…, the database `kechuang_bench_load` on that server (created here and
dropped at the end; no other name is ever dropped), migrated, the demo loaded (`kechuang demo`), gunicorn
with `kechuang.settings_production` and `kechuang/gunicorn_conf.py` on a free port of 127.0.0.1.

Then --users virtual users (threads with http.client, each its own cookies like one browser), spread over
the demo accounts — 领导 `leader`, 科技局 `kjj`, the four units' reporters `kjjtb` `jxw` `tjj` `hanfeng`,
the enterprise user `qiye` — run, without pausing (or --think seconds between two steps), until
--duration seconds (after a --warmup not counted) or --requests requests. Each signs in as a browser does
(the login page for its CSRF token, then the form), signs out through the page's 退出 form and back in
every --relogin steps, and between takes weighted steps of its role: the home page, the cockpit page and
/api/v1/cockpit, the registry lists (enterprises, their yearly figures and qualifications, projects,
platforms, plans, reporting rounds), a filtered list, an Excel export of a list, an API list, the own
unit's report; and the reporting workflow of the open round, as on its pages:

  each unit's report has one writer (the first user signed in as its reporter) and one reviewer (a 科技局
  user): the writer opens the report and, while it can be filled in (草稿 or 已退回), saves a draft
  (保存草稿) and the next time submits it (提交审核) — the form as the page gives it, every figure, target
  judgement and task note filled in, posted as multipart with its CSRF token; the reviewer, once it is
  submitted, returns it (退回修改, with a comment), or every second time approves it (审核通过) and undoes
  the approval through the workflow's transition view (撤销审核, POST /workflow/progress.report/<id>/reopen/),
  which gives it back to the writer. Each acts only in the states the other cannot leave, so no two users
  ever race the same report: a refusal is a failure of the site, not of the mix.

Every request counts; an answer other than the expected one (200 for a page, 302 for a form that
redirects, and after it the page saying it was done) is an error. Prints, per kind of request, its count,
errors, p50 and p99, then `L1 load users=… duration_s=… requests=… errors=… rps=… p50_ms=… p99_ms=…
db=… workers=…`; exits 1 after listing the errors (status, URL, and the server's log of the first 5xx).
"""

import argparse
import http.client
import itertools
import os
import random
import re
import secrets
import sys
import threading
import time
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from httpkit import PASSWORD, Client, csrf_token, decoded, login, percentile, serve

BENCH_DB = "kechuang_bench_load"
REPORTERS = ("kjjtb", "jxw", "tjj", "hanfeng")
# the order users are given accounts: 50 users → 10 leader, 10 kjj, 5 of each reporter, 10 qiye; the first
# ten already hold every reporter (the writers) and a 科技局 user (the reviewer)
ACCOUNTS = ("kjjtb", "jxw", "tjj", "hanfeng", "kjj", "leader", "qiye", "kjj", "leader", "qiye")
# the time a worker took for a request and the request's id (the X-Request-ID it answered with), as
# kechuang/gunicorn_conf.py writes them to the access log
ACCESS = re.compile(r'" \d{3} \S+ (\d+)ms ".* rid=(\S+)$', re.M)
MODEL = "progress.report"  # the report's model label, as the transition view names it

DISTRICT_LISTS = (
    "/enterprises/",
    "/enterprises/years/",
    "/enterprises/qualifications/",
    "/projects/",
    "/platforms/",
    "/plans/",
    "/progress/rounds/",
)
FILTERED = ("/enterprises/?stage=" + quote("成长期"), "/projects/?status=" + quote("申报"))
EXPORTS = (
    "/tables/enterprises/export.xlsx",
    "/tables/enterprises/export.xlsx?stage=" + quote("成长期"),
    "/tables/projects/export.xlsx",
    "/tables/platforms/export.xlsx",
    "/tables/qualifications/export.xlsx",
    "/tables/enterprise-years/export.xlsx",
)
API_LISTS = (
    "/api/v1/enterprises",
    "/api/v1/projects",
    "/api/v1/platforms",
    "/api/v1/qualifications",
    "/api/v1/enterprise-years",
    "/api/v1/plans",
)
# the steps of each role and their weights; a report's writer and its reviewer take their workflow step
# twice as often (filling the report in, reviewing it, is their work)
WRITER_WEIGHT = 6
MIXES = {
    "leader": {"home": 2, "cockpit": 3, "cockpit_api": 3, "list": 2, "filtered": 1, "export": 1, "api": 1},
    "kjj": {"home": 2, "cockpit": 1, "cockpit_api": 1, "list": 3, "filtered": 2, "export": 1, "api": 1,
            "review": 3},
    "reporter": {"home": 2, "cockpit": 1, "cockpit_api": 1, "list": 2, "filtered": 1, "export": 1, "api": 1,
                 "report": 3},
    "qiye": {"home": 2, "list": 3, "filtered": 1, "export": 1, "api": 1, "submissions": 1},
}  # fmt: skip
QIYE_LISTS = ("/enterprises/", "/enterprises/years/", "/enterprises/qualifications/", "/projects/", "/plans/")


class Failed(Exception):
    """The answer was not the expected one (already recorded): the step is abandoned."""


# --- forms, as a browser reads and sends them ---------------------------------------------------------


class Form:
    def __init__(self, attrs):
        self.attrs = attrs
        self.fields: list[list[str]] = []  # [name, value] in document order, as a browser sends them
        self.files: list[str] = []  # file inputs (sent empty: no file chosen)
        self.buttons: list[tuple[str, str]] = []
        self.options: dict[str, list[str]] = {}  # a select's option values

    def get(self, name):
        return next((value for field, value in self.fields if field == name), None)

    def set(self, name, value):
        for field in self.fields:
            if field[0] == name:
                field[1] = value


class Forms(HTMLParser):
    """Every form of a page: its fields with their current values (the selected option, the textarea's
    text) and its submit buttons."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[Form] = []
        self._form = self._select = self._textarea = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "image"):
                self._form.buttons.append((a["name"], a.get("value", "")))
            elif kind == "file":
                self._form.files.append(a["name"])
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append([a["name"], a.get("value", "on")])
            elif kind not in ("button", "reset"):
                self._form.fields.append([a["name"], a.get("value", "")])
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = {"name": a["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            s, self._select = self._select, None
            chosen = s["selected"] if s["selected"] is not None else (s["options"] or [""])[0]
            self._form.fields.append([s["name"], chosen])
            self._form.options[s["name"]] = s["options"]
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append([self._textarea[0], self._textarea[1].removeprefix("\n")])
            self._textarea = None


def form_with_button(html: str, name: str) -> Form | None:
    return next((f for f in Forms(html).forms if any(b[0] == name for b in f.buttons)), None)


def multipart(fields, files):
    """(body, Content-Type) of a multipart/form-data post, file inputs left empty as a browser sends them."""
    boundary = "----KechuangForm" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        for name in files
    ]
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def fill_report(form: Form, n: int) -> None:
    """Everything a unit reports, as its reporter types it: every figure, a judgement with its reason for
    every target, a note on every task, the narrative."""
    for field in form.fields:
        name, value = field
        prefix = name.split("_", 1)[0]
        if prefix == "numerator":
            field[1] = str(90_000 + n)
        elif prefix == "denominator":
            field[1] = "5670000"
        elif prefix == "value":
            if name in form.options:  # a milestone: not yet reached (reached asks for evidence)
                field[1] = "0"
            else:
                field[1] = str(2000 + n % 100 if "万元" in value else 1 + n % 50)
        elif prefix == "judgement" and not value:
            field[1] = next(v for v in form.options[name] if v)
        elif prefix == "reason" and not value:
            field[1] = "按计划推进，台账数据与统计口径一致。"
        elif prefix == "tasknote":
            field[1] = f"第 {n} 次更新：按计划推进，已完成阶段性工作。"
        elif name == "narrative":
            field[1] = f"本季度各项任务按计划推进（第 {n} 次填写）。"


# --- the run ------------------------------------------------------------------------------------------


class Run:
    """What every user shares: the clock, the counters and every request's outcome."""

    def __init__(self, port, warmup, duration, max_requests, report_of, round_pages):
        self.port = port
        self.report_of = report_of  # reporter → the id of its unit's report in the open round
        self.round_pages = round_pages
        self.measure_from = time.perf_counter() + warmup
        self.deadline = self.measure_from + duration
        self.max_requests = max_requests
        self.counted = itertools.count()
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[tuple] = []
        self.error_kinds: Counter = Counter()
        self.done: Counter = Counter()  # workflow steps completed (counted ones)
        self.crashed: list[str] = []
        self.kind_of: dict[str, str] = {}  # request id → its kind, to read the access log

    def running(self) -> bool:
        now = time.perf_counter()
        if now >= self.deadline:
            self.stopped.set()
        return not self.stopped.is_set()

    def finished(self, action):
        if time.perf_counter() >= self.measure_from:
            with self.lock:
                self.done[action] += 1

    def record(self, kind, request_id, started, elapsed, error=None):
        if started < self.measure_from:
            return False
        if next(self.counted) >= self.max_requests:
            self.stopped.set()
        with self.lock:
            self.latencies[kind].append(elapsed)
            if request_id:
                self.kind_of[request_id] = kind
            if error is not None:
                self.errors.append((kind, *error))
                self.error_kinds[kind] += 1
        return True


class User(threading.Thread):
    def __init__(self, run: Run, number, username, report=None, reviews=(), relogin=20, think=0.0):
        super().__init__(name=f"{username}-{number}", daemon=True)
        self.run_ = run
        self.username = username
        self.role = "reporter" if username in REPORTERS else username
        self.report = report  # the report this user writes (None: reads only)
        self.reviews = list(reviews)  # the reports this user reviews
        self.relogin = relogin
        self.think = think
        self.random = random.Random(number)
        self.client = Client(run.port)
        self.token = None  # the CSRF token of the last page, as a browser's next form post sends it
        self.counts = Counter()  # how often each workflow step was taken, for alternating
        kinds, weights = zip(*MIXES[self.role].items(), strict=True)
        self.kinds, self.weights = list(kinds), list(weights)
        if self.role == "kjj" and not self.reviews:
            self.kinds[self.kinds.index("review")] = "rounds"
        elif self.role == "kjj":
            self.weights[self.kinds.index("review")] = WRITER_WEIGHT
        if self.role == "reporter" and self.report is None:
            self.kinds[self.kinds.index("report")] = "report_view"
        elif self.role == "reporter":
            self.weights[self.kinds.index("report")] = WRITER_WEIGHT

    # one request: timed, checked, recorded
    def call(self, kind, method, path, *, expect=200, body=None, headers=None, check=None):
        started = time.perf_counter()
        sent = dict(headers or {})
        if method == "POST":  # as a browser posts a form
            sent["Origin"] = f"http://127.0.0.1:{self.run_.port}"
        try:
            status, data, answer = self.client.request(method, path, body, sent)
        except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, protocol errors
            self.client.close()
            self.client = Client(self.run_.port, self.client.cookies)
            elapsed = time.perf_counter() - started
            self.run_.record(kind, None, started, elapsed, (None, method, path, repr(exc)))
            raise Failed from exc
        elapsed = time.perf_counter() - started
        text = decoded(data, answer) if "html" in answer.get("Content-Type", "") else ""
        problem = None
        if status != expect:
            problem = f"HTTP {status}" + (f" → {answer['Location']}" if answer.get("Location") else "")
        elif check is not None:
            problem = check(text, answer)
        if text:
            self.token = csrf_token(text.encode()) or self.token
        error = None if problem is None else (status, method, path, problem)
        self.run_.record(kind, answer.get("X-Request-ID"), started, elapsed, error)
        if problem is not None:
            raise Failed(problem)
        return text, answer

    def post(self, kind, path, fields, *, check=None):
        _, answer = self.call(
            kind,
            "POST",
            path,
            expect=302,
            body="&".join(f"{quote(k)}={quote(v)}" for k, v in fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            check=check,
        )
        return urlsplit(answer["Location"]).path or path

    def sign_in(self):
        self.call("login_page", "GET", "/accounts/login/")
        self.post(
            "login",
            "/accounts/login/",
            [("csrfmiddlewaretoken", self.token), ("username", self.username), ("password", PASSWORD)],
            check=lambda _t, a: (
                None if urlsplit(a["Location"]).path == "/" else f"登录后转到 {a['Location']}"
            ),
        )

    def sign_out(self):
        self.post("logout", "/accounts/logout/", [("csrfmiddlewaretoken", self.token)])

    def run(self):
        try:
            self.work()
        except BaseException as exc:  # a fault of this benchmark, not an answer of the site: stop everyone
            self.run_.crashed.append(f"{self.name}: {exc!r}")
            self.run_.stopped.set()
            raise

    def work(self):
        signed_in = False
        for step in itertools.count():
            if not self.run_.running():
                break
            try:
                if not signed_in:
                    self.sign_in()
                    signed_in = True
                elif step % self.relogin == 0:
                    signed_in = False
                    self.sign_out()
                    self.sign_in()
                    signed_in = True
                kind = self.random.choices(self.kinds, self.weights)[0]
                getattr(self, f"step_{kind}")()
            except Failed:
                signed_in = False  # start again from the login page
                self.client.cookies.clear()
            if self.think:
                time.sleep(self.think)
        self.client.close()

    # --- the steps ----------------------------------------------------------------------------------

    def pick(self, paths):
        return self.random.choice(paths)

    def step_home(self):
        self.call("home", "GET", "/")

    def step_cockpit(self):
        self.call("cockpit", "GET", "/progress/cockpit/")

    def step_cockpit_api(self):
        self.call("cockpit_api", "GET", "/api/v1/cockpit")

    def step_list(self):
        self.call("list", "GET", self.pick(QIYE_LISTS if self.role == "qiye" else DISTRICT_LISTS))

    def step_filtered(self):
        self.call("list_filtered", "GET", self.pick(FILTERED))

    def step_export(self):
        self.call(
            "export",
            "GET",
            self.pick(EXPORTS),
            check=lambda _t, a: None if "spreadsheetml" in a.get("Content-Type", "") else "不是 Excel 文件",
        )

    def step_api(self):
        self.call("api_list", "GET", self.pick(API_LISTS))

    def step_submissions(self):
        self.call("list", "GET", "/enterprises/submissions/")

    def step_rounds(self):
        self.call("rounds", "GET", self.pick(self.run_.round_pages))

    def step_report_view(self):
        self.call("report", "GET", f"/progress/reports/{self.run_.report_of[self.username]}/")

    def done_page(self, path, message):
        """The page a form redirected to: it must say the action was done."""

        def said(text, _answer):
            if 'role="alert"' in text or "msg-error" in text:
                found = re.search(r'(?:role="alert"|msg-error)[^>]*>(.{0,300})', text, re.S)
                return f"页面报错：{re.sub(r'<[^>]+>', ' ', found.group(1)).strip() if found else ''}"
            return None if message in text else f"页面没有“{message}”"

        self.call("report", "GET", path, check=said)

    def step_report(self):
        """The writer: save a draft, the next time submit — while the report can be filled in."""
        path = f"/progress/reports/{self.report}/"
        text, _ = self.call("report", "GET", path)
        form = form_with_button(text, "submit")
        if form is None:  # submitted or approved: the reviewer's turn
            return
        n = self.counts["save"] + self.counts["submit"] + 1
        fill_report(form, n)
        action = "submit" if self.counts["save"] > self.counts["submit"] else "save"
        body, content_type = multipart([*form.fields, (action, "")], form.files)
        _, answer = self.call(
            f"report_{action}", "POST", path, expect=302, body=body, headers={"Content-Type": content_type}
        )
        self.counts[action] += 1
        self.done_page(
            urlsplit(answer["Location"]).path,
            "报告已提交，等待审核。" if action == "submit" else "草稿已保存。",
        )
        self.run_.finished(action)

    def step_review(self):
        """The reviewer: return a submitted report, or approve it and undo the approval."""
        report = self.reviews[self.counts["turn"] % len(self.reviews)]
        self.counts["turn"] += 1
        path = f"/progress/reports/{report}/"
        text, _ = self.call("report", "GET", path)
        form = form_with_button(text, "review")
        if form is None:  # not submitted (yet): the writer's turn
            return
        reviewed = self.counts["return"] + self.counts["approve"]
        comment = f"第 {reviewed + 1} 次审核：请补充说明各项任务的完成进度。"
        form.set("comment", comment)
        if reviewed % 2 == 0:
            back = self.post("report_return", path, [*form.fields, ("review", "return")])
            self.counts["return"] += 1
            self.done_page(back, "已退回。")
            self.run_.finished("return")
            return
        back = self.post("report_approve", path, [*form.fields, ("review", "approve")])
        self.counts["approve"] += 1
        self.done_page(back, "已审核通过。")
        self.run_.finished("approve")
        # undone through the one transition view of every workflow, as its 办理 form posts it
        back = self.post(
            "report_reopen",
            f"/workflow/{MODEL}/{report}/reopen/",
            [("csrfmiddlewaretoken", self.token), ("next", path), ("comment", comment)],
        )
        self.done_page(back, "已撤销审核")
        self.run_.finished("reopen")


def discover(port):
    """The open round's pages and each reporter's report in it (their home page's 待填报 list)."""
    report_of = {}
    for username in REPORTERS:
        client = Client(port, login(port, username))
        _, data, headers = client.request("GET", "/")
        found = re.findall(r'href="/progress/reports/(\d+)/"', decoded(data, headers))
        client.close()
        if len(set(found)) != 1:
            raise SystemExit(f"{username} 的首页没有唯一的待填报报告：{found}")
        report_of[username] = int(found[0])
    client = Client(port, login(port, "kjj"))
    _, data, headers = client.request("GET", "/progress/rounds/")
    client.close()
    rounds = sorted({int(pk) for pk in re.findall(r'href="/progress/rounds/(\d+)/"', decoded(data, headers))})
    return report_of, [f"/progress/rounds/{pk}/" for pk in rounds[-2:]]


def server_log(site, limit=6000) -> str:
    """The workers' tracebacks and gunicorn's own complaints (worker timeouts)."""
    text = ""
    for path in (site.stderr_log, site.error_log):
        if path.exists() and path.stat().st_size:
            text += f"--- {path.name}\n{path.read_text(errors='replace')[:limit]}\n"
    return text


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="virtual users at once (default 50)")
    parser.add_argument("--duration", type=float, default=180, help="seconds measured (default 180)")
    parser.add_argument("--requests", type=int, default=1_000_000, help="at most this many requests counted")
    parser.add_argument("--warmup", type=float, default=15, help="seconds before counting (default 15)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a user waits between steps")
    parser.add_argument("--relogin", type=int, default=20, help="sign out and in every N steps (default 20)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite file)")
    args = parser.parse_args()

    with serve("kechuang-load-bench-", BENCH_DB, args.workers, args.keep) as site:
        report_of, round_pages = discover(site.port)
        run = Run(site.port, args.warmup, args.duration, args.requests, report_of, round_pages)
        accounts = [ACCOUNTS[i % len(ACCOUNTS)] for i in range(args.users)]
        reviewers = [i for i, name in enumerate(accounts) if name == "kjj"]
        if not reviewers:
            raise SystemExit("至少需要一个科技局用户审核报告（--users 至少 5）")
        writers = {name: accounts.index(name) for name in REPORTERS if name in accounts}
        reviews = defaultdict(list)
        for j, name in enumerate(writers):
            reviews[reviewers[j % len(reviewers)]].append(report_of[name])
        users = [
            User(
                run,
                i,
                name,
                report=report_of[name] if writers.get(name) == i else None,
                reviews=reviews.get(i, ()),
                relogin=args.relogin,
                think=args.think,
            )
            for i, name in enumerate(accounts)
        ]
        print(
            f"# database {site.vendor} (migrate {site.migrate_s:.0f} s, demo {site.demo_s:.0f} s), gunicorn "
            f"{args.workers} workers on {os.cpu_count()} CPU cores, {args.users} users "
            f"({', '.join(f'{n} {a}' for a, n in Counter(accounts).most_common())}), warm-up {args.warmup:g} s, "
            f"≤ {args.duration:g} s or ≤ {args.requests} requests",
            flush=True,
        )
        access_log = site.workdir / "access.log"
        mark = {}
        timer = threading.Timer(args.warmup, lambda: mark.setdefault("offset", access_log.stat().st_size))
        timer.start()
        for user in users:
            user.start()
        for user in users:
            user.join()
        timer.cancel()
        if run.crashed:
            raise SystemExit(f"负载程序出错：{run.crashed[0]}")
        with open(access_log, "rb") as log:
            log.seek(mark.get("offset", 0))
            served = defaultdict(list)
            for ms, request_id in ACCESS.findall(log.read().decode(errors="replace")):
                served[run.kind_of.get(request_id, "other")].append(int(ms) / 1000)
        in_workers = sorted(x for kind, values in served.items() if kind != "other" for x in values)
        elapsed = max(1e-9, min(time.perf_counter(), run.deadline) - run.measure_from)

        everything = sorted(x for values in run.latencies.values() for x in values)
        n = len(everything)
        # p50/p99 as the users see them; worker_*: the time a worker took (gunicorn's access log, the same
        # window) — the rest is the wait for a free worker
        print(
            f"# {'kind':<15} {'requests':>8} {'errors':>6} {'p50_ms':>8} {'p99_ms':>8} "
            f"{'worker_p50_ms':>13} {'worker_p99_ms':>13}"
        )

        def row(kind, values, errors, worker):
            worker.sort()
            print(
                f"# {kind:<15} {len(values):>8} {errors:>6} {percentile(values, 0.5) * 1000:>8.1f} "
                f"{percentile(values, 0.99) * 1000:>8.1f} {percentile(worker, 0.5) * 1000:>13.1f} "
                f"{percentile(worker, 0.99) * 1000:>13.1f}"
            )

        for kind, values in sorted(run.latencies.items(), key=lambda kv: -len(kv[1])):
            values.sort()
            row(kind, values, run.error_kinds[kind], served[kind])
        row("all", everything, len(run.errors), in_workers)
        sys.stdout.flush()
        print(f"# workflow: {', '.join(f'{k} {v}' for k, v in sorted(run.done.items()))}", flush=True)
        errors = len(run.errors)
        if errors:
            print(f"# errors ({errors}), the first ones:")
            for kind, status, method, path, problem in run.errors[:20]:
                print(f"#   {kind} {method} {path} → {status}: {problem}")
            if any(e[1] is None or e[1] >= 500 for e in run.errors):
                print(server_log(site))
        print(
            f"L1 load users={args.users} duration_s={elapsed:.0f} requests={n} errors={errors} "
            f"rps={n / elapsed:.1f} p50_ms={percentile(everything, 0.5) * 1000:.1f} "
            f"p99_ms={percentile(everything, 0.99) * 1000:.1f} worker_p50_ms={percentile(in_workers, 0.5) * 1000:.1f} "
            f"worker_p99_ms={percentile(in_workers, 0.99) * 1000:.1f} db={site.vendor} workers={args.workers}",
            flush=True,
        )
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
