from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kechuang.workflow"
    label = "workflow"
    verbose_name = "流程"
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("workflow/", "kechuang.workflow.urls"),
    ]
