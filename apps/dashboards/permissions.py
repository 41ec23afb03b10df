"""Who sees what on the dashboards (DESIGN §6): everyone signed in reads the overview and
the departments scoreboard; a department's average bonus attainment lets one deduce
individuals' payouts, so only those who see every payout (CX leader, executive) see it."""

from apps.core import roles
from apps.incentives import permissions as incentive_permissions


def can_read_dashboards(user) -> bool:
    return user.is_authenticated and roles.everyone(user)


def can_see_bonus_attainment(user) -> bool:
    return incentive_permissions.sees_all_payouts(user)
