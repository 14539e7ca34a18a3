"""The README's shell examples, read as a newcomer pastes them into one shell, and replayed
against the app in process.

What the README's blocks use is what is understood here, and anything else fails loudly (so a
new example in another shape is noticed, not skipped): variables (`NAME=value`, `NAME=$(...)`,
`$NAME`), files written with `cat > name <<'EOF'`, and pipelines of `curl` (or `echo`) into
`jq -r <path>`, `python3 -c <code>` (run for real) or `grep -i <pattern>`. curl's requests go to
the app through the test's HTTP client; each answer's status is recorded for the test to check.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from httpx import AsyncClient

README = Path(__file__).resolve().parent.parent / "README.md"

_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`(curl [^`]+)`")
_HEREDOC = re.compile(r"^cat > (\S+) <<'?(\w+)'?$")
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$", re.DOTALL)
_VARIABLE = re.compile(r"\$(?:\{([A-Z][A-Z0-9_]*)\}|([A-Z][A-Z0-9_]*))")
_JQ_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


@dataclass
class Block:
    """One ```sh block (or an inline `curl ...`), where it starts, and its commands."""

    line: int
    commands: list[str]


def curl_blocks(text: str | None = None) -> list[Block]:
    """Every shell block of the README that runs curl, in order, then its inline curls."""
    text = README.read_text() if text is None else text
    blocks = []
    for found in _BLOCK.finditer(text):
        if "curl " in found[1]:
            line = text.count("\n", 0, found.start()) + 2
            blocks.append(Block(line=line, commands=commands(found[1])))
    for found in _INLINE.finditer(text):
        blocks.append(Block(line=text.count("\n", 0, found.start()) + 1, commands=[found[1]]))
    return blocks


def commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, a quoted body carried over lines, a
    here-document kept whole (`cat > f <<'EOF'` to `EOF`), comments and blank lines dropped."""
    found: list[str] = []
    lines = block.replace("\\\n", " ").splitlines()
    pending = ""
    while lines:
        line = lines.pop(0)
        heredoc = _HEREDOC.match(line.strip()) if not pending else None
        if heredoc:
            body = []
            while (next_line := lines.pop(0)) != heredoc[2]:
                body.append(next_line)
            found.append(line.strip() + "\n" + "".join(f"{row}\n" for row in body))
            continue
        pending = f"{pending}\n{line}" if pending else line
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # a quoted body goes on to the next line
            continue
        if words:
            found.append(pending.strip())  # a trailing comment is dropped by the lexer
        pending = ""
    assert not pending, f"unterminated command: {pending}"
    return found


@dataclass
class Answer:
    command: str
    method: str
    path: str
    status: int
    seconds: float
    text: str


@dataclass
class Shell:
    """A reader's shell session: its variables and files, curl answered by the app."""

    client: AsyncClient
    variables: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)

    async def run(self, command: str) -> str:
        heredoc = _HEREDOC.match(command.split("\n", 1)[0])
        if heredoc:
            self.files[heredoc[1]] = command.split("\n", 1)[1].encode()
            return ""
        assignment = _ASSIGNMENT.match(command)
        if assignment:
            name, value = assignment[1], assignment[2].strip()
            if value.startswith("$(") and value.endswith(")"):
                self.variables[name] = (await self.pipeline(value[2:-1])).rstrip("\n")
            else:
                [word] = shlex.split(value)
                self.variables[name] = self.expand(word)
            return ""
        return await self.pipeline(command)

    def expand(self, word: str) -> str:
        def value(found: re.Match[str]) -> str:
            name = found[1] or found[2]
            assert name in self.variables, f"${name} is used before the README defines it"
            return self.variables[name]

        return _VARIABLE.sub(value, word)

    async def pipeline(self, command: str) -> str:
        lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
        lexer.whitespace_split = True
        stages: list[list[str]] = [[]]
        for token in lexer:
            if token == "|":
                stages.append([])
            else:
                stages[-1].append(token)
        output = await self.first_stage(command, [self.expand(word) for word in stages[0]])
        for stage in stages[1:]:
            output = self.filter(stage, output)
        return output

    async def first_stage(self, command: str, words: list[str]) -> str:
        if words[0] == "echo":
            return " ".join(words[1:]) + "\n"
        assert words[0] == "curl", f"not a command the README replay knows: {command}"
        return await self.curl(command, words[1:])

    async def curl(self, command: str, words: list[str]) -> str:
        method, url, output, include = None, None, None, False
        headers: dict[str, str] = {}
        data: list[bytes] = []
        while words:
            word = words.pop(0)
            if word in {"-s", "-S", "-sS"}:
                continue
            if word in {"-i", "-si", "-is"}:
                include = True
            elif word == "-H":
                name, _, value = words.pop(0).partition(": ")
                headers[name] = value
            elif word == "-X":
                method = words.pop(0)
            elif word == "-o":
                output = words.pop(0)
            elif word in {"-d", "--data", "--data-binary"}:
                value = words.pop(0)
                if value.startswith("@"):
                    assert value[1:] in self.files, f"{value[1:]} is not written before {command}"
                    data.append(self.files[value[1:]])
                else:
                    data.append(value.encode())
            else:
                assert not word.startswith("-"), f"curl option {word} not understood: {command}"
                assert url is None, f"two URLs in {command}"
                url = word
        assert url is not None, command
        if data and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/x-www-form-urlencoded"  # as curl does
        started = time.perf_counter()
        response = await self.client.request(
            method or ("POST" if data else "GET"),
            url,
            headers=headers,
            content=b"&".join(data) if data else None,
        )
        self.answers.append(
            Answer(
                command=command,
                method=response.request.method,
                path=urlsplit(url).path,
                status=response.status_code,
                seconds=time.perf_counter() - started,
                text=response.text[:300] if response.status_code >= 300 else "",
            )
        )
        if output is not None:
            self.files[output] = response.content
            return ""
        if include:
            head = [f"HTTP/1.1 {response.status_code}"]
            head += [f"{name}: {value}" for name, value in response.headers.items()]
            return "\r\n".join(head) + "\r\n\r\n" + response.text
        return response.text

    def filter(self, stage: list[str], text: str) -> str:
        name, *arguments = stage
        if name == "jq":
            raw = arguments[0] == "-r"
            [path] = arguments[1:] if raw else arguments
            result = jq_path(json.loads(text), path)
            if raw and isinstance(result, str):
                return result + "\n"
            return json.dumps(result, indent=2) + "\n"
        if name == "python3":
            assert arguments[0] == "-c", stage
            done = subprocess.run(  # noqa: S603 - the README's own one-liner
                [sys.executable, "-c", arguments[1]],
                input=text,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            return done.stdout
        if name == "grep":
            flags = re.IGNORECASE if arguments[0] == "-i" else 0
            pattern = arguments[-1]
            return "".join(
                f"{line}\n" for line in text.splitlines() if re.search(pattern, line, flags)
            )
        raise AssertionError(f"not a filter the README replay knows: {stage}")


def jq_path(document: Any, path: str) -> Any:
    """jq's path filters (`.a.b`, `.items[0].id`), the only ones the README uses."""
    steps = list(_JQ_STEP.finditer(path))
    assert path == "." or "".join(step[0] for step in steps) == path, f"jq {path}: not a path"
    value = document
    for found in steps:
        if value is None:
            return None
        value = value.get(found[1]) if found[1] else _index(value, int(found[2]))
    return value


def _index(value: list[Any], index: int) -> Any:
    return value[index] if index < len(value) else None
