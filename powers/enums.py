"""Choices of the power list: kinds of power, status, confirmation state, change-log actions."""

from django.db import models


class StandardKind(models.TextChoices):
    """The kinds of power of the seeds (seed 001: 行政许可、内部管理等类别). A unit may add its
    own kinds (UnitPowerKind); the item stores the kind's name, so both read alike."""

    LICENSE = "行政许可", "行政许可"
    PENALTY = "行政处罚", "行政处罚"
    LEVY = "行政征收", "行政征收"
    BENEFIT = "行政给付", "行政给付"
    INSPECTION = "行政检查", "行政检查"
    CONFIRMATION = "行政确认", "行政确认"
    OTHER = "其他行政权力", "其他行政权力"
    INTERNAL = "内部管理", "内部管理"


class PowerStatus(models.TextChoices):
    """清权 (seed 002): 该保留的保留，需要调整充实的调整充实，该废止的坚决废止."""

    KEEP = "keep", "保留"
    ADJUST = "adjust", "调整"
    ABOLISH = "abolish", "废止"


class PowerState(models.TextChoices):
    """确权: a department head drafts, the integrity office confirms. Any later edit makes the
    item a draft again until it is confirmed anew."""

    DRAFT = "draft", "待确权"
    CONFIRMED = "confirmed", "已确权"


class ChangeAction(models.TextChoices):
    CREATE = "create", "新增职权"
    UPDATE = "update", "修改职权"
    CONFIRM = "confirm", "确权"
    IMPORT = "import", "Excel 导入"
    STEP_ADD = "step_add", "新增环节"
    STEP_EDIT = "step_edit", "修改环节"
    STEP_MOVE = "step_move", "调整环节顺序"
    STEP_DELETE = "step_delete", "删除环节"
    TIE = "tie", "风险点关联环节"
    UNTIE = "untie", "取消风险点关联"


# Words of the risk library's keywords and descriptions that fit a kind of power: the filler of
# a form sees library entries suggested by the kinds of their post's power items.
KIND_LIBRARY_WORDS: dict[str, tuple[str, ...]] = {
    StandardKind.LICENSE: ("审批", "许可", "审核"),
    StandardKind.PENALTY: ("处罚", "执法"),
    StandardKind.LEVY: ("征收", "收费"),
    StandardKind.BENEFIT: ("救助", "救灾", "发放", "补助", "物资"),
    StandardKind.INSPECTION: ("检查", "督查", "监督"),
    StandardKind.CONFIRMATION: ("确认", "认定", "审查", "统计"),
    StandardKind.OTHER: ("捐赠", "募捐", "项目"),
    StandardKind.INTERNAL: ("财务", "报销", "采购", "人事", "接待", "车辆", "资产", "招录"),
}
