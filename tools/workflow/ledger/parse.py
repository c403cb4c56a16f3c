"""Read a markdown task ledger (``.ldres/tv-tasks.md``) into a :class:`Ledger`.

Entries are ``### <Status> · <id> · <title>`` headings with ``- **Field**: value`` items, and
free-form ``## Task N: <title>`` sections with ``- Field:`` items. Templates inside
``<details>`` blocks, fenced code blocks and HTML comments are not entries. Damage (conflict
markers, malformed headings and ids) becomes a :class:`LedgerProblem`; parsing goes on so the
readable entries stay usable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.workflow.commit_rules import PLANNED_HEADER_PATTERN, parse_header
from tools.workflow.ledger.model import (
    EXPECTED_FORM,
    STATUSES,
    EntryKind,
    Field,
    Ledger,
    LedgerEntry,
    LedgerProblem,
    PlannedCommit,
    parse_task_id,
    split_text_keepends,
    strip_ending,
)
from tools.workflow.versioning import derive_branch

TASK_HEADING = re.compile(
    r"^###[ \t]+(?P<status>[^·]+?)[ \t]+·[ \t]+(?P<id>[^·\s]+)[ \t]+·[ \t]+(?P<title>.*?\S)[ \t]*$"
)
"""An entry heading; the group spans are what ledger/store.py rewrites."""

FREEFORM_HEADING = re.compile(
    r"^##[ \t]+(?P<label>Task\b[^:]*?)[ \t]*:[ \t]*(?P<title>.*?\S)[ \t]*$"
)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BOLD_FIELD = re.compile(r"^-[ \t]+\*\*(?P<name>[^*]+?)\*\*[ \t]*:?[ \t]*(?P<rest>.*)$")
_PLAIN_FIELD = re.compile(r"^-[ \t]+(?P<name>[A-Z][A-Za-z0-9 ?/'-]*?):(?:[ \t]+(?P<rest>.*))?$")
_NUMBERED_ITEM = re.compile(r"^\s*\d+[.)][ \t]+(?P<text>.*)$")
_BULLET_ITEM = re.compile(r"^\s*[-*+][ \t]+(?P<text>.*)$")
_BACKTICKED = re.compile(r"`([^`]+)`")
_BRANCH = re.compile(r"Branch:\s*`?(?P<name>[^`\s]+)`?")
_PR_TITLE = re.compile(r"[Tt]itle[^`]*`(?P<title>[^`]+)`")
_CONFLICT_PREFIXES = ("<<<<<<<", ">>>>>>>", "|||||||")

PLAN_FIELDS = ("Git plan", "Commit guidance")


@dataclass
class _EntryBuilder:
    kind: EntryKind
    heading_line: int
    heading: str
    status: str
    raw_id: str | None
    title: str
    label: str | None
    section: str
    last_line: int
    fields: list[Field] = field(default_factory=list[Field])
    _name: str | None = None
    # Equivalent: never read before add() assigns it with _name.
    _line: int = 0  # pragma: no mutate
    _lines: list[str] = field(default_factory=list[str])
    _numbers: list[int] = field(default_factory=list[int])

    def add(self, number: int, content: str) -> None:
        self.last_line = number
        match = _BOLD_FIELD.match(content) or _PLAIN_FIELD.match(content)
        if match is not None:
            self._flush()
            self._name = match.group("name").strip().rstrip(":").strip()
            self._line = number
            self._lines = [match.group("rest") or ""]
            self._numbers = [number]
        elif self._name is not None:
            self._lines.append(content)
            self._numbers.append(number)

    def _flush(self) -> None:
        if self._name is not None:
            lines = list(self._lines)
            numbers = list(self._numbers)
            while len(lines) > 1 and not lines[-1].strip():
                lines.pop()
                numbers.pop()
            self.fields.append(Field(self._name, self._line, tuple(lines), tuple(numbers)))
        self._name = None

    def build(self) -> LedgerEntry:
        self._flush()
        fields = tuple(self.fields)
        plan = _first_field(fields, PLAN_FIELDS)
        planned = _planned_commits(plan) if plan is not None else ()
        branch, branch_line = _branch(plan) if plan is not None else (None, None)
        derived = False
        if branch is None and planned:
            header = parse_header(planned[0].message)
            if header is not None:
                branch = derive_branch(header.type, header.scope, self.title)
                derived = branch is not None
        steps_field = _first_field(fields, ("Next steps", "Scope"))
        validation = _first_field(fields, ("Validation",))
        acceptance = _first_field(fields, ("Acceptance criteria",))
        pr_field = _first_field(fields, ("PR",))
        pr_title = None
        if pr_field is not None:
            found = _PR_TITLE.search(pr_field.text)
            pr_title = found.group("title") if found else None
        return LedgerEntry(
            kind=self.kind,
            heading_line=self.heading_line,
            heading=self.heading,
            end_line=self.last_line,
            status=self.status,
            raw_id=self.raw_id,
            task_id=parse_task_id(self.raw_id) if self.raw_id is not None else None,
            title=self.title,
            label=self.label,
            section=self.section,
            fields=fields,
            branch=branch,
            branch_line=branch_line,
            branch_derived=derived,
            planned_commits=planned,
            steps=_items(steps_field) if steps_field is not None else (),
            validation_commands=(
                tuple(_BACKTICKED.findall(validation.text)) if validation is not None else ()
            ),
            acceptance=_items(acceptance) if acceptance is not None else (),
            pr_title=pr_title,
        )


def _first_field(fields: tuple[Field, ...], names: tuple[str, ...]) -> Field | None:
    for name in names:
        for candidate in fields:
            if candidate.name.casefold() == name.casefold():
                return candidate
    return None


def _grouped_items(item_field: Field) -> list[tuple[int, str]]:
    """Numbered or bulleted items of a field, wrapped lines joined with spaces."""
    items: list[tuple[int, list[str]]] = []
    # Equivalent: strict=True guards an invariant (appended together).
    for number, line in zip(item_field.numbers, item_field.lines, strict=True):  # pragma: no mutate
        match = _NUMBERED_ITEM.match(line) or _BULLET_ITEM.match(line)
        if match is not None:
            items.append((number, [match.group("text").strip()]))
        elif line.strip() and items:
            items[-1][1].append(line.strip())
    return [(number, " ".join(parts)) for number, parts in items]


def _items(item_field: Field) -> tuple[str, ...]:
    return tuple(text for _, text in _grouped_items(item_field))


def _planned_commits(plan: Field) -> tuple[PlannedCommit, ...]:
    commits: list[PlannedCommit] = []
    for number, text in _grouped_items(plan):
        for span in _BACKTICKED.finditer(text):
            if PLANNED_HEADER_PATTERN.match(span.group(1)) is None:
                continue
            rest = text[span.end() :]
            files: tuple[str, ...] = ()
            opening = rest.find("(")
            closing = rest.rfind(")")
            # Equivalent: opening == closing only when both are -1.
            if 0 <= opening < closing:  # pragma: no mutate
                parts = rest[opening + 1 : closing].replace("`", "").split(",")
                files = tuple(part.strip() for part in parts if part.strip())
            commits.append(PlannedCommit(message=span.group(1), files=files, line=number))
            break
    return tuple(commits)


def _branch(plan: Field) -> tuple[str | None, int | None]:
    # Equivalent: strict=True guards an invariant (appended together).
    for number, line in zip(plan.numbers, plan.lines, strict=True):  # pragma: no mutate
        match = _BRANCH.search(line)
        if match is not None:
            return match.group("name"), number
    return None, None


def conflict_marker(content: str) -> str | None:
    """The merge-conflict marker a line starts with, if any."""
    if content.startswith(_CONFLICT_PREFIXES):
        return content[:7]
    if content.rstrip() == "=======":
        return "======="
    return None


@dataclass
class _Parser:
    entries: list[LedgerEntry] = field(default_factory=list[LedgerEntry])
    problems: list[LedgerProblem] = field(default_factory=list[LedgerProblem])
    current: _EntryBuilder | None = None
    section: str = ""
    fence: str | None = None
    # Equivalent: never read before fence is set, which assigns it.
    fence_line: int = 0  # pragma: no mutate
    details_depth: int = 0
    # Equivalent: never read before details_depth goes from 0 to 1, which assigns it.
    details_line: int = 0  # pragma: no mutate
    in_comment: bool = False
    # Equivalent: never read before in_comment is set, which assigns it.
    comment_line: int = 0  # pragma: no mutate

    def problem(self, line: int, message: str) -> None:
        self.problems.append(LedgerProblem(line=line, severity="error", message=message))

    def close(self) -> None:
        if self.current is not None:
            self.entries.append(self.current.build())
            self.current = None

    def feed(self, number: int, content: str) -> None:
        stripped = content.strip()
        if self.fence is not None:
            if stripped.startswith(self.fence) and not stripped[len(self.fence) :].strip():
                self.fence = None
            return
        if self.in_comment:
            self.in_comment = "-->" not in content
            return
        fence = re.match(r"^(`{3,}|~{3,})", stripped)
        if fence is not None:
            # Equivalent: the one group spans the whole match.
            self.fence = fence.group(1)  # pragma: no mutate
            self.fence_line = number
            return
        marker = conflict_marker(content)
        if marker is not None:
            self.problem(
                number,
                f"leftover merge-conflict marker '{marker}': resolve the conflict and "
                "delete the marker line",
            )
            self.close()
            return
        lowered = stripped.lower()
        if lowered.startswith("<details"):
            if self.details_depth == 0:
                self.details_line = number
            self.details_depth += 1
            return
        if self.details_depth > 0:
            if lowered.startswith("</details>"):
                self.details_depth -= 1
            return
        if stripped.startswith("<!--"):
            self.in_comment = "-->" not in stripped
            self.comment_line = number
            return
        heading = _HEADING.match(content)
        if heading is not None and len(heading.group("hashes")) <= 3:
            self.close()
            self.heading(number, content, len(heading.group("hashes")), heading.group("text"))
            return
        if _THEMATIC_BREAK.match(content):
            self.close()
            return
        if self.current is not None:
            self.current.add(number, content)

    def heading(self, number: int, content: str, level: int, text: str) -> None:
        if level == 2:
            freeform = FREEFORM_HEADING.match(content)
            if freeform is not None:
                self.current = _EntryBuilder(
                    kind="freeform",
                    heading_line=number,
                    heading=content,
                    status="Open",
                    raw_id=None,
                    title=freeform.group("title"),
                    label=freeform.group("label"),
                    section=self.section,
                    last_line=number,
                )
            else:
                self.section = text
            return
        if level != 3:
            self.section = text
            return
        task = TASK_HEADING.match(content)
        if task is None:
            if "·" in text:
                self.problem(
                    number,
                    "malformed entry heading: expected '### <Status> · <id> · <title>'",
                )
            return
        status = task.group("status")
        raw_id = task.group("id")
        if status not in STATUSES:
            self.problem(
                number, f"unknown status '{status}': expected one of {', '.join(STATUSES)}"
            )
        if parse_task_id(raw_id) is None:
            self.problem(number, f"malformed id '{raw_id}': expected {EXPECTED_FORM}")
        self.current = _EntryBuilder(
            kind="task",
            heading_line=number,
            heading=content,
            status=status,
            raw_id=raw_id,
            title=task.group("title"),
            label=None,
            section=self.section,
            last_line=number,
        )

    def finish(self) -> Ledger:
        self.close()
        if self.fence is not None:
            self.problem(self.fence_line, f"fenced code block '{self.fence}' is never closed")
        if self.details_depth > 0:
            self.problem(self.details_line, "<details> block is never closed with </details>")
        if self.in_comment:
            self.problem(self.comment_line, "HTML comment is never closed with -->")
        return Ledger(entries=tuple(self.entries), problems=tuple(self.problems))


def parse_ledger(text: str) -> Ledger:
    """Parse ledger text; line numbers count ``\\n``-terminated lines from 1."""
    parser = _Parser()
    for index, line in enumerate(split_text_keepends(text)):
        content = strip_ending(line)
        if index == 0:
            content = content.removeprefix("\ufeff")
        parser.feed(index + 1, content)
    return parser.finish()


def parse_ledger_bytes(data: bytes) -> Ledger:
    """Parse raw ledger bytes; undecodable bytes are replaced, line numbers stay exact."""
    return parse_ledger(data.decode("utf-8", errors="replace"))
