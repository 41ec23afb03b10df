"""Static files storage for production (hashed names, compressed, served by whitenoise)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in (p if isinstance(p, str) else p[0])))
        for glob, rules in patterns
    )


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Vendored minified files often name a source map that is not shipped
    (`//# sourceMappingURL=chart.umd.min.js.map`); the manifest storage rewrites such a
    reference to a hashed name and fails collectstatic when the map is missing. Source-map
    comments are left as they are instead: browsers read them only with developer tools
    open, and a shipped map is still served under its own name."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
