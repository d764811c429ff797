"""The metrics assessment formulas may use (统一考核监督), each computed in the database for a
period and a subject (a window, a sub-center or a clerk). The table is the one the checker knows."""

from __future__ import annotations

from types import MappingProxyType

METRICS = MappingProxyType({
    "accepted": "办件量（期内受理）",
    "instant": "即办件数",
    "instant_rate": "即办件比例",
    "on_the_spot": "当场办结件数",
    "on_the_spot_rate": "当场办结率",
    "completed": "办结件数",
    "on_time": "按时办结件数",
    "on_time_rate": "按时办结率",
    "overdue": "超期件数",
    "speed_up": "提速率",
    "evaluations": "评价数",
    "satisfied": "满意评价数（非常满意、满意、基本满意）",
    "satisfaction_rate": "满意率",
    "bad_reviews": "差评数（不满意、非常不满意）",
    "complaints_upheld": "属实投诉数",
    "inspection_deduction": "巡查扣分合计",
    # 十个有: a town center's (subject sub-center); a window or a clerk has none (0)
    "town_standard_missing": "十个有缺项数（当月最近一次检查）",
    # 三级便民服务网络 (代办): counted for the town center that carries the applications and for the
    # user who took them; a window carries none (portal/assessment/network.py)
    "agency_taken": "代办受理件数",
    "agency_delivered": "代办转报送达件数",
    "agency_replied": "代办回复件数",
    "agency_transit_days": "代办平均在途工作日",
    "agency_transit_max": "代办最长在途工作日",
    "agency_reminders": "催办次数",
})
# the metrics that have no value when there is nothing to count (rates, averages): none, not 0
UNDEFINED_WHEN_EMPTY = frozenset(
    {name for name in METRICS if name.endswith("_rate")} | {"speed_up", "agency_transit_days",
                                                            "agency_transit_max"})

# the kinds of subject as the declarations (the rules' ``subject``), the addresses
# (``?subject=``) and the CLI name them → the kind (portal/assessment/ SUBJECTS)
SUBJECT_NAMES = MappingProxyType({"window": "window", "subcenter": "sub_center", "clerk": "clerk"})
