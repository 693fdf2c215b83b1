"""The filling page through the test client: what a filler, a reader and an outsider notice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from risks.models import LibraryEntry, RiskForm, RiskPoint
from tests.factories import make_point
from workflow.enums import FormState

pytestmark = pytest.mark.django_db


def _point_data(form: RiskForm, prefix: str = "new", **overrides) -> dict:
    data = {
        f"{prefix}-category": "duty",
        f"{prefix}-description": "公文、印章管理不规范，泄露未公开的工作信息。",
        f"{prefix}-likelihood": "2",
        f"{prefix}-harm": "2",
        f"{prefix}-proposed_level": "",
        f"{prefix}-proposal_reason": "",
        f"{prefix}-responsible_person": "李晓燕",
        f"{prefix}-measures": ["严格执行保密制度。", "印章使用审批登记。", ""],
        "revision": str(form.revision),
    }
    data.update(overrides)
    return data


def _fresh(form: RiskForm) -> RiskForm:
    return RiskForm.objects.get(pk=form.pk)


def test_filler_sees_the_seed_header_and_the_editing_ui(client, demo, staff_form):
    client.force_login(demo["staff"])
    response = client.get(reverse("risks:form_detail", args=[staff_form.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "李晓燕",
        "办公室",
        "综合文秘",
        "岗位职责",
        "职权目录",
        "新增风险点",
        "从风险点库添加",
    ]:
        assert text in body, text
    assert "发生概率＼危害程度" in body  # the level matrix
    assert "尚未填写任何风险点" in body


def test_add_point_saves_it_with_measures_and_suggested_level(client, demo, staff_form):
    client.force_login(demo["staff"])
    response = client.post(
        reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form), follow=True
    )
    body = response.content.decode()
    assert "已保存：新增第 1 个风险点" in body
    point = RiskPoint.objects.get(form=staff_form)
    assert point.proposed_level == 2  # 可能 × 较重 → 二级, taken as the proposal
    assert [m.text for m in point.measures.all()] == ["严格执行保密制度。", "印章使用审批登记。"]
    assert _fresh(staff_form).revision == 1
    assert "强化管理、定期检查；部室负责人监管" in body  # supervision shown per point


def test_incomplete_draft_is_saved_and_what_is_missing_is_shown(client, demo, staff_form):
    client.force_login(demo["staff"])
    data = _point_data(staff_form, **{"new-likelihood": "", "new-harm": "", "new-measures": [""]})
    response = client.post(reverse("risks:point_add", args=[staff_form.pk]), data, follow=True)
    body = response.content.decode()
    assert RiskPoint.objects.filter(form=staff_form).count() == 1
    assert "待补充：发生概率、危害程度、风险等级、防控措施" in body
    assert "第 1 个风险点缺少" in body


def test_validation_errors_are_shown_next_to_the_fields(client, demo, staff_form):
    client.force_login(demo["staff"])
    data = _point_data(
        staff_form,
        **{"new-category": "", "new-description": "  ", "new-proposed_level": "1"},
    )
    response = client.post(reverse("risks:point_add", args=[staff_form.pk]), data, follow=True)
    body = response.content.decode()
    # Back on the form page itself (not the POST-only sub-URL), the input and errors kept.
    assert response.redirect_chain[-1][0] == f"/forms/{staff_form.pk}/"
    assert response.status_code == 200
    assert "请选择风险类别。" in body
    assert "请填写风险点的内容。" in body
    assert "未保存" in body
    assert not RiskPoint.objects.filter(form=staff_form).exists()
    assert _fresh(staff_form).revision == 0


def test_other_level_than_suggested_needs_a_reason(client, demo, staff_form):
    client.force_login(demo["staff"])
    data = _point_data(staff_form, **{"new-proposed_level": "1"})
    response = client.post(reverse("risks:point_add", args=[staff_form.pk]), data, follow=True)
    assert "拟定等级与建议等级不同，请说明理由。" in response.content.decode()
    assert not RiskPoint.objects.exists()
    data["new-proposal_reason"] = "涉及大量涉密文件。"
    client.post(reverse("risks:point_add", args=[staff_form.pk]), data)
    assert RiskPoint.objects.get().proposed_level == 1


def test_category_of_another_subject_kind_is_refused(client, demo, staff_form):
    client.force_login(demo["staff"])
    data = _point_data(staff_form, **{"new-category": "large_funds"})
    response = client.post(reverse("risks:point_add", args=[staff_form.pk]), data, follow=True)
    assert "请选择列表中的风险类别。" in response.content.decode()
    assert not RiskPoint.objects.exists()


def test_edit_point_replaces_its_content_and_measures(client, demo, staff_form):
    point = make_point(form=staff_form, description="旧的描述", measures=["旧措施"])
    client.force_login(demo["staff"])
    page = client.get(reverse("risks:form_detail", args=[staff_form.pk]), {"edit": point.pk})
    assert "修改风险点 1" in page.content.decode()
    data = _point_data(
        staff_form,
        prefix="edit",
        **{"edit-description": "新的描述", "edit-measures": ["措施甲", "措施乙", "措施丙"]},
    )
    response = client.post(
        reverse("risks:point_edit", args=[staff_form.pk, point.pk]), data, follow=True
    )
    assert "已保存第 1 个风险点的修改" in response.content.decode()
    point.refresh_from_db()
    assert point.description == "新的描述"
    assert [m.text for m in point.measures.all()] == ["措施甲", "措施乙", "措施丙"]


def test_edit_with_errors_keeps_the_input_and_shows_errors(client, demo, staff_form):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo["staff"])
    data = _point_data(staff_form, prefix="edit", **{"edit-description": ""})
    response = client.post(
        reverse("risks:point_edit", args=[staff_form.pk, point.pk]), data, follow=True
    )
    body = response.content.decode()
    assert "请填写风险点的内容。" in body and "严格执行保密制度。" in body
    point.refresh_from_db()
    assert point.description == "原描述"


def test_reorder_moves_a_point_up_and_down(client, demo, staff_form):
    first = make_point(form=staff_form, description="第一")
    second = make_point(form=staff_form, description="第二")
    client.force_login(demo["staff"])
    client.post(
        reverse("risks:point_move", args=[staff_form.pk, second.pk]),
        {"direction": "up", "revision": staff_form.revision},
    )
    assert list(staff_form.points.values_list("description", flat=True)) == ["第二", "第一"]
    client.post(
        reverse("risks:point_move", args=[staff_form.pk, second.pk]),
        {"direction": "down", "revision": _fresh(staff_form).revision},
    )
    assert list(staff_form.points.values_list("description", flat=True)) == ["第一", "第二"]
    assert first.pk  # both still there


def test_remove_point_deletes_it_and_its_measures(client, demo, staff_form):
    point = make_point(form=staff_form, description="要删除的风险点")
    keep = make_point(form=staff_form, description="保留")
    client.force_login(demo["staff"])
    response = client.post(
        reverse("risks:point_delete", args=[staff_form.pk, point.pk]),
        {"revision": staff_form.revision},
        follow=True,
    )
    assert "已删除风险点" in response.content.decode()
    assert list(staff_form.points.all()) == [keep]
    keep.refresh_from_db()
    assert keep.order == 1


def test_library_add_in_one_click(client, demo, staff_form):
    entry = LibraryEntry.objects.filter(subject_kind="post", keywords__contains="文秘").first()
    client.force_login(demo["staff"])
    page = client.get(reverse("risks:form_detail", args=[staff_form.pk])).content.decode()
    assert entry.description in page  # offered: matches the post 综合文秘
    response = client.post(
        reverse("risks:library_add", args=[staff_form.pk]),
        {"entry": entry.pk, "revision": staff_form.revision},
        follow=True,
    )
    assert "已从风险点库添加第 1 个风险点" in response.content.decode()
    point = RiskPoint.objects.get(form=staff_form)
    assert point.description == entry.description
    assert point.library_entry == entry
    assert point.responsible_person == "李晓燕"
    assert point.measures.count() == entry.measures.count() >= 1
    assert point.missing_items() == []


def test_library_is_filtered_by_keyword_and_subject_kind(client, demo, staff_form):
    client.force_login(demo["staff"])
    body = client.get(
        reverse("risks:form_detail", args=[staff_form.pk]), {"q": "车辆"}
    ).content.decode()
    assert "公务用车私用" in body
    assert "重大事项未经党组集体研究" not in body  # a leadership entry, never on a post form


def test_library_entry_of_another_subject_kind_is_refused(client, demo, staff_form):
    entry = LibraryEntry.objects.filter(subject_kind="leadership").first()
    client.force_login(demo["staff"])
    response = client.post(
        reverse("risks:library_add", args=[staff_form.pk]),
        {"entry": entry.pk, "revision": staff_form.revision},
        follow=True,
    )
    assert "未添加" in response.content.decode()
    assert not RiskPoint.objects.exists()


def test_department_form_offers_only_department_categories(client, demo, dept_form):
    client.force_login(demo["head"])
    body = client.get(reverse("risks:form_detail", args=[dept_form.pk])).content.decode()
    assert "（部室）" in body
    assert 'value="process"' in body and 'value="moral"' not in body


def test_overall_level_is_saved(client, demo, staff_form):
    client.force_login(demo["staff"])
    response = client.post(
        reverse("risks:overall_level", args=[staff_form.pk]),
        {"overall_proposed_level": "2", "revision": 0},
        follow=True,
    )
    assert "本表总体风险等级为“二级”" in response.content.decode()
    assert _fresh(staff_form).overall_proposed_level == 2


def test_unit_level_labels_are_shown(client, demo, staff_form):
    staff_form.unit.level_labels = "hml"
    staff_form.unit.save()
    make_point(form=staff_form, level=1, likelihood=3, harm=3)
    client.force_login(demo["staff"])
    body = client.get(reverse("risks:form_detail", args=[staff_form.pk])).content.decode()
    assert "风险等级：高" in body


# --- who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["head", "office", "inspector", "principal"])
def test_reader_gets_read_only_page_and_post_is_refused(client, demo, staff_form, persona):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo[persona])
    page = client.get(reverse("risks:form_detail", args=[staff_form.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "原描述" in body and "新增风险点" not in body
    urls_and_data = [
        (reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form)),
        (
            reverse("risks:point_edit", args=[staff_form.pk, point.pk]),
            _point_data(staff_form, prefix="edit"),
        ),
        (reverse("risks:point_delete", args=[staff_form.pk, point.pk]), {"revision": 1}),
        (
            reverse("risks:point_move", args=[staff_form.pk, point.pk]),
            {"revision": 1, "direction": "up"},
        ),
        (reverse("risks:overall_level", args=[staff_form.pk]), {"overall_proposed_level": "1"}),
    ]
    for url, data in urls_and_data:
        assert client.post(url, data).status_code == 403, url
    point.refresh_from_db()
    assert point.description == "原描述"
    assert RiskPoint.objects.count() == 1
    assert _fresh(staff_form).revision == staff_form.revision


@pytest.mark.parametrize("persona", ["staff2", "admin", "auditor"])
def test_no_access_is_404(client, demo, staff_form, persona):
    client.force_login(demo[persona])
    assert client.get(reverse("risks:form_detail", args=[staff_form.pk])).status_code == 404
    response = client.post(
        reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form)
    )
    assert response.status_code == 404
    assert not RiskPoint.objects.exists()


def test_outsider_gets_404(client, demo, staff_form, outsider):
    client.force_login(outsider)
    assert client.get(reverse("risks:form_detail", args=[staff_form.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, demo, staff_form):
    response = client.get(reverse("risks:form_detail", args=[staff_form.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_filler_cannot_edit_after_submission(client, demo, staff_form):
    RiskForm.objects.filter(pk=staff_form.pk).update(state=FormState.DEPT_REVIEW)
    client.force_login(demo["staff"])
    body = client.get(reverse("risks:form_detail", args=[staff_form.pk])).content.decode()
    assert "您现在不能修改它" in body
    response = client.post(
        reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form)
    )
    assert response.status_code == 403


def test_bad_ids_never_500(client, demo, staff_form):
    client.force_login(demo["staff"])
    detail = reverse("risks:form_detail", args=[staff_form.pk])
    assert client.get(detail, {"edit": "abc"}).status_code == 200
    assert client.get(detail, {"edit": "999999"}).status_code == 200
    response = client.post(
        reverse("risks:library_add", args=[staff_form.pk]), {"entry": "x", "revision": 0}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("risks:point_move", args=[staff_form.pk, 999999]),
        {"direction": "sideways", "revision": 0},
    )
    assert response.status_code == 302
    assert client.get(reverse("risks:form_detail", args=[999999])).status_code == 404


# --- stale revision: never a silent overwrite -------------------------------------------------


def test_stale_save_is_refused_with_both_versions(client, demo, staff_form):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo["staff"])
    # Tab A saves first.
    client.post(
        reverse("risks:point_edit", args=[staff_form.pk, point.pk]),
        _point_data(staff_form, prefix="edit", **{"edit-description": "标签页甲的内容"}),
    )
    # Tab B still has revision 0.
    response = client.post(
        reverse("risks:point_edit", args=[staff_form.pk, point.pk]),
        _point_data(staff_form, prefix="edit", **{"edit-description": "标签页乙的内容"}),
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "标签页乙的内容" in body and "标签页甲的内容" in body
    assert "保留我的内容（覆盖保存）" in body and "采用最新内容" in body
    point.refresh_from_db()
    assert point.description == "标签页甲的内容"
    assert _fresh(staff_form).revision == 1


def test_stale_save_keep_mine_overwrites_with_revision_bumped(client, demo, staff_form):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo["staff"])
    url = reverse("risks:point_edit", args=[staff_form.pk, point.pk])
    client.post(url, _point_data(staff_form, prefix="edit", **{"edit-description": "甲"}))
    conflict = client.post(
        url, _point_data(staff_form, prefix="edit", **{"edit-description": "乙"})
    )
    assert conflict.status_code == 409
    # The conflict page re-posts the user's input with the current revision.
    keep_mine = _point_data(
        staff_form, prefix="edit", **{"edit-description": "乙", "revision": "1", "overwrite": "1"}
    )
    response = client.post(url, keep_mine, follow=True)
    assert "覆盖" in response.content.decode()
    point.refresh_from_db()
    assert point.description == "乙"
    assert _fresh(staff_form).revision == 2


def test_stale_save_take_newer_changes_nothing(client, demo, staff_form):
    client.force_login(demo["staff"])
    client.post(reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form))
    stale = _point_data(staff_form, **{"new-description": "另一个窗口的风险点"})
    response = client.post(reverse("risks:point_add", args=[staff_form.pk]), stale)
    assert response.status_code == 409
    assert reverse("risks:form_detail", args=[staff_form.pk]) in response.content.decode()
    page = client.get(reverse("risks:form_detail", args=[staff_form.pk])).content.decode()
    assert "另一个窗口的风险点" not in page
    assert RiskPoint.objects.filter(form=staff_form).count() == 1


def test_stale_delete_is_refused(client, demo, staff_form):
    point = make_point(form=staff_form)
    client.force_login(demo["staff"])
    client.post(
        reverse("risks:overall_level", args=[staff_form.pk]),
        {"overall_proposed_level": "2", "revision": 0},
    )
    response = client.post(
        reverse("risks:point_delete", args=[staff_form.pk, point.pk]), {"revision": 0}
    )
    assert response.status_code == 409
    assert RiskPoint.objects.filter(pk=point.pk).exists()


# --- queries ----------------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["staff", "head"])
def test_form_page_queries_do_not_grow_with_points(client, demo, staff_form, persona):
    client.force_login(demo[persona])
    url = reverse("risks:form_detail", args=[staff_form.pk])
    make_point(form=staff_form, measures=["一", "二"])
    one = _count_queries(client, url)
    for i in range(29):
        make_point(form=staff_form, description=f"风险点{i}", measures=["一", "二", "三"])
    assert staff_form.points.count() == 30
    assert _count_queries(client, url) == one


def test_editing_a_point_deleted_elsewhere_offers_to_keep_it(client, demo, staff_form):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo["staff"])
    client.post(reverse("risks:point_delete", args=[staff_form.pk, point.pk]), {"revision": 0})
    data = _point_data(staff_form, prefix="edit", **{"edit-description": "我改过的描述"})
    response = client.post(reverse("risks:point_edit", args=[staff_form.pk, point.pk]), data)
    body = response.content.decode()
    assert response.status_code == 409
    assert "我改过的描述" in body and 'name="new-description"' in body
    assert reverse("risks:point_add", args=[staff_form.pk]) in body
    keep = _point_data(
        staff_form, **{"new-description": "我改过的描述", "revision": "1", "overwrite": "1"}
    )
    client.post(reverse("risks:point_add", args=[staff_form.pk]), keep)
    assert list(staff_form.points.values_list("description", flat=True)) == ["我改过的描述"]


def _submit(client, form, **extra):
    data = {"action": "submit", "revision": str(_fresh(form).revision), "confirmed": "1", **extra}
    return client.post(reverse("workflow:act", args=[form.pk]), data, follow=True)


def test_failed_save_then_submit_loses_nothing_and_says_why(client, demo, staff_form):
    point = make_point(form=staff_form, description="原描述")
    client.force_login(demo["staff"])
    data = _point_data(
        staff_form,
        prefix="edit",
        **{"edit-description": "我新写的描述", "edit-proposed_level": "1"},  # no reason given
    )
    failed = client.post(
        reverse("risks:point_edit", args=[staff_form.pk, point.pk]), data, follow=True
    )
    assert "拟定等级与建议等级不同，请说明理由。" in failed.content.decode()

    response = _submit(client, staff_form)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("risks:form_detail", args=[staff_form.pk])
    assert "提交未办理：第 1 个风险点的修改还没有保存" in body
    assert "我新写的描述" in body  # still on the page, with its error
    assert "拟定等级与建议等级不同，请说明理由。" in body
    assert "等待保存" in body  # the button says why it waits
    assert _fresh(staff_form).state == FormState.DRAFT


def test_submit_naming_an_unsaved_point_is_refused(client, demo, staff_form):
    make_point(form=staff_form)
    client.force_login(demo["staff"])
    response = _submit(client, staff_form, unsaved="新增风险点")
    assert "提交未办理：新增风险点的修改还没有保存" in response.content.decode()
    assert _fresh(staff_form).state == FormState.DRAFT


def test_submit_from_a_page_older_than_the_form_is_refused(client, demo, staff_form):
    make_point(form=staff_form)
    client.force_login(demo["staff"])
    client.post(reverse("risks:point_add", args=[staff_form.pk]), _point_data(staff_form))
    response = client.post(
        reverse("workflow:act", args=[staff_form.pk]),
        {"action": "submit", "revision": "0"},
        follow=True,
    )
    assert "在您打开页面之后又保存过修改" in response.content.decode()
    assert _fresh(staff_form).state == FormState.DRAFT


def test_dropping_a_failed_edit_lets_submit_go(client, demo, staff_form):
    make_point(form=staff_form)
    client.force_login(demo["staff"])
    client.post(
        reverse("risks:point_add", args=[staff_form.pk]),
        _point_data(staff_form, **{"new-description": ""}),
    )
    page = client.get(reverse("risks:form_detail", args=[staff_form.pk]), {"discard": "1"})
    assert page.status_code == 302
    response = _submit(client, staff_form)
    assert "提交完成" in response.content.decode()
    assert _fresh(staff_form).state == FormState.DEPT_REVIEW
