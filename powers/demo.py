"""Demo power list of GYRC (called by `load_demo` after the register and the chain): the
seeds' powers of a Red Cross society — relief goods, donations, procurement, reimbursement,
recruitment, reception, vehicles, membership … — each with its legal basis and its steps, and
the demo's risk points tied to the steps they arise in.

Idempotent: an item is created (with its steps) only when missing, a risk point is tied only
while untied; a second run writes nothing.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from powers import services
from powers.models import PowerItem, PowerStep, StepRiskLink
from powers.services import ItemInput, StepInput
from risks.models import RiskPoint
from units.models import Department, Post, Unit

DEMO_UNIT = "GYRC"
SUPERVISION = "市红十字会纪检组监督电话 0839-3266110；机关意见箱；市红十字会门户网站“纪检监督”栏目"

# (owner, name, kind, content, legal basis, time limit, status, confirmed, steps, ties)
# owner: "post:<department>/<post>", "post:/<leadership post>" or "dept:<department>".
# step: (name, responsible, time limit, materials, branch_of index or None, condition, returns)
# ties: {risk point description: step index}
DEMO_ITEMS = [
    (
        "post:赈济救护部/救灾物资管理",
        "救灾物资接收与发放",
        "行政给付",
        "接收社会捐赠和上级调拨的救灾物资，验收入库、保管，按批准的方案向受灾群众发放。",
        "《中华人民共和国红十字会法》第十一条；《自然灾害救助条例》第二十条；《救灾捐赠管理办法》第二十六条",
        "接收当日登记，发放方案批准后 3 个工作日内发放",
        "keep",
        True,
        [
            ("接收登记", "救灾物资管理岗", "当日", "捐赠（调拨）清单\n运输单据", None, "", False),
            (
                "验收入库",
                "救灾物资管理岗、财务会计",
                "1 个工作日",
                "验收单\n入库单",
                None,
                "",
                False,
            ),
            ("退回供货单位", "救灾物资管理岗", "3 个工作日", "", 1, "验收不合格", False),
            ("制定发放方案", "赈济救护部部长", "2 个工作日", "受灾情况统计表", None, "", False),
            ("发放审批", "分管领导、党组会", "2 个工作日", "发放方案", None, "", False),
            (
                "发放与签收",
                "救灾物资管理岗、县区红十字会",
                "3 个工作日",
                "发放花名册\n领取签收单",
                None,
                "",
                False,
            ),
            ("结果公示", "赈济救护部", "公示 7 日", "", None, "", False),
        ],
        {
            "救灾物资入库、出库登记不实，账物不符，物资被截留、挪用。": 1,
            "供货单位送礼请托，在物资验收中降低标准。": 1,
            "救灾物资发放不按标准和程序，优亲厚友。": 5,
        },
    ),
    (
        "post:赈济救护部/救助对象审核",
        "救助对象审查确认",
        "行政确认",
        "对申请人道救助的困难群众进行资格审查、入户核实和公示，确认救助对象。",
        "《中华人民共和国红十字会法》第十一条；《社会救助暂行办法》第十一条、第十二条",
        "受理后 15 个工作日内办结",
        "keep",
        True,
        [
            (
                "受理申请",
                "救助对象审核岗",
                "即时",
                "救助申请书\n身份证明\n困难情况证明",
                None,
                "",
                False,
            ),
            ("补正材料", "申请人", "5 个工作日", "一次性告知书", 0, "材料不全", True),
            (
                "入户调查核实",
                "救助对象审核岗（两人以上）",
                "5 个工作日",
                "入户调查表",
                None,
                "",
                False,
            ),
            ("部室审核", "赈济救护部部长", "3 个工作日", "", None, "", False),
            (
                "不予救助并告知理由",
                "赈济救护部",
                "2 个工作日",
                "不予救助告知书",
                3,
                "不符合条件",
                False,
            ),
            ("公示", "赈济救护部", "公示 5 日", "", None, "", False),
            ("审批确认", "分管领导", "2 个工作日", "", None, "", False),
        ],
        {
            "救灾救助对象审查确认不严，对不符合条件者予以救助。": 3,
            "亲友、熟人请托打招呼，人情救助。": 2,
        },
    ),
    (
        "post:事业发展部/募捐与捐赠管理",
        "捐赠款物接收与使用",
        "其他行政权力",
        "接收社会捐赠款物，开具捐赠票据，登记入账，按捐赠人意愿和规定用途使用，定期公开。",
        "《中华人民共和国慈善法》第三十六条、第五十五条；《中华人民共和国公益事业捐赠法》第十六条；"
        "《中华人民共和国红十字会法》第二十二条",
        "接收当日开具票据；使用情况每季度公开",
        "keep",
        True,
        [
            ("接收捐赠", "募捐与捐赠管理岗", "即时", "捐赠意向书或协议", None, "", False),
            (
                "开具捐赠票据",
                "募捐与捐赠管理岗、财务会计",
                "当日",
                "公益事业捐赠统一票据",
                None,
                "",
                False,
            ),
            ("登记入账", "财务会计", "3 个工作日", "捐赠登记台账", None, "", False),
            ("按意愿使用", "事业发展部部长、党组会", "按项目", "使用方案", None, "", False),
            ("信息公开", "事业发展部", "每季度", "", None, "", False),
        ],
        {
            "接收捐赠款物不开具捐赠票据，或登记不及时、不完整。": 1,
            "违背捐赠人意愿使用定向捐赠。": 3,
        },
    ),
    (
        "dept:办公室",
        "政府采购",
        "内部管理",
        "机关货物、服务和工程的采购：需求、预算、集体研究、组织采购、履约验收和支付。",
        "《中华人民共和国政府采购法》第二条、第二十六条；《中华人民共和国政府采购法实施条例》第十一条",
        "按采购方式的法定时限",
        "keep",
        True,
        [
            ("提出采购需求", "需求部室", "—", "采购申请表", None, "", False),
            ("预算审核", "办公室（财务）", "3 个工作日", "", None, "", False),
            ("集体研究", "党组会", "按会议安排", "会议纪要", None, "", False),
            ("组织采购", "办公室", "按采购方式", "采购文件", None, "", False),
            ("履约验收", "办公室、需求部室（两人以上）", "5 个工作日", "验收报告", None, "", False),
            ("支付", "财务会计、出纳", "5 个工作日", "发票\n合同\n验收报告", None, "", False),
        ],
        {"财务、采购、车辆、接待等关键环节由一人包办，缺少相互制约。": 3},
    ),
    (
        "post:办公室/财务会计",
        "财务报销审批",
        "内部管理",
        "审核报销凭证的真实性、合法性和完整性，按审批权限报批。",
        "《中华人民共和国会计法》第十四条；《行政事业单位内部控制规范（试行）》第二十九条",
        "资料齐全后 5 个工作日",
        "keep",
        True,
        [
            ("经办人填单", "经办人", "—", "报销单\n原始票据", None, "", False),
            ("部室负责人审核", "部室负责人", "2 个工作日", "", None, "", False),
            ("财务审核", "财务会计", "2 个工作日", "", None, "", False),
            ("退回补正", "经办人", "3 个工作日", "", 2, "票据不合规", True),
            ("领导审批", "分管领导（大额：主要领导）", "2 个工作日", "", None, "", False),
            ("支付", "出纳", "1 个工作日", "", None, "", False),
        ],
        {
            "财务报销审核不严，对不合规票据、超标准支出予以报销。": 2,
            "对熟人、领导的报销请托放松审核标准。": 2,
            "捐赠资金与行政经费混用，定向捐赠资金未专账核算。": 2,
        },
    ),
    (
        "post:办公室/出纳",
        "资金支付与现金管理",
        "内部管理",
        "依据审批完毕的凭证办理支付，管理库存现金和银行账户。",
        "《中华人民共和国会计法》；《现金管理暂行条例》第五条",
        "审批完毕后 1 个工作日",
        "keep",
        True,
        [
            ("复核审批手续", "出纳", "即时", "审批完毕的报销单", None, "", False),
            ("办理支付", "出纳", "1 个工作日", "", None, "", False),
            ("登记日记账", "出纳", "当日", "", None, "", False),
            ("月末对账", "财务会计、出纳", "每月", "银行对账单", None, "", False),
        ],
        {
            "挪用公款、公款私存，或库存现金超限额。": 3,
            "未经审批或手续不全即支付款项。": 0,
        },
    ),
    (
        "dept:办公室",
        "人事招录",
        "内部管理",
        "工作人员公开招聘（招录）：计划、公告、资格审查、考试考察、公示和聘用。",
        "《事业单位人事管理条例》第八条；《事业单位公开招聘人员暂行规定》",
        "按招聘公告",
        "keep",
        True,
        [
            ("提出招聘计划", "办公室", "—", "", None, "", False),
            ("党组研究", "党组会", "按会议安排", "会议纪要", None, "", False),
            ("发布招聘公告", "办公室", "公告 7 日", "", None, "", False),
            (
                "资格审查",
                "办公室（两人以上）、纪检组监督",
                "5 个工作日",
                "报名表\n学历证书\n身份证明",
                None,
                "",
                False,
            ),
            ("告知不予通过", "办公室", "2 个工作日", "", 3, "不符合条件", False),
            ("考试考察", "考试机构、考察组", "按公告", "", None, "", False),
            ("公示与聘用", "党组会、办公室", "公示 7 日", "", None, "", False),
        ],
        {},
    ),
    (
        "dept:办公室",
        "公务接待",
        "内部管理",
        "按标准安排公务接待，凭公函、审批单和清单结算。",
        "《党政机关国内公务接待管理规定》第八条、第十五条",
        "接待结束后 5 个工作日内结算",
        "keep",
        True,
        [
            ("接待申请", "承办部室", "接待前", "公函", None, "", False),
            ("审批", "办公室主任、分管领导", "1 个工作日", "接待审批单", None, "", False),
            ("接待实施", "办公室", "—", "", None, "", False),
            (
                "结算报销",
                "办公室、财务会计",
                "5 个工作日",
                "公函\n审批单\n接待清单\n发票",
                None,
                "",
                False,
            ),
        ],
        {},
    ),
    (
        "post:办公室/驾驶员",
        "车辆使用",
        "内部管理",
        "公务用车的派车、出车登记、加油维修和费用结算。",
        "《党政机关公务用车管理办法》第二十条、第二十一条",
        "用车前 1 个工作日申请",
        "keep",
        True,
        [
            ("用车申请", "用车部室", "用车前 1 个工作日", "用车申请单", None, "", False),
            ("派车审批", "办公室主任", "即时", "", None, "", False),
            ("出车登记", "驾驶员", "当日", "出车登记簿", None, "", False),
            (
                "加油维修与费用结算",
                "驾驶员、办公室、财务会计",
                "每月",
                "加油卡记录\n维修定点单据",
                None,
                "",
                False,
            ),
        ],
        {
            "公务用车私用，或未经审批派车出车。": 1,
            "车辆加油、维修虚报费用。": 3,
        },
    ),
    (
        "post:办公室/综合文秘",
        "公文与印章管理",
        "内部管理",
        "公文收发、印章使用的申请、审批和登记。",
        "《党政机关公文处理工作条例》第二十六条",
        "即时办理",
        "keep",
        True,
        [
            ("用印申请", "经办人", "—", "用印申请单", None, "", False),
            ("审批", "办公室主任", "即时", "", None, "", False),
            ("登记用印", "综合文秘", "即时", "用印登记簿", None, "", False),
        ],
        {},
    ),
    (
        "post:组织宣传部/会员与组织建设",
        "红十字会员发展",
        "其他行政权力",
        "受理入会申请，审核资格，登记发证，收缴会费并管理会员档案。",
        "《中华人民共和国红十字会法》第九条；《中国红十字会会员管理办法》第七条",
        "受理后 10 个工作日",
        "adjust",
        True,
        [
            ("受理入会申请", "会员与组织建设岗", "即时", "入会申请表\n身份证明", None, "", False),
            ("资格审核", "组织宣传部部长", "5 个工作日", "", None, "", False),
            ("登记发证", "会员与组织建设岗", "5 个工作日", "会员证", None, "", False),
            ("会费收缴", "会员与组织建设岗、财务会计", "每年", "会费票据", None, "", False),
        ],
        {},
    ),
    (
        "post:事业发展部/志愿服务管理",
        "志愿者招募与管理",
        "内部管理",
        "招募、培训、登记红十字志愿者，记录服务时长。",
        "《志愿服务条例》第十二条；《中国红十字会志愿服务管理办法》",
        "受理后 10 个工作日",
        "adjust",
        False,
        [
            ("招募报名", "志愿服务管理岗", "—", "报名表", None, "", False),
            ("培训", "志愿服务管理岗", "按计划", "", None, "", False),
            ("注册登记", "志愿服务管理岗", "5 个工作日", "", None, "", False),
        ],
        {},
    ),
    (
        "post:/党组书记、常务副会长",
        "“三重一大”事项决策",
        "内部管理",
        "主持党组会、会长办公会研究重大事项决策、重要人事任免、重大项目安排和大额资金使用。",
        "《中国共产党党组工作条例》第十七条；《关于进一步推进“三重一大”决策制度的意见》",
        "按议事规则",
        "keep",
        True,
        [
            ("提出议题", "分管领导、部室", "会前 3 日", "议题材料", None, "", False),
            ("调研论证", "承办部室", "按事项", "论证报告", None, "", False),
            (
                "党组会集体研究",
                "党组书记主持，党组成员",
                "按会议安排",
                "会议纪要\n表决记录",
                None,
                "",
                False,
            ),
            ("执行与督办", "办公室、纪检组监督", "按决定", "", None, "", False),
        ],
        {
            "重大事项未经党组集体研究决定，个人或少数人说了算。": 2,
            "干部选拔任用、评先评优不按规定程序办理。": 2,
            "人道救助、备灾救灾项目安排不经集体研究，暗箱操作。": 0,
            "大额资金使用未经集体研究，或化整为零规避审批。": 2,
        },
    ),
]


def _owner(unit: Unit, owner: str) -> tuple[Department | None, Post | None]:
    kind, _, rest = owner.partition(":")
    if kind == "dept":
        return Department.objects.get(unit=unit, name=rest), None
    dept_name, _, post_name = rest.partition("/")
    post = Post.objects.get(
        unit=unit, name=post_name, **({"department__name": dept_name} if dept_name else {})
    )
    return None, post


@transaction.atomic
def load_demo_powers() -> int:
    """Create GYRC's power list where missing; returns how many things changed."""
    unit = Unit.objects.filter(code=DEMO_UNIT).first()
    if unit is None:
        return 0
    office = User.objects.filter(username="demo_office").first()
    head = User.objects.filter(username="demo_head").first()
    changed = 0
    for owner, name, kind, content, basis, limit, status, confirmed, steps, ties in DEMO_ITEMS:
        department, post = _owner(unit, owner)
        item = PowerItem.objects.filter(
            unit=unit, department=department, post=post, name=name
        ).first()
        if item is None:
            item = services.item_create(
                by=head,
                unit=unit,
                department=department,
                post=post,
                data=ItemInput(
                    name=name,
                    kind=kind,
                    content=content,
                    legal_basis=basis,
                    time_limit=limit,
                    supervision_channel=SUPERVISION,
                    status=status,
                ),
            )
            created: list[PowerStep] = []
            for s_name, responsible, s_limit, materials, branch, condition, returns in steps:
                created.append(
                    services.step_add(
                        by=head,
                        item=item,
                        data=StepInput(
                            name=s_name,
                            responsible=responsible,
                            time_limit=s_limit,
                            materials=materials,
                            branch_of=created[branch] if branch is not None else None,
                            condition=condition,
                            returns=returns,
                        ),
                    )
                )
            if confirmed and office is not None:
                services.item_confirm(by=office, item=item)
            changed += 1
        step_list = list(item.steps.order_by("order", "id"))
        for description, index in ties.items():
            points = RiskPoint.objects.filter(
                form__unit=unit, description=description, form__next_version__isnull=True
            ).exclude(pk__in=StepRiskLink.objects.values("point_id"))
            for point in points:
                services.point_tie(by=office, point=point, step=step_list[index])
                changed += 1
    return changed
