"""The supervision journey in the browser: 纪检 issues a warning, the recipient acknowledges it
and replies in writing with an attachment, 纪检 accepts the reply and opens the 提示书 PDF."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from riskreg import clock
from tests.e2e.helpers import check_page
from units.demo import load_demo_org

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def organisation(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_org()


def _open_menu(page, group: str, entry: str) -> None:
    page.get_by_role("button", name=group).click()
    page.get_by_role("link", name=entry).click()
    page.wait_for_load_state()


def test_warning_issued_acknowledged_replied_accepted_and_printed(
    persona, live_server, organisation, shot
):
    due = clock.today() + dt.timedelta(days=10)

    # 1. 纪检 opens the 监督台 and issues a warning to 李晓燕.
    inspector = persona("demo_inspector")
    _open_menu(inspector, "监督处置", "监督台")
    check_page(inspector, shot, "supervision-01-desk")
    inspector.get_by_role("link", name="开具预警").click()
    check_page(inspector, shot, "supervision-02-issue")
    inspector.get_by_label("预警级别").select_option(label="橙色预警")
    inspector.get_by_label("预警人员").select_option(label="李晓燕")
    inspector.get_by_label("发现的风险").fill("公文印章外借未登记，存在违规用印风险。")
    inspector.get_by_label("书面反馈期限").fill(due.isoformat())
    inspector.get_by_role("button", name="提交").click()
    inspector.wait_for_load_state()
    number = f"〔{clock.today().year}〕1号"
    assert number in inspector.locator("h1").inner_text()
    check_page(inspector, shot, "supervision-03-issued")

    # 2. The recipient finds it under 我的预警与整改, acknowledges it and replies.
    staff = persona("demo_staff")
    # A menu of one entry is a plain link.
    staff.get_by_role("link", name="我的预警与整改").click()
    staff.wait_for_load_state()
    check_page(staff, shot, "supervision-04-mine")
    staff.get_by_role("link", name=number).click()
    staff.get_by_role("button", name="签收").click()
    staff.wait_for_load_state()
    assert "签收完成" in staff.content()
    staff.get_by_label("书面反馈内容").fill("已建立印章外借登记簿，补登本年度外借 6 次。")
    staff.get_by_label("附件（PDF、Word、图片或文本，可多选）").set_input_files(
        files=[
            {"name": "登记簿.txt", "mimeType": "text/plain", "buffer": "印章外借登记簿".encode()}
        ]
    )
    staff.get_by_role("button", name="反馈").click()
    staff.wait_for_load_state()
    assert "已反馈（待审核）" in staff.content()
    check_page(staff, shot, "supervision-05-replied")

    # 3. 纪检 reads the reply with its attachment and accepts it.
    inspector.reload()
    assert "登记簿.txt" in inspector.content()
    inspector.get_by_role("button", name="审核通过并销号").click()
    inspector.wait_for_load_state()
    assert "已销号" in inspector.locator("h1 + p").inner_text()
    check_page(inspector, shot, "supervision-06-closed")

    # 4. The 提示书 PDF: title, number, recipient, deadline, and the acknowledgement.
    href = inspector.get_by_role("link", name="预警提示书 PDF").get_attribute("href")
    response = inspector.request.get(f"{live_server.url}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = text.replace(" ", "").replace("\n", "")
    for needle in (
        "廉政风险预警提示书",
        number,
        "李晓燕",
        "橙色预警",
        f"{due.year}年{due.month}月{due.day}日",
    ):
        assert needle in text, needle
