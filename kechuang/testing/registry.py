"""The tests every registry gets from the kit: subclass `RegistryTests` in the app's tests, name the
registry, say who may do what and give form data — list (filters, bad values, scope), detail with
history, create, edit (an untouched save changes nothing), delete, the Excel export agreeing with the
list and re-importing unchanged, the API agreeing with the list.

    class TestProjects(RegistryTests):
        registry_key = "projects"
        editor = "kjj"                      # may create and edit
        viewer_without_change = "leader"    # sees, may not change
        outsider = "expert"                 # no view capability: 403
        scoped = "hanfeng"                  # sees only part: a record outside answers 404

        def create_data(self, dept): return {...}
        def edit_changes(self): return {"note": "…", "reason": "…"}
"""

import io

import pytest
from django.contrib.contenttypes.models import ContentType

from kechuang.audit.models import ChangeEntry
from kechuang.web.registry import get_registry

BAD_VALUES = ["²", "2^70", str(2**70), "0001-01-01", "abc", "-1", "1e9", "９", "'; DROP TABLE x; --"]


def form_data_of(form) -> dict:
    """What a browser would post for `form` as rendered (every field's current value)."""
    data = {}
    for name, bound in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
            continue
        widget = bound.widget
        formatted = widget.format_value(value) if hasattr(widget, "format_value") else value
        data[name] = "" if formatted is None else formatted
    return data


def entries_of(obj):
    content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    return ChangeEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))


@pytest.mark.django_db
class RegistryTests:
    registry_key = ""
    editor = "kjj"
    viewer_without_change: str | None = "leader"
    outsider: str | None = "expert"
    scoped: str | None = None
    filter_params: list[dict] = [{}]

    # --- what a registry's tests provide --------------------------------------------------------
    def create_data(self, dept) -> dict | None:
        return None

    def edit_changes(self) -> dict:
        return {}

    def sample(self, user):
        """A record the editor may change (default: the first visible with the change capability)."""
        registry = self.registry
        return registry.queryset(user(self.editor), registry.change_capability).order_by("pk").first()

    def outside_scope(self, user):
        """A record `scoped` may not see."""
        registry = self.registry
        seen = registry.queryset(user(self.scoped)).values("pk")
        return registry.base_queryset().exclude(pk__in=seen).order_by("pk").first()

    @property
    def registry(self):
        return get_registry(self.registry_key)

    def url(self, view, *args):
        from django.urls import reverse

        return reverse(self.registry.url_name(view), args=args)

    # --- list ---------------------------------------------------------------------------------------
    def test_list(self, client_as):
        response = client_as(self.editor).get(self.url("list"))
        assert response.status_code == 200
        if self.outsider:
            assert client_as(self.outsider).get(self.url("list")).status_code == 403

    def test_bad_filter_values_answer_in_chinese_never_500(self, client_as):
        client = client_as(self.editor)
        names = list(self.registry.filterset.base_filters) if self.registry.filterset else []
        for name in [*names, "page", "sort"]:
            for value in BAD_VALUES:
                response = client.get(self.url("list"), {name: value})
                assert response.status_code in (200, 400), (name, value, response.status_code)
                if response.status_code == 400:
                    assert "查询条件有误" in response.content.decode()
                if self.registry.sheet:
                    export = client.get(f"/tables/{self.registry.sheet}/export.xlsx", {name: value})
                    assert export.status_code in (200, 400), (name, value)
                api = client.get(f"/api/v1/{self.registry.key}", {name: value})
                assert api.status_code in (200, 422), (name, value, api.status_code)

    def test_list_export_and_api_agree(self, client_as):
        import openpyxl

        client = client_as(self.editor)
        for params in self.filter_params:
            listed = client.get(self.url("list"), params).context["page"].paginator.count
            api = client.get(f"/api/v1/{self.registry.key}", params).json()["count"]
            assert api == listed, params
            if self.registry.sheet:
                book = b"".join(
                    client.get(f"/tables/{self.registry.sheet}/export.xlsx", params).streaming_content
                )
                rows = openpyxl.load_workbook(io.BytesIO(book), read_only=True)["数据"].max_row - 1
                assert rows == listed, params

    # --- detail -------------------------------------------------------------------------------------
    def test_detail_with_history_and_scope(self, client_as, user):
        obj = self.sample(user)
        response = client_as(self.editor).get(self.url("detail", obj.pk))
        assert response.status_code == 200
        assert "变更记录" in response.content.decode()
        if self.scoped:
            hidden = self.outside_scope(user)
            assert hidden is not None
            assert client_as(self.scoped).get(self.url("detail", hidden.pk)).status_code == 404
            assert client_as(self.scoped).get(f"/api/v1/{self.registry.key}/{hidden.pk}").status_code == 404

    # --- create, edit -------------------------------------------------------------------------------
    def test_create(self, client_as, dept):
        data = self.create_data(dept)
        if data is None or "create" not in self._views():
            pytest.skip("该登记簿不在页面上新增记录")
        before = self.registry.model._default_manager.count()
        if self.viewer_without_change:
            assert client_as(self.viewer_without_change).post(self.url("create"), data).status_code == 403
        response = client_as(self.editor).post(self.url("create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert self.registry.model._default_manager.count() == before + 1
        created = self.registry.model._default_manager.order_by("-pk").first()
        assert entries_of(created).filter(action="create").exists()

    def test_an_untouched_save_changes_nothing(self, client_as, user):
        if "edit" not in self._views():
            pytest.skip("该登记簿不在页面上编辑记录")
        obj = self.sample(user)
        client = client_as(self.editor)
        form = client.get(self.url("edit", obj.pk)).context["form"]
        before = entries_of(obj).count()
        snapshot = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        response = client.post(self.url("edit", obj.pk), form_data_of(form))
        assert response.status_code == 302, response.content.decode()[:3000]
        obj.refresh_from_db()
        assert {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} == snapshot
        assert entries_of(obj).count() == before

    def test_edit(self, client_as, user):
        changes = self.edit_changes()
        if not changes or "edit" not in self._views():
            pytest.skip("该登记簿不在页面上编辑记录")
        obj = self.sample(user)
        client = client_as(self.editor)
        data = {**form_data_of(client.get(self.url("edit", obj.pk)).context["form"]), **changes}
        if self.viewer_without_change:
            assert client_as(self.viewer_without_change).post(self.url("edit", obj.pk), data).status_code in (
                403,
                404,
            )
        response = client.post(self.url("edit", obj.pk), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        entry = entries_of(obj).latest("pk")
        assert entry.action == "update" and entry.reason == changes.get("reason", entry.reason)

    # --- the sheet ----------------------------------------------------------------------------------
    def test_export_reimports_unchanged(self, client_as, settings, tmp_path):
        if not self.registry.sheet:
            pytest.skip("该登记簿没有表格")
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kechuang.tabular.models import ImportJob

        settings.MEDIA_ROOT = tmp_path
        client = client_as(self.editor)
        book = b"".join(client.get(f"/tables/{self.registry.sheet}/export.xlsx").streaming_content)
        before = ChangeEntry.objects.exclude(content_type__model="importjob").count()
        client.post(f"/tables/{self.registry.sheet}/upload/", {"file": SimpleUploadedFile("x.xlsx", book)})
        job = ImportJob.objects.latest("pk")
        assert job.status == "validated" and job.error_rows == 0, job.errors[:3]
        client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对"})
        job.refresh_from_db()
        assert job.status == "done" and job.result["created"] == job.result["updated"] == 0
        assert ChangeEntry.objects.exclude(content_type__model="importjob").count() == before

    def _views(self) -> set[str]:
        from django.urls import NoReverseMatch, reverse

        found = set()
        for view, args in (("create", ()), ("edit", (1,)), ("delete", (1,))):
            try:
                reverse(self.registry.url_name(view), args=args)
            except NoReverseMatch:
                continue
            found.add(view)
        return found
