"""Hypothesis over the query strings of every list, export, the cockpit and every GET API list: whatever a
parameter holds — digits of other scripts, huge integers, dates out of range or malformed, long or hostile
text — the answer is never a server error.

The targets are found, not listed: every named URL without URL parameters (walking the URL resolver, so a
new page is covered once it is routed), every sheet's page and export, and every GET operation of the API
without path parameters (from its OpenAPI schema). Each gets its own declared filter names (a registry's
FilterSet; the API's documented query parameters) plus `page`, `sort` and `as_of`; a page whose filters
are not declared anywhere the test can see gets the names of its own filter form. Each page is read by the
first of the bureau, the system, audit and security administrators it is open to (no 403 hides a failure).
Bounded: a dozen examples per target, about a minute on SQLite (`EXAMPLES`).
"""

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.api.api import api
from kechuang.tabular.registry import all_sheets
from kechuang.testing.samples import named_urls
from kechuang.web.filters import RegistryFilterSet
from kechuang.web.registry import get_registry, registries

pytestmark = pytest.mark.django_db

EXAMPLES = 12
GENERIC = ["page", "sort", "as_of"]
SKIP = {"logout"}  # signs the client out: every later page would be the login redirect


def _filter_names(filterset) -> list[str]:
    return list(filterset.base_filters) if filterset is not None else []


def _declared_filters() -> dict[str, object]:
    """Every filter name declared by a FilterSet of the project → its filter (the first one found)."""
    found, pending = {}, list(RegistryFilterSet.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for name, declared in cls.base_filters.items():
            found.setdefault(name, declared)
    return found


def targets() -> list[tuple[str, str, list[str] | None]]:
    """(id, path, parameter names) of everything fuzzed; None: the names of the page's own filter form."""
    by_list = {r.url_name("list"): r for r in registries()}
    found = []
    for name, (route, _) in sorted(named_urls().items()):
        if "<" in route or name.startswith("api:") or name in SKIP:
            continue
        registry = by_list.get(name)
        names = [*_filter_names(registry.filterset), *GENERIC] if registry is not None else None
        found.append((name, "/" + route, names))
    for sheet in all_sheets():
        names = _filter_names(get_registry(sheet.registry).filterset) if sheet.registry else []
        found.append((f"sheet:{sheet.key}", f"/tables/{sheet.key}/", [*names, *GENERIC]))
        found.append((f"export:{sheet.key}", f"/tables/{sheet.key}/export.xlsx", [*names, *GENERIC]))
    keys = {r.key: r for r in registries()}
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, operations in sorted(schema["paths"].items()):
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        registry = keys.get(path.rsplit("/", 1)[-1])
        if registry is not None:
            names += _filter_names(registry.filterset)
        found.append((f"api:{path}", path, sorted({*names, *GENERIC})))
    return found


_GET_FORM = re.compile(r'<form(?=[^>]*method="get")[^>]*>(.*?)</form>', re.S | re.I)
_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)


def form_names(client, path) -> list[str]:
    """The parameter names of a page's own query forms (its filters), and the generic ones."""
    response = client.get(path)
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    names = {name for form in _GET_FORM.findall(body) for name in _FIELD.findall(form)}
    return sorted(names - {"csrfmiddlewaretoken"} | set(GENERIC))


# --- values -----------------------------------------------------------------------------------------


def _script_digits():
    """Digits that are not ASCII: Arabic-Indic, Devanagari, full-width, superscripts, circled, Chinese."""
    return st.text(
        st.characters(categories=["Nd", "No", "Nl"], exclude_characters=string.digits), min_size=1, max_size=6
    ) | st.sampled_from(["１２", "²", "٣", "一二", "二〇二一", "Ⅻ", "⑤", "1,²,3"])


def _huge_integers():
    return st.integers(min_value=-(2**80), max_value=2**80).map(str) | st.sampled_from(
        [str(2**63), str(2**64), "9" * 40, "-0", "+5", "1e9", "0x10", "1_000", "2^70", " 7 ", "0", "-1"]
    )


EXTREME_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01"]


def _dates():
    extreme = st.sampled_from(EXTREME_DAYS) | st.dates().map(lambda d: d.isoformat())
    malformed = st.builds(
        lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}",
        st.integers(-99_999, 99_999),
        st.integers(-3, 15),
        st.integers(-3, 40),
        st.sampled_from(["-", "/", ".", "", "年"]),
    )
    fixed = st.sampled_from(["2021-02-30", "2021-13-01", "0000-00-00", "2021Q5", "2021-W60", "now", "T"])
    return extreme | extreme | malformed | fixed


def _long_strings():
    return st.sampled_from(["长" * 3000, "a" * 20_000, "1," * 5000, "%" * 2000]) | st.text(
        min_size=300, max_size=2000
    )


def _hostile():
    return st.text(max_size=40) | st.sampled_from(
        ["", " ", ",,,", "<script>alert(1)</script>", "a\x00b", "' OR 1=1 --", "../../etc/passwd", "null"]
    )


ANY = st.one_of(_script_digits(), _huge_integers(), _dates(), _long_strings(), _hostile())
DATES = _dates() | ANY
NUMBERS = _huge_integers() | _script_digits() | ANY
TEXT = _long_strings() | _hostile() | ANY


def value_strategy(name: str, declared: dict):
    """What to try in parameter `name`: mostly what breaks its kind (dates, numbers, text), and anything."""
    kind = type(declared.get(name)).__name__
    if name == "as_of" or kind == "DateFilter":
        return DATES
    if name == "page" or kind in {"NumberFilter", "YearFilter", "ModelChoiceFilter", "IdsFilter"}:
        return NUMBERS
    return TEXT


def queries(names: list[str]):
    declared = _declared_filters()
    values = {name: value_strategy(name, declared) for name in names}
    return st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: values[name] for name in chosen})
    )


TARGETS = targets()


# 三员分立: the bureau's pages, the accounts, the audit and security are different people's
# and the experts' own pages, an enterprise's (posting a 揭榜挂帅 need) and a service institution's (兑付)
READERS = ("kjj", "sysadmin", "shenji", "anquan", "expert", "qiye", "fuwu")


@pytest.fixture
def readers(client_as):
    return [client_as(username) for username in READERS]


def reader_of(readers, path):
    """The first account the page is open to, so no 403 hides a failure."""
    for client in readers:
        if client.get(path).status_code != 403:
            return client
    raise AssertionError(f"{path}：{'、'.join(READERS)} 都无权打开")


def test_every_kind_of_target_is_found(readers):
    ids = {target_id for target_id, _, _ in TARGETS}
    assert {"enterprises:list", "progress:cockpit", "export:enterprises", "api:/api/v1/enterprises"} <= ids
    assert all(f"{r.url_name('list')}" in ids for r in registries())
    assert all(f"export:{sheet.key}" in ids for sheet in all_sheets())
    names = {t: n for t, _, n in TARGETS}
    assert {"page", "town", "q", "as_of"} <= set(names["api:/api/v1/enterprises"])
    # a page's own filter form gives its names
    logins = reader_of(readers, "/audit/logins/")
    assert {"from", "to", "ip", "outcome"} <= set(form_names(logins, "/audit/logins/"))
    assert value_strategy("from", _declared_filters()) is DATES


@pytest.mark.parametrize("path, names", [(p, n) for _, p, n in TARGETS], ids=[t for t, _, _ in TARGETS])
def test_no_query_string_is_a_server_error(readers, path, names):
    signed_in = reader_of(readers, path)
    names = names if names is not None else form_names(signed_in, path)

    @given(query=queries(names))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def run(query):
        response = signed_in.get(path, query)
        assert response.status_code < 500, (path, query, response.status_code)
        if response.status_code == 400 and not path.startswith("/api/"):
            # a refusal names the parameter, in Chinese
            assert re.search(r"[\u4e00-\u9fff]", response.content.decode()), (path, query)

    run()
