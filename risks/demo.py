"""Demo content of the risk register: GYRC's 2026 round with a few forms filled in from the
seeds, so a new user sees real content. Called by `load_demo` after the org is loaded.

Idempotent: the round is opened once, missing forms are added, and a form is filled only while
nobody has ever saved it (revision 0, no points). A second run changes nothing.
"""

from datetime import date

from django.db import transaction

from risks import services
from risks.models import RiskForm, Round
from risks.services import PointInput
from units.enums import GrantedRole
from units.models import RoleGrant, Unit

DEMO_UNIT = "GYRC"
DEMO_ROUND = "2026年度廉政风险排查"

# Points per form: (category, description, likelihood, harm, measures). Keys: a filler's
# employee number, "dept:<name>" or "leadership".
DEMO_POINTS: dict[str, list[tuple[str, str, int, int, list[str]]]] = {
    "000202": [  # 办公室·财务会计
        (
            "process",
            "财务报销审核不严，对不合规票据、超标准支出予以报销。",
            2,
            3,
            [
                "严格执行财务报销制度，票据由经办人、证明人、审核人、审批人逐级签字。",
                "超标准、无预算支出一律不予报销。",
                "每季度向领导小组报告财务收支情况，接受内部审计。",
            ],
        ),
        (
            "system",
            "捐赠资金与行政经费混用，定向捐赠资金未专账核算。",
            2,
            3,
            [
                "定向捐赠资金设立明细账，专款专用。",
                "按“两公开两透明”要求定期公开捐赠资金使用情况。",
            ],
        ),
        (
            "moral",
            "对熟人、领导的报销请托放松审核标准。",
            1,
            2,
            [
                "坚持原则，请托事项如实记录并报告部室负责人。",
            ],
        ),
    ],
    "000206": [  # 办公室·出纳
        (
            "process",
            "挪用公款、公款私存，或库存现金超限额。",
            2,
            3,
            [
                "钱账分管，出纳不得兼管稽核和会计档案。",
                "每月由会计与出纳对账，不定期盘点库存现金。",
            ],
        ),
        (
            "process",
            "未经审批或手续不全即支付款项。",
            2,
            2,
            [
                "资金支付凭经审批的单据办理，手续不全不付款。",
                "网银支付实行制单、复核双人操作。",
            ],
        ),
    ],
    "000207": [  # 办公室·驾驶员
        (
            "process",
            "公务用车私用，或未经审批派车出车。",
            2,
            2,
            [
                "执行派车单制度，出车事由、里程如实登记。",
                "节假日车辆封存停放，钥匙统一管理。",
            ],
        ),
        (
            "process",
            "车辆加油、维修虚报费用。",
            2,
            2,
            [
                "加油卡专车专用，维修实行定点和事前审批。",
                "单车费用台账每季度公开。",
            ],
        ),
    ],
    "000203": [  # 办公室·综合文秘 (demo_staff: started, one point still lacks measures)
        (
            "duty",
            "公文、印章管理不规范，泄露未公开的工作信息。",
            1,
            2,
            [
                "严格执行保密和公文管理制度，涉密文件专人保管。",
                "印章使用实行审批登记，专人专柜保管。",
            ],
        ),
        ("system", "公务接待超标准、超范围，或以接待名义列支其他费用。", 2, 2, []),
    ],
    "000302": [  # 赈济救护部·救灾物资管理 (demo_staff2)
        (
            "process",
            "救灾物资入库、出库登记不实，账物不符，物资被截留、挪用。",
            2,
            3,
            [
                "物资出入库凭审批单办理，逐笔登记台账。",
                "每季度账物核对，年度盘点结果报领导小组。",
            ],
        ),
        (
            "process",
            "救灾物资发放不按标准和程序，优亲厚友。",
            2,
            3,
            [
                "发放对象、标准、数量经集体研究并公示。",
                "发放时受助人签字确认，发放清册存档备查。",
            ],
        ),
        (
            "external",
            "供货单位送礼请托，在物资验收中降低标准。",
            1,
            2,
            [
                "两人以上共同验收，验收记录签字存档。",
                "拒收礼品礼金，无法拒收的登记上交。",
            ],
        ),
    ],
    "000303": [  # 赈济救护部·救助对象审核
        (
            "process",
            "救灾救助对象审查确认不严，对不符合条件者予以救助。",
            2,
            3,
            [
                "实行申请、审核、审批分离，审核意见签字负责。",
                "救助对象名单在一定范围内公示，接受群众监督。",
            ],
        ),
        (
            "external",
            "亲友、熟人请托打招呼，人情救助。",
            2,
            2,
            [
                "落实请托事项登记报告制度。",
                "纪检组不定期抽查救助档案。",
            ],
        ),
    ],
    "000402": [  # 事业发展部·募捐与捐赠管理
        (
            "process",
            "接收捐赠款物不开具捐赠票据，或登记不及时、不完整。",
            2,
            3,
            [
                "捐赠款物当日登记、及时入账，统一开具捐赠票据。",
                "捐赠信息定期在网站公示。",
            ],
        ),
        (
            "duty",
            "违背捐赠人意愿使用定向捐赠。",
            2,
            3,
            [
                "定向捐赠按协议使用，使用情况向捐赠人反馈。",
            ],
        ),
    ],
    "dept:办公室": [
        (
            "process",
            "财务、采购、车辆、接待等关键环节由一人包办，缺少相互制约。",
            2,
            2,
            [
                "关键环节实行分岗设权、分级审批。",
                "绘制权力运行流程图并在机关公示。",
            ],
        ),
        (
            "system",
            "内部管理制度不健全，“三重一大”事项会议记录不完整。",
            2,
            2,
            [
                "修订完善财务、采购、公务接待、公车管理等制度。",
                "党组会议纪要由专人记录、存档备查。",
            ],
        ),
    ],
    "leadership": [
        (
            "major_decision",
            "重大事项未经党组集体研究决定，个人或少数人说了算。",
            2,
            3,
            [
                "严格执行“三重一大”集体决策制度，重大事项一律提交党组会议集体研究。",
                "主要领导末位表态，决策过程如实记录、存档备查。",
            ],
        ),
        (
            "personnel",
            "干部选拔任用、评先评优不按规定程序办理。",
            2,
            3,
            [
                "坚持民主推荐、考察、公示程序，人事事项党组集体研究。",
            ],
        ),
        (
            "major_project",
            "人道救助、备灾救灾项目安排不经集体研究，暗箱操作。",
            2,
            3,
            [
                "项目立项、资金安排经党组集体研究，评审结果向社会公示。",
            ],
        ),
        (
            "large_funds",
            "大额资金使用未经集体研究，或化整为零规避审批。",
            2,
            3,
            [
                "超过大额标准的支出一律党组集体研究。",
                "定期公开财务收支情况，接受审计和纪检监督。",
            ],
        ),
    ],
}


def _demo_key(form: RiskForm) -> str:
    if form.subject_kind == "leadership":
        return "leadership"
    if form.subject_kind == "department":
        return f"dept:{form.department.name}"
    return form.filler.employee_no if form.filler_id else ""


@transaction.atomic
def load_demo_risks() -> int:
    """Open GYRC's 2026 round and fill the demo forms; returns how many things changed."""
    unit = Unit.objects.filter(code=DEMO_UNIT).first()
    grant = (
        RoleGrant.objects.filter(unit=unit, role=GrantedRole.INTEGRITY_OFFICE)
        .select_related("person__user")
        .first()
    )
    if unit is None or grant is None:
        return 0
    office_user = grant.person.user
    changed = 0
    rnd = Round.objects.filter(unit=unit, title=DEMO_ROUND).first()
    if rnd is None:
        result = services.round_open(
            unit=unit,
            year=2026,
            title=DEMO_ROUND,
            self_check_deadline=date(2026, 3, 31),
            dept_review_deadline=date(2026, 4, 20),
            mass_review_deadline=date(2026, 5, 15),
            collective_deadline=date(2026, 6, 10),
            notice_working_days=5,
            by=office_user,
        )
        rnd = result.round
        changed += 1 + result.created_forms
    else:
        changed += services.round_create_missing_forms(round=rnd, by=office_user)
    forms = rnd.forms.select_related("department", "filler__user").filter(revision=0)
    for form in forms:
        points = DEMO_POINTS.get(_demo_key(form))
        if not points or form.filler_id is None or form.points.exists():
            continue
        filler_user = form.filler.user
        for category, description, likelihood, harm, measures in points:
            services.point_add(
                form=form,
                data=PointInput(
                    category=category,
                    description=description,
                    likelihood=likelihood,
                    harm=harm,
                    responsible_person=form.filler.name,
                    measures=measures,
                ),
                based_on_revision=form.revision,
                by=filler_user,
            )
            form.revision += 1
            changed += 1
    return changed
