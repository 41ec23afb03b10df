"""Amounts are stored unrounded and shown, exported and printed rounded to the
installation currency's minor unit (DESIGN §3 incentives)."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# ISO 4217 minor units that are not 2.
_MINOR_UNITS = {
    **dict.fromkeys(["JPY", "KRW", "CLP", "ISK", "PYG", "VND", "UGX", "XAF", "XOF"], 0),
    **dict.fromkeys(["BHD", "KWD", "JOD", "OMR", "TND", "LYD", "IQD"], 3),
}


def currency() -> str:
    return settings.PORTAL_CURRENCY


def minor_units(code: str | None = None) -> int:
    return _MINOR_UNITS.get((code or currency()).upper(), 2)


def rounded(amount: float | None) -> Decimal | None:
    """The amount rounded half-up to the currency's minor unit."""
    if amount is None:
        return None
    exponent = Decimal(1).scaleb(-minor_units())
    return Decimal(repr(float(amount))).quantize(exponent, rounding=ROUND_HALF_UP)
