"""The sidebar's groups: the kit's own in their order, an app's own group before 系统管理."""

from kechuang.web.menu import ADMIN, ENTERPRISES, MAIN, PROGRAMMES, Entry, arrange


def test_an_apps_own_group_comes_before_the_administration_in_the_order_of_its_first_entry():
    declared = [
        Entry("用户管理", "users:list", "users.manage", ADMIN, 20),
        Entry("评审专家", "home", "review.view", "专家评审", 60),
        Entry("成果转化项目", "home", "transfer.view", "成果转化", 50),
        Entry("科技项目", "projects:list", "projects.view", PROGRAMMES, 40),
        Entry("企业台账", "enterprises:list", "enterprises.view", ENTERPRISES, 10),
        Entry("首页", "home", None, MAIN, 1),
        Entry("不可见", "home", "nobody.has", "专家评审", 1),
    ]
    caps = {"users.manage", "review.view", "transfer.view", "projects.view", "enterprises.view"}
    menu = arrange(declared, caps)
    assert [group for group, _ in menu] == [MAIN, ENTERPRISES, PROGRAMMES, "成果转化", "专家评审", ADMIN]
    assert [e["label"] for _, items in menu for e in items if e["label"] == "不可见"] == []
    assert [group for group, _ in arrange(declared, {"review.view"})] == [MAIN, "专家评审"]
