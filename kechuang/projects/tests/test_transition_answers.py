"""Of everyone the workflow:run URL answers (the permission matrix), only the bureau moves a project."""

import pytest
from django.urls import reverse

from kechuang.projects.models import Project, Status
from kechuang.testing.permissions import ROLES, rolled_back

from .permissions import _applied_project

pytestmark = pytest.mark.django_db


def test_of_those_sent_back_only_the_bureau_moved_the_project():
    """workflow:run answers 302 to everyone who sees the project; only the bureau's transition is done."""
    project = _applied_project()
    url = reverse("workflow:run", args=["projects.project", project.pk, "accept"])
    moved = set()
    for role in ROLES:
        with rolled_back(role) as client:
            client.post(url)
            if Project.objects.get(pk=project.pk).status == Status.ACCEPTED:
                moved.add(role)
    assert moved == {"kjj"}
