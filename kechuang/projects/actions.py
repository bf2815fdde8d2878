"""Every change to projects."""

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on

from .models import Project


def _may_file_under(user, department: Department | None) -> bool:
    if department is None:
        return True  # full_clean names the missing department
    return may_act_on(user, department, Capability.CHANGE_PROJECTS)


def save_project(acting_user, project: Project | None, *, reason: str = "", tasks=None, **fields) -> Project:
    """Register (project None) or update a project; the user needs `projects.change` over the project's
    department — both the one it is under now and the one it is moved to. `tasks` (None: unchanged) are the
    plan's tasks it carries out."""
    if project is None:
        project = Project(**fields)
    else:
        if not may_act_on(acting_user, project, Capability.CHANGE_PROJECTS):
            raise ActionRefused("您没有修改该项目的权限。")
        if "status" in fields and fields["status"] != project.status:
            raise ActionRefused("项目状态只能通过办理操作（受理、立项、结题等）变更，不能直接修改。")
        for name, value in fields.items():
            setattr(project, name, value)
    department = project.department if project.department_id else None
    if not _may_file_under(acting_user, department):
        raise ActionRefused(f"您没有在“{department.name}”登记项目的权限。")
    project.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        project.save()
        if tasks is not None:
            project.tasks.set(tasks)
    return project
