"""Roles, permissions and the map between them (README, "Roles")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PERFORMANCE_TEAM = "performance_team"
    DIRECTOR = "director"
    HEAD_OF_SERVICE = "head_of_service"
    STAFF = "staff"
    COUNCILLOR = "councillor"
    AUDITOR = "auditor"


# These roles act for the whole council; the others are granted over an org unit and below it.
COUNCIL_WIDE_ROLES = frozenset({Role.ADMIN, Role.PERFORMANCE_TEAM, Role.COUNCILLOR, Role.AUDITOR})


class Permission(StrEnum):
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    ORG_READ = "org:read"
    ORG_WRITE = "org:write"
    PERIODS_READ = "periods:read"
    PERIODS_MANAGE = "periods:manage"
    PERIODS_REOPEN = "periods:reopen"
    CYCLE_READ = "cycle:read"
    SETTINGS_WRITE = "settings:write"
    API_CLIENTS_MANAGE = "api_clients:manage"
    WEBHOOKS_MANAGE = "webhooks:manage"
    OUTBOX_READ = "outbox:read"
    AUDIT_READ = "audit:read"
    INDICATORS_READ = "indicators:read"
    INDICATORS_WRITE = "indicators:write"
    TARGETS_WRITE = "targets:write"
    VALUES_READ_INTERNAL = "values:read_internal"
    VALUES_WRITE = "values:write"
    VALUES_SUBMIT = "values:submit"
    VALUES_APPROVE = "values:approve"
    REPORTS_READ = "reports:read"
    PLANS_READ = "plans:read"
    PLANS_WRITE = "plans:write"
    ACTIONS_WRITE = "actions:write"
    RISKS_WRITE = "risks:write"
    COMMENTS_WRITE = "comments:write"
    DATA_QUALITY_READ = "data_quality:read"
    DATA_QUALITY_VERIFY = "data_quality:verify"


P = Permission

# Internal readers also see how the reporting cycle is going (drafts counted, not shown).
_READ_INTERNAL = frozenset(
    {
        P.USERS_READ,
        P.ORG_READ,
        P.PERIODS_READ,
        P.CYCLE_READ,
        P.INDICATORS_READ,
        P.REPORTS_READ,
        P.PLANS_READ,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PERFORMANCE_TEAM: _READ_INTERNAL
    | {
        P.ORG_WRITE,
        P.PERIODS_MANAGE,
        P.INDICATORS_WRITE,
        P.TARGETS_WRITE,
        P.VALUES_READ_INTERNAL,
        P.VALUES_WRITE,
        P.VALUES_SUBMIT,
        P.VALUES_APPROVE,
        P.PLANS_WRITE,
        P.ACTIONS_WRITE,
        P.RISKS_WRITE,
        P.COMMENTS_WRITE,
        P.DATA_QUALITY_READ,
    },
    Role.DIRECTOR: _READ_INTERNAL
    | {
        P.INDICATORS_WRITE,
        P.TARGETS_WRITE,
        P.VALUES_READ_INTERNAL,
        P.VALUES_WRITE,
        P.VALUES_SUBMIT,
        P.VALUES_APPROVE,
        P.PLANS_WRITE,
        P.ACTIONS_WRITE,
        P.RISKS_WRITE,
        P.COMMENTS_WRITE,
    },
    Role.HEAD_OF_SERVICE: _READ_INTERNAL
    | {
        P.INDICATORS_WRITE,
        P.TARGETS_WRITE,
        P.VALUES_READ_INTERNAL,
        P.VALUES_WRITE,
        P.VALUES_SUBMIT,
        P.VALUES_APPROVE,
        P.PLANS_WRITE,
        P.ACTIONS_WRITE,
        P.RISKS_WRITE,
        P.COMMENTS_WRITE,
    },
    # Staff enter and submit values for indicators they collect or own; the service checks that.
    # They see drafts of the indicators they collect or own, not all drafts in their unit.
    Role.STAFF: _READ_INTERNAL
    | {P.VALUES_WRITE, P.VALUES_SUBMIT, P.ACTIONS_WRITE, P.COMMENTS_WRITE},
    # Councillors see approved data, plans and reports, and ask scrutiny questions.
    Role.COUNCILLOR: frozenset(
        {
            P.ORG_READ,
            P.PERIODS_READ,
            P.INDICATORS_READ,
            P.REPORTS_READ,
            P.PLANS_READ,
            P.COMMENTS_WRITE,
        }
    ),
    # Auditors read everything, drafts and the audit trail included, and write only verdicts.
    Role.AUDITOR: _READ_INTERNAL
    | {P.VALUES_READ_INTERNAL, P.AUDIT_READ, P.DATA_QUALITY_READ, P.DATA_QUALITY_VERIFY},
}
