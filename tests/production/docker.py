"""What `docker build .` would do, without a Docker engine: the build context as
`.dockerignore` filters it (Docker's own matching rules), and the Dockerfile's steps."""

import os
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _regex(pattern: str) -> re.Pattern:
    """Docker's pattern syntax (moby patternmatcher): `*` and `?` stay within one path
    segment, `**` spans any number of them, `[...]` is a class, `\\` escapes."""
    out, i = "^", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                out += ".*" if i + 1 >= len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i + 1)
            out += pattern[i : end + 1] if end != -1 else r"\["
            i = end if end != -1 else i
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + "$")


def dockerignore_rules(text: str | None = None) -> list[tuple[bool, re.Pattern, str]]:
    """(is_exception, regex, pattern) per line, in order; comments and blanks dropped."""
    if text is None:
        path = ROOT / ".dockerignore"
        text = path.read_text() if path.exists() else ""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line[1:].strip() if exception else line).lstrip("/")
        rules.append((exception, _regex(pattern), pattern))
    return rules


def is_excluded(path: str, rules) -> bool:
    """The last rule that matches the path or one of its parent directories decides."""
    parents = [str(p) for p in Path(path).parents if str(p) != "."]
    excluded = False
    for exception, regex, _ in rules:
        if regex.match(path) or any(regex.match(parent) for parent in parents):
            excluded = not exception
    return excluded


def context_files(root: Path = ROOT, rules=None) -> list[str]:
    """Every file the build context sends (symlinks as themselves, not followed)."""
    rules = dockerignore_rules() if rules is None else rules
    exceptions = [pattern for exception, _, pattern in rules if exception]
    sent = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for name in dirnames:
            rel = rel_dir + name
            if os.path.islink(os.path.join(dirpath, name)):
                filenames.append(name)
            elif not is_excluded(rel, rules) or any(e.startswith(rel + "/") for e in exceptions):
                keep.append(name)
        dirnames[:] = keep
        sent += [rel_dir + name for name in filenames if not is_excluded(rel_dir + name, rules)]
    return sorted(sent)


def dockerfile_instructions(text: str | None = None) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text() if text is None else text
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def dockerfile_env(instructions) -> dict[str, str]:
    env = {}
    for instruction, args in instructions:
        if instruction == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value
    return env
