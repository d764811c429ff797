"""The built-in roles (docs/architecture.md, roles) and the permissions they are granted.

A role is a set of permissions; *what* a user sees inside them is the scope (portal/access/scope.py):
one "分中心管理员" role serves every sub-center, each user assigned to their own.

Permissions are generated from the entity registry (portal/web/entities.py): every generated
screen and its REST API share one permission name per entity, with three actions.
"""

from __future__ import annotations

from types import MappingProxyType

ADMIN = "admin"
MANAGER = "manager"
CLERK = "clerk"
AUDITOR = "auditor"
AGENT = "agent"  # 代办员 of a village point: reads their town center, sets their 当前去向

# key -> role name as stored (and shown) in FAB
ROLE_NAMES = MappingProxyType({
    ADMIN: "中心管理员",
    MANAGER: "分中心管理员",
    CLERK: "窗口工作人员",
    AUDITOR: "监督考核员",
    AGENT: "代办员",
})

# read: list, show, search, CSV export, REST get; write: add, edit, REST post/put;
# delete: delete, REST delete.
READ, WRITE, DELETE = "read", "write", "delete"
ACTIONS = (READ, WRITE, DELETE)

VIEW_METHODS = MappingProxyType({
    "list": READ, "show": READ, "export": READ, "download": READ,
    "add": WRITE, "edit": WRITE,
    "delete": DELETE, "action": WRITE, "action_post": WRITE,
    "diff": READ, "yaml": READ,  # pages of the form versions screen
    "password": WRITE,  # a manager sets a clerk's new password
})
API_METHODS = MappingProxyType({
    "get": READ, "get_list": READ, "info": READ,
    "post": WRITE, "put": WRITE,
    "delete": DELETE,
})


def permission(action: str) -> str:
    return f"can_{action}"
