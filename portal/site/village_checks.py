"""Checks of the village points (村级便民服务代办点, ``villages:``) town centers declare: only a
town center has villages (schema.E110), each village code once in the site (schema.E111), each
代办员's login once in the site (schema.E112), and a village with no 代办员 is worth a look
(schema.W006). Phone numbers are checked by the shape pass (schema.E028)."""

from __future__ import annotations

from portal.core.problems import Problem
from portal.site.loader import Loaded


def check_villages(subcenters: dict[str, Loaded]) -> list[Problem]:
    problems: list[Problem] = []
    codes: dict[str, str] = {}  # village code -> where it was first declared
    logins: dict[str, str] = {}  # username -> where it was first declared
    for sub_code, sub in sorted(subcenters.items()):
        if not sub.usable or not isinstance(sub.data.get("villages"), list):
            continue
        villages = sub.data["villages"]
        if sub.data.get("kind") != "town_center" and villages:
            problems.append(sub.problem(
                "schema.E110", ("villages",),
                f"sub-center {sub_code!r} is not a town center and cannot have village points",
                "declare villages in the file of their town center, one with kind: town_center"))
            continue
        for i, village in enumerate(villages):
            code = village.get("code")
            here = f"sub-center {sub_code!r}, villages[{i}]"
            if isinstance(code, str):
                if code in codes:
                    problems.append(sub.problem(
                        "schema.E111", ("villages", i, "code"),
                        f"village code {code!r} is already used at {codes[code]}",
                        "village codes are unique across the site, e.g. 'HY-SX' for 蜀山村 of 华阳"))
                else:
                    codes[code] = here
            agents = village.get("agents")
            if agents == []:
                problems.append(sub.problem(
                    "schema.W006", ("villages", i), f"village {village.get('name')!r} has no 代办员",
                    "list its 代办员 under 'agents:' with name, title, phone and username"))
            for j, agent in enumerate(agents or ()):
                username = agent.get("username")
                if not isinstance(username, str):
                    continue
                if username in logins:
                    problems.append(sub.problem(
                        "schema.E112", ("villages", i, "agents", j, "username"),
                        f"login {username!r} is already bound to the 代办员 at {logins[username]}",
                        "each 代办员 has a login of their own, e.g. 'hy-shushan-agent2'"))
                else:
                    logins[username] = f"{here}.agents[{j}]"
    return problems
