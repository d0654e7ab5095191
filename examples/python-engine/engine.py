#!/usr/bin/env python3
"""A small job engine that speaks the reapcheck engine protocol, version 1.

    python3 examples/python-engine/engine.py        # no arguments: everything comes in `hello`

Standard library only (Python 3.11+, Linux: it reads /proc). The contract is
docs/engine-protocol.md; this file is a second implementation of it, next to the TypeScript
reference engine in engine/.

It stands for the engine of a public bug report: a Python engine whose exit-rule `abandon` path
never called `release_for_job`, leaking one ACP adapter chain (three processes, ~500 MB) per
abandoned job. The cure shown here is structural: every way a job ends goes through one choke
point, `Engine.finish_job`, and that is the only place that releases. The bug can be switched back
on by name (`exit-abandon-skips-release`), with the other faults of the protocol's §9, so that
reapcheck can prove it sees each of them.

Layout, top to bottom:
    /proc helpers          process identity (pid + starttime), groups, environment tags
    killing                SIGTERM -> grace -> SIGKILL by process group; SIGKILL by identity
    Child                  a spawned process watched for exit without being reaped
    flows                  validation of the flow documents `submit` carries
    Journal, WorkspacePool
    AcpConnection          JSON-RPC 2.0 over an adapter's stdio
    AcpProcessPool         ref-counted adapter chains, pid files
    boot_sweep             what a restarted engine does about its predecessor's orphans
    Engine                 jobs, steps, exit rules, finish_job
    Server, main           the JSON-lines protocol on stdin/stdout
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple

PROTOCOL_VERSION = 1
ENGINE_INFO = {"name": "reapcheck-python-example", "version": "0.1.0"}

# Tags: environment variables survive setsid() and double forks, so a tag finds a descendant that
# left its process group, much as a cgroup would.
JOB_TAG = "REAPCHECK_JOB"
# Ours: `<stateDir>/<engine nonce>/acp-<n>` on every adapter chain, `.../script-<n>` on every
# script. The state folder in it lets a restarted engine recognise its predecessor's processes
# (and nobody else's); the nonce keeps a new chain's tag from matching an orphan of the last life.
OWN_TAG = "PYENGINE_TAG"

# Every fault of the protocol's §9; each is implemented below (grep for its name).
FAULTS = {
    "complete-skips-release": "a job that completes is not released",
    "settle-skips-release": "a job whose runs settle without reaching a terminal step is not released",
    "halt-skips-release": "a job halted by a failed step is not released",
    "fail-route-abandon-skips-release": "a job abandoned by failure routing is not released",
    "exit-abandon-skips-release": "a job abandoned by an exit rule is not released (the reference report's bug)",
    "cancel-skips-release": "a cancelled job is not released",
    "timeout-skips-release": "a job failed by a step timeout is not released",
    "sub-job-skips-release": "a job halted by a failed sub-job is not released",
    "restart-skips-release": "a job stranded by an engine crash is not released after the restart",
    "shutdown-skips-release": "graceful shutdown releases nothing and leaves its adapters behind",
    "kill-pid-not-group": "an adapter is killed by pid, not by process group: the chain's children survive",
    "no-sigkill-escalation": "an adapter gets SIGTERM only: one that ignores it lives on",
    "abandon-leaves-inflight-runs": "sibling runs stay running under an abandoned job",
    "pidfile-left-behind": "an adapter's pid file outlives the adapter",
    "double-release": "a job is released twice",
    "refcount-ignored": "a shared adapter is killed while another live job still uses it",
    "kill-ignores-escapes": "an adapter's descendants that left its process group are not swept by tag",
    "no-boot-sweep": "orphans of a crashed engine survive the restart",
    "sweep-ignores-identity": "the boot sweep signals a pid from a pid file without checking it is still ours",
}

OUTCOME_KINDS = [
    "completed", "no_terminal_reached", "step_failed", "abandoned", "cancelled",
    "shutdown", "timeout", "sub_job_failed", "engine_restarted",
]

CAPABILITIES = {
    "outcomes": OUTCOME_KINDS,
    "executors": ["agent", "script", "sleep", "sub_job"],
    "exitActions": ["advance", "loop", "escalate", "abandon"],
    "onError": ["fail", "continue", "abandon"],
    "stepTimeouts": True,
    "commands": ["cancel", "resume"],
    "crashRestart": True,
    "ledgers": True,
    "pool": True,
    "pidFiles": True,
    "workspaces": True,
    "faults": list(FAULTS),
}

POLL_S = 0.02          # how often a kill looks at /proc
SIGKILL_WAIT_S = 5.0   # how long SIGKILLed processes get to disappear before they count as survivors
HANGUP_WAIT_S = 0.5    # how long an adapter that hung up on us gets for its root's exit to be seen


def log(message: str) -> None:
    try:
        sys.stderr.write(f"python-engine: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def release_fault_for(outcome: dict) -> str:
    """The fault that makes this terminal path forget to release: one table, one lookup."""
    kind = outcome["kind"]
    if kind == "abandoned":
        return "exit-abandon-skips-release" if outcome["via"] == "exit_rule" else "fail-route-abandon-skips-release"
    return {
        "completed": "complete-skips-release",
        "no_terminal_reached": "settle-skips-release",
        "step_failed": "halt-skips-release",
        "cancelled": "cancel-skips-release",
        "timeout": "timeout-skips-release",
        "shutdown": "shutdown-skips-release",
        "sub_job_failed": "sub-job-skips-release",
        "engine_restarted": "restart-skips-release",
    }[kind]


def status_of(outcome: dict) -> str:
    return {"completed": "completed", "cancelled": "cancelled"}.get(outcome["kind"], "failed")


# --------------------------------------------------------------------------------------------
# /proc: a process is (pid, starttime); a pid alone can be recycled, the pair cannot.

class Proc(NamedTuple):
    pid: int
    state: str
    ppid: int
    pgid: int
    starttime: int

    @property
    def zombie(self) -> bool:
        return self.state in ("Z", "X")


def read_stat(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("latin-1")
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: it ends at the LAST ')'. What follows is
    # field 3 (state) onwards, so field N is fields[N - 3]; starttime is field 22.
    fields = text[text.rfind(")") + 2:].split()
    try:
        return Proc(pid, fields[0], int(fields[1]), int(fields[2]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def read_env_var(pid: int, name: str) -> str | None:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = f.read()
    except OSError:
        return None
    prefix = name.encode() + b"="
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix):].decode("utf-8", "replace")
    return None


def group_exists(pgid: int) -> bool:
    """Whether any process, a zombie included, is in the group: signal 0 asks the kernel at once."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def live_group_members(pgid: int) -> list[Proc]:
    """Live (non-zombie) members of a process group."""
    if not group_exists(pgid):  # no such group: no scan needed
        return []
    members = []
    for pid in all_pids():
        stat = read_stat(pid)
        if stat is not None and stat.pgid == pgid and not stat.zombie:
            members.append(stat)
    return members


def live_with_env(name: str, match: Callable[[str], bool]) -> list[Proc]:
    """Live processes whose `name` variable matches. The stat is read before and after the
    environment: a pid recycled in between shows another starttime and is skipped."""
    found = []
    me = os.getpid()
    for pid in all_pids():
        if pid == me:
            continue
        before = read_stat(pid)
        if before is None or before.zombie:
            continue
        value = read_env_var(pid, name)
        if value is None or not match(value):
            continue
        after = read_stat(pid)
        if after is not None and after.starttime == before.starttime and not after.zombie:
            found.append(after)
    return found


def live_descendants(root: int) -> list[Proc]:
    """Live descendants of a process by parent links, in one scan: a child that left the group
    and cleared (or hid) its environment, found while the chain that started it still lives."""
    stats = [s for s in (read_stat(pid) for pid in all_pids()) if s is not None and not s.zombie]
    children: dict[int, list[Proc]] = {}
    for stat in stats:
        children.setdefault(stat.ppid, []).append(stat)
    found, queue = [], list(children.get(root, []))
    while queue:
        nxt = queue.pop(0)
        found.append(nxt)
        queue.extend(children.get(nxt.pid, []))
    return found


def same_process_alive(pid: int, starttime: int) -> bool:
    stat = read_stat(pid)
    return stat is not None and stat.starttime == starttime and not stat.zombie


# --------------------------------------------------------------------------------------------
# Killing: by group membership, as systemd's KillMode=control-group does, never by a bare pid.

@dataclass
class KillResult:
    gone: bool
    signal: str | None = None          # the last signal that was needed, None when the group was empty
    survivors: list[int] = field(default_factory=list)


def _send(target: int, sig: signal.Signals) -> None:
    try:
        os.kill(target, sig)
    except ProcessLookupError:
        pass


async def _wait_empty(pgid: int, leader_only: bool, seconds: float) -> bool:
    """A look finds no one only as of its listing of /proc: a member forked while it reads (a
    dying leader's last child) is missed. So the group is empty only when the kernel has no such
    group, or when two looks a poll apart agree (a group of unreaped zombies stays a group)."""
    deadline = time.monotonic() + seconds
    empty_looks = 0
    while True:
        live = [p for p in live_group_members(pgid) if not leader_only or p.pid == pgid]
        empty_looks = 0 if live else empty_looks + 1
        if not live and (empty_looks >= 2 or not group_exists(pgid)):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_S)


async def kill_group(pgid: int, *, grace_s: float, owns: Callable[[list[Proc]], bool],
                     escalate: bool = True, leader_only: bool = False) -> KillResult:
    """SIGTERM the group, give it `grace_s` to empty, SIGKILL what is left, wait until it is gone.

    `owns` is asked before each signal whether the live members are still the group we mean:
    once a group has emptied, its number can come back as someone else's."""
    if pgid <= 1:  # kill(-1) and kill(0) reach every process we may signal, or our own group
        raise ValueError(f"refusing to signal process group {pgid}")
    target = pgid if leader_only else -pgid  # `kill-pid-not-group`: the leader alone

    def send(sig: signal.Signals) -> bool:
        members = live_group_members(pgid)
        if not members or not owns(members):
            return False
        _send(target, sig)
        return True

    if not send(signal.SIGTERM):
        return KillResult(True, None)
    if await _wait_empty(pgid, leader_only, grace_s):
        return KillResult(True, "SIGTERM")
    if escalate:  # off under `no-sigkill-escalation`: a chain that traps SIGTERM lives on
        if not send(signal.SIGKILL):
            return KillResult(True, "SIGTERM")
        if await _wait_empty(pgid, leader_only, SIGKILL_WAIT_S):
            return KillResult(True, "SIGKILL")
    return KillResult(False, None, [p.pid for p in live_group_members(pgid)])


def led_by(pid: int, starttime: int) -> Callable[[list[Proc]], bool]:
    """`owns` for a group we made: still ours while its leader is the recorded process, or while
    members live on after the leader died (the kernel reuses no pid that is still some group's
    id). Every member counts, tagged or not: a child that cleared its environment (the fake's
    `escape: untagged`) is in the group all the same, and only the group's SIGKILL ends it."""
    def owns(members: list[Proc]) -> bool:
        leader = next((m for m in members if m.pid == pid), None)
        return leader is None or leader.starttime == starttime
    return owns


async def kill_processes(found: Iterable[Proc], wait_s: float = SIGKILL_WAIT_S) -> list[int]:
    """SIGKILLs processes found by tag, each re-checked by (pid, starttime) just before the
    signal; waits until they are gone. Returns the pids still alive."""
    found = list(found)
    for p in found:
        if same_process_alive(p.pid, p.starttime):
            _send(p.pid, signal.SIGKILL)
    deadline = time.monotonic() + wait_s
    while any(same_process_alive(p.pid, p.starttime) for p in found) and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
    return [p.pid for p in found if same_process_alive(p.pid, p.starttime)]


# --------------------------------------------------------------------------------------------

class Child:
    """A process we started, watched for its exit WITHOUT reaping it.

    Until `reap()`, its zombie keeps its pid, and so its process group's id, from being reused:
    signalling -pgid after the leader exited is then safe, and the rest of its group can be killed
    before we let the number go. Exit is seen through a pidfd (or, without one, a thread blocked
    in waitid(WNOWAIT))."""

    def __init__(self, popen: subprocess.Popen, loop: asyncio.AbstractEventLoop):
        self.popen = popen
        self.pid = popen.pid
        self.exited: asyncio.Future = loop.create_future()  # (code, signal name)
        self._loop = loop
        try:
            fd = os.pidfd_open(self.pid)
            loop.add_reader(fd, self._on_pidfd, fd)
        except (AttributeError, OSError):
            threading.Thread(target=self._wait_in_thread, daemon=True).start()

    def _peek(self) -> tuple[int | None, str | None]:
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:
            return (self.popen.returncode, None)
        if info is None:
            return (None, None)
        if info.si_code == os.CLD_EXITED:
            return (info.si_status, None)
        try:
            return (None, signal.Signals(info.si_status).name)
        except ValueError:
            return (None, str(info.si_status))

    def _set(self, status: tuple[int | None, str | None]) -> None:
        if not self.exited.done():
            self.exited.set_result(status)

    def _on_pidfd(self, fd: int) -> None:
        self._loop.remove_reader(fd)
        os.close(fd)
        self._set(self._peek())

    def _wait_in_thread(self) -> None:
        status = self._peek()
        try:
            self._loop.call_soon_threadsafe(self._set, status)
        except RuntimeError:
            pass  # the loop is gone: so are we

    def reap(self) -> None:
        if self.exited.done():
            self.popen.wait()


async def read_to_end(pipe) -> bytes:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2 ** 24)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        return await reader.read()
    finally:
        transport.close()


# --------------------------------------------------------------------------------------------
# Flows, as `submit` carries them (snake_case), validated before anything runs (§6).

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
HANDSHAKES = ("ok", "hang", "garbage", "error-session-new")
ESCAPES = ("none", "setsid", "double-fork", "untagged", "hidden", "env-cleared")
_MISSING = object()


@dataclass(frozen=True)
class AgentSpec:
    prompt: str
    profile: str
    model: str
    tools: tuple[str, ...]
    allowed_paths: tuple[str, ...]
    latency_ms: int
    ballast_mb: int
    ignore_sigterm: bool
    handshake: str
    escape: str

    def pool_key(self) -> tuple:
        """Two agent steps share a chain exactly when every field but the prompt is equal
        (lists compared as sets, as the reference engine does)."""
        return (self.profile, self.model, tuple(sorted(self.tools)), tuple(sorted(self.allowed_paths)),
                self.latency_ms, self.ballast_mb, self.ignore_sigterm, self.handshake, self.escape)

    def knob_env(self) -> dict[str, str]:
        """The fake adapter's knobs (real adapters ignore them)."""
        return {
            "FAKE_ACP_LATENCY_MS": str(self.latency_ms),
            "FAKE_ACP_BALLAST_MB": str(self.ballast_mb),
            "FAKE_ACP_IGNORE_SIGTERM": "1" if self.ignore_sigterm else "0",
            "FAKE_ACP_HANDSHAKE": self.handshake,
            "FAKE_ACP_ESCAPE": self.escape,
        }


@dataclass(frozen=True)
class ExitRule:
    name: str
    contains: str | None      # None: `when: always`
    action: str               # advance | loop | escalate | abandon
    target: str | None = None
    max_iterations: int | None = None  # None: no limit

    def matches(self, output: str) -> bool:
        return self.contains is None or self.contains in output


@dataclass(frozen=True)
class Step:
    name: str
    kind: str                 # agent | script | sleep | sub_job
    agent: AgentSpec | None
    script: str | None
    sleep_ms: int | None
    sub_flow: "Flow | None"
    after: tuple[str, ...]
    exit_rules: tuple[ExitRule, ...]
    on_error: str
    timeout_ms: int | None


@dataclass(frozen=True)
class Flow:
    steps: tuple[Step, ...]

    def leaves(self) -> list[str]:
        """Terminal steps: those no other step waits for."""
        awaited = {dep for s in self.steps for dep in s.after}
        return [s.name for s in self.steps if s.name not in awaited]

    def downstream_of(self, target: str) -> set[str]:
        """A step and every step that waits on it, directly or not."""
        found = {target}
        grew = True
        while grew:
            grew = False
            for s in self.steps:
                if s.name not in found and any(dep in found for dep in s.after):
                    found.add(s.name)
                    grew = True
        return found


class FlowError(ValueError):
    pass


class _Checker:
    """Collects every problem of a flow document, each named by its path."""

    def __init__(self) -> None:
        self.issues: list[str] = []

    def bad(self, path: str, message: str) -> None:
        self.issues.append(f"{path or '(flow)'}: {message}")

    def obj(self, value: Any, path: str, fields: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path, "expected an object")
            return None
        for key in value:
            if key not in fields:
                self.bad(_at(path, key), "unknown field")
        return value

    def get(self, obj: dict, key: str, path: str, check: Callable[[Any], Any], what: str, default: Any = _MISSING) -> Any:
        if key not in obj:
            if default is _MISSING:
                self.bad(_at(path, key), "required")
            return None if default is _MISSING else default
        value = check(obj[key])
        if value is _MISSING:
            self.bad(_at(path, key), f"expected {what}")
            return None if default is _MISSING else default
        return value


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _int_between(lo: int, hi: int | None = None) -> Callable[[Any], Any]:
    return lambda v: int(v) if _is_int(v) and int(v) >= lo and (hi is None or int(v) <= hi) else _MISSING


def _nonempty_str(v: Any) -> Any:
    return v if isinstance(v, str) and v else _MISSING


def _name(v: Any) -> Any:
    return v if isinstance(v, str) and NAME_RE.match(v) else _MISSING


def _str(v: Any) -> Any:
    return v if isinstance(v, str) else _MISSING


def _bool(v: Any) -> Any:
    return v if isinstance(v, bool) else _MISSING


def _str_list(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else _MISSING


def _name_list(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) and all(isinstance(x, str) and NAME_RE.match(x) for x in v) else _MISSING


def _one_of(*choices: str) -> Callable[[Any], Any]:
    return lambda v: v if v in choices else _MISSING


NAME_WHAT = "a name of letters, digits, '_', '.' or '-'"


def parse_flow(document: Any) -> Flow:
    check = _Checker()
    flow = _parse_flow(document, "", check)
    if check.issues or flow is None:
        raise FlowError("; ".join(check.issues) or "invalid flow")
    return flow


def _parse_flow(document: Any, path: str, check: _Checker) -> Flow | None:
    obj = check.obj(document, path, {"steps"})
    if obj is None:
        return None
    raw_steps = obj.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        check.bad(_at(path, "steps"), "expected a non-empty list of steps")
        return None
    steps = [s for s in (_parse_step(raw, _at(_at(path, "steps"), i), check) for i, raw in enumerate(raw_steps)) if s is not None]
    if len(steps) != len(raw_steps):
        return None
    names = set()
    for i, step in enumerate(steps):
        if step.name in names:
            check.bad(_at(_at(_at(path, "steps"), i), "name"), f'duplicate step "{step.name}"')
        names.add(step.name)
    for i, step in enumerate(steps):
        at = _at(_at(path, "steps"), i)
        for j, dep in enumerate(step.after):
            if dep not in names:
                check.bad(_at(_at(at, "after"), j), f'no step named "{dep}"')
        for j, rule in enumerate(step.exit_rules):
            if rule.target is not None and rule.target not in names:
                check.bad(_at(_at(_at(at, "exit_rules"), j), "target"), f'no step named "{rule.target}"')
    cycle = _find_cycle(steps)
    if cycle is not None:
        check.bad(_at(path, "steps"), f"cyclic after: {' -> '.join(cycle)}")
    return Flow(tuple(steps))


def _find_cycle(steps: list[Step]) -> list[str] | None:
    deps = {s.name: s.after for s in steps}
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        if state.get(node) == "done":
            return None
        if state.get(node) == "visiting":
            return trail[trail.index(node):] + [node]
        state[node] = "visiting"
        for dep in deps.get(node, ()):
            found = visit(dep, trail + [node])
            if found is not None:
                return found
        state[node] = "done"
        return None

    for s in steps:
        found = visit(s.name, [])
        if found is not None:
            return found
    return None


STEP_FIELDS = {"name", "agent", "script", "sleep_ms", "sub_job", "after", "exit_rules", "on_error", "timeout_ms"}
AGENT_FIELDS = {"prompt", "profile", "model", "tools", "allowed_paths", "latency_ms", "ballast_mb",
                "ignore_sigterm", "handshake", "escape"}
RULE_FIELDS = {"name", "when", "action", "target", "max_iterations"}


def _parse_step(raw: Any, path: str, check: _Checker) -> Step | None:
    obj = check.obj(raw, path, STEP_FIELDS)
    if obj is None:
        return None
    before = len(check.issues)
    name = check.get(obj, "name", path, _name, NAME_WHAT)
    executors = [k for k in ("agent", "script", "sleep_ms", "sub_job") if k in obj]
    if len(executors) != 1:
        check.bad(path, "a step needs exactly one executor: agent, script, sleep_ms or sub_job")
    agent = _parse_agent(obj["agent"], _at(path, "agent"), check) if "agent" in obj else None
    script = check.get(obj, "script", path, _nonempty_str, "a non-empty string", None)
    sleep_ms = check.get(obj, "sleep_ms", path, _int_between(0), "an integer >= 0", None)
    sub_flow = None
    if "sub_job" in obj:
        sub_flow = _parse_flow(obj["sub_job"], _at(path, "sub_job"), check)
    after = check.get(obj, "after", path, _name_list, "a list of step names", ())
    rules_raw = obj.get("exit_rules", [])
    rules = []
    if not isinstance(rules_raw, list):
        check.bad(_at(path, "exit_rules"), "expected a list")
    else:
        for j, r in enumerate(rules_raw):
            rule = _parse_rule(r, _at(_at(path, "exit_rules"), j), check)
            if rule is not None:
                rules.append(rule)
    on_error = check.get(obj, "on_error", path, _one_of("fail", "continue", "abandon"), "fail, continue or abandon", "fail")
    timeout_ms = check.get(obj, "timeout_ms", path, _int_between(1), "an integer > 0", None)
    if len(check.issues) > before:
        return None
    kind = {"agent": "agent", "script": "script", "sleep_ms": "sleep", "sub_job": "sub_job"}[executors[0]]
    return Step(name, kind, agent, script, sleep_ms, sub_flow, after, tuple(rules), on_error, timeout_ms)


def _parse_agent(raw: Any, path: str, check: _Checker) -> AgentSpec | None:
    obj = check.obj(raw, path, AGENT_FIELDS)
    if obj is None:
        return None
    g = check.get
    return AgentSpec(
        prompt=g(obj, "prompt", path, _nonempty_str, "a non-empty string"),
        profile=g(obj, "profile", path, _name, NAME_WHAT, "default"),
        model=g(obj, "model", path, _str, "a string", "default"),
        tools=g(obj, "tools", path, _str_list, "a list of strings", ()),
        allowed_paths=g(obj, "allowed_paths", path, _str_list, "a list of strings", ()),
        latency_ms=g(obj, "latency_ms", path, _int_between(0), "an integer >= 0", 20),
        ballast_mb=g(obj, "ballast_mb", path, _int_between(0, 4096), "an integer from 0 to 4096", 8),
        ignore_sigterm=g(obj, "ignore_sigterm", path, _bool, "true or false", False),
        handshake=g(obj, "handshake", path, _one_of(*HANDSHAKES), " or ".join(HANDSHAKES), "ok"),
        escape=g(obj, "escape", path, _one_of(*ESCAPES), " or ".join(ESCAPES), "none"),
    )


def _parse_rule(raw: Any, path: str, check: _Checker) -> ExitRule | None:
    obj = check.obj(raw, path, RULE_FIELDS)
    if obj is None:
        return None
    before = len(check.issues)
    name = check.get(obj, "name", path, _name, NAME_WHAT)
    when = obj.get("when", _MISSING)
    contains = None
    if when == "always":
        contains = None
    elif isinstance(when, dict) and set(when) == {"output_contains"} and _nonempty_str(when["output_contains"]) is not _MISSING:
        contains = when["output_contains"]
    else:
        check.bad(_at(path, "when"), 'expected "always" or {"output_contains": "<text>"}')
    action = check.get(obj, "action", path, _one_of("advance", "loop", "escalate", "abandon"), "advance, loop, escalate or abandon")
    target = check.get(obj, "target", path, _name, NAME_WHAT, None)
    max_iterations = check.get(obj, "max_iterations", path, _int_between(1), "an integer > 0", None)
    if action == "loop" and target is None:
        check.bad(_at(path, "target"), "a loop rule needs a target step")
    if action not in (None, "loop") and ("target" in obj or "max_iterations" in obj):
        check.bad(_at(path, "action"), "target and max_iterations belong to a loop rule only")
    if len(check.issues) > before:
        return None
    return ExitRule(name, contains, action, target, max_iterations)


# --------------------------------------------------------------------------------------------

class Journal:
    """Submitted and terminal jobs as JSON lines, so a restarted engine knows what it owned."""

    def __init__(self, path: str):
        self.path = path

    def append(self, entry: dict) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        except OSError as error:
            log(f"cannot write the journal: {error}")

    def unfinished(self) -> tuple[list[dict], list[dict]]:
        """What a crash left: jobs submitted and never ended (stranded), and jobs that ended but
        whose release never finished (each its `terminal` entry, with the outcome). In order; a
        torn last line is ignored."""
        submitted: dict[str, dict] = {}
        ended: dict[str, dict] = {}
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return [], []
        for line in lines:
            try:
                entry = json.loads(line)
                job_id = entry["jobId"]
                kind = entry["type"]
            except (ValueError, KeyError, TypeError):
                continue
            if kind == "submitted":
                submitted[job_id] = entry
            elif kind == "terminal" and job_id in submitted:
                ended[job_id] = {**submitted.pop(job_id), **entry}
            elif kind == "released":
                ended.pop(job_id, None)
        return list(submitted.values()), [e for e in ended.values() if isinstance(e.get("outcome"), dict)]


class WorkspacePool:
    """One working folder per job: what stands here for the VM and container pools of real engines."""

    name = "workspaces"

    def __init__(self, root: str):
        self.root = root
        self.released_jobs: list[str] = []
        self.dirs: dict[str, str] = {}
        os.makedirs(root, exist_ok=True)

    def acquire(self, job_id: str) -> str:
        path = os.path.join(self.root, job_id)
        os.makedirs(path, exist_ok=True)
        self.dirs[job_id] = path
        return path

    def adopt(self, job_id: str) -> None:
        """A stranded job's folder from the last life becomes its own again, to be released."""
        path = os.path.join(self.root, job_id)
        if os.path.isdir(path):
            self.dirs[job_id] = path

    async def release_for_job(self, job_id: str) -> None:
        self.released_jobs.append(job_id)
        path = self.dirs.pop(job_id, None)
        if path is not None:
            shutil.rmtree(path, ignore_errors=False, onerror=_ignore_missing)

    async def release_all(self) -> None:
        """Removes what is left; not a per-job release, so the ledger still shows who was skipped."""
        for path in self.dirs.values():
            shutil.rmtree(path, ignore_errors=True)
        self.dirs.clear()

    def sweep_orphans(self, keep: set[str]) -> None:
        """At boot: folders of jobs that ended before the crash but were never released."""
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return
        for name in names:
            if name not in keep:
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def snapshot(self) -> list[dict]:
        return [{"jobId": job_id, "dir": path} for job_id, path in self.dirs.items()]


def _ignore_missing(func, path, exc_info) -> None:
    if not isinstance(exc_info[1], FileNotFoundError):
        raise exc_info[1]


# --------------------------------------------------------------------------------------------
# ACP: JSON-RPC 2.0, one message per line, on an adapter's stdio (§7).

class AcpError(Exception):
    """The adapter answered with an error, went silent too long, or broke the connection."""


class AcpConnection:
    def __init__(self, popen: subprocess.Popen, loop: asyncio.AbstractEventLoop):
        self.pid = popen.pid
        self._stdin = popen.stdin
        self._pending: dict[int, asyncio.Future] = {}
        self._chunks: dict[str, list[str]] = {}
        self._turn_locks: dict[str, asyncio.Lock] = {}
        self._ids = itertools.count(1)
        self._loop = loop
        self.closed_reason: str | None = None
        self.hung_up = False  # the adapter's end closed before ours did
        self._transport: asyncio.ReadTransport | None = None
        self._reader = loop.create_task(self._read(popen.stdout))

    @property
    def closed(self) -> bool:
        return self.closed_reason is not None

    async def _read(self, stdout) -> None:
        reason = "the adapter closed its stdout"
        reader = asyncio.StreamReader(limit=2 ** 24)
        try:
            self._transport, _ = await self._loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdout)
        except OSError as error:
            stdout.close()
            return self.close(f"cannot read the adapter: {error}")
        try:
            while not self.closed:
                line = await reader.readline()
                if not line:
                    break
                if line.strip():
                    self._on_line(line)
        except (ValueError, OSError) as error:
            reason = f"cannot read the adapter: {error}"
        finally:
            self._transport.close()
            self.hung_up = not self.closed
            self.close(reason)

    def close(self, reason: str) -> None:
        """Fails every request in flight (the running turn among them) and closes our end."""
        if self.closed:
            return
        self.closed_reason = reason
        for future in self._pending.values():
            if not future.done():
                future.set_exception(AcpError(reason))
        self._pending.clear()
        try:
            self._stdin.close()
        except (OSError, ValueError):
            pass
        if self._transport is not None:
            self._transport.close()  # the reader sees end of file and stops

    def _write(self, message: dict) -> None:
        if self.closed:
            raise AcpError(self.closed_reason)
        data = (json.dumps(message) + "\n").encode()
        try:
            fd = self._stdin.fileno()
            while data:
                data = data[os.write(fd, data):]
        except (OSError, ValueError) as error:
            self.close(f"cannot write to the adapter: {error}")
            raise AcpError(self.closed_reason) from None

    def _on_line(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            # Skipped, as the ACP SDK does (it answers a parse error and reads on): a stray log
            # line from a real adapter must not cost the turn. An adapter that speaks nothing
            # else (the fake's `handshake: garbage`) fails its handshake by the timeout.
            log(f"adapter {self.pid}: not JSON-RPC, skipped: {line[:80]!r}")
            return
        method = message.get("method")
        if isinstance(method, str):
            if message.get("id") is not None:
                self._answer(message["id"], method)
            else:
                self._on_notification(method, message.get("params") or {})
            return
        future = self._pending.pop(message.get("id"), None) if isinstance(message.get("id"), int) else None
        if future is None or future.done():
            return  # the answer to a request we gave up on
        if "error" in message:
            future.set_exception(AcpError(_error_text(message["error"])))
        else:
            future.set_result(message.get("result"))

    def _answer(self, request_id: Any, method: str) -> None:
        if method == "session/request_permission":
            reply = {"jsonrpc": "2.0", "id": request_id, "result": {"outcome": {"outcome": "cancelled"}}}
        else:
            reply = {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": f"method not found: {method}"}}
        try:
            self._write(reply)
        except AcpError:
            pass

    def _on_notification(self, method: str, params: dict) -> None:
        if method != "session/update" or not isinstance(params, dict):
            return
        update = params.get("update") or {}
        content = update.get("content") or {}
        if update.get("sessionUpdate") == "agent_message_chunk" and content.get("type") == "text":
            chunks = self._chunks.get(params.get("sessionId"))
            if chunks is not None:
                chunks.append(str(content.get("text", "")))

    def _send_request(self, method: str, params: dict) -> tuple[int, asyncio.Future]:
        """Writes a request now; its answer resolves the future."""
        request_id = next(self._ids)
        future = self._loop.create_future()
        self._pending[request_id] = future
        try:
            self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        except AcpError:
            del self._pending[request_id]
            raise
        return request_id, future

    async def request(self, method: str, params: dict, timeout_s: float | None = None) -> Any:
        request_id, future = self._send_request(method, params)
        try:
            if timeout_s is None:
                return await future
            try:
                return await asyncio.wait_for(future, timeout_s)
            except TimeoutError:
                raise AcpError(f"{method}: no answer within {round(timeout_s * 1000)} ms") from None
        finally:
            self._pending.pop(request_id, None)

    def notify(self, method: str, params: dict) -> None:
        try:
            self._write({"jsonrpc": "2.0", "method": method, "params": params})
        except AcpError:
            pass

    async def initialize(self, timeout_s: float) -> None:
        await self.request("initialize", {"protocolVersion": PROTOCOL_VERSION, "clientCapabilities": {}}, timeout_s)

    async def new_session(self, cwd: str, timeout_s: float) -> str:
        result = await self.request("session/new", {"cwd": cwd, "mcpServers": []}, timeout_s)
        session_id = result.get("sessionId") if isinstance(result, dict) else None
        if not isinstance(session_id, str):
            raise AcpError(f"session/new answered without a sessionId: {result!r:.120}")
        return session_id

    async def prompt(self, session_id: str, text: str, on_sent: Callable[[], None]) -> tuple[str, str]:
        """One turn: its output is the text of the agent_message_chunk updates it sent. Cancelling
        the awaiting task sends session/cancel (the turn's end is then the adapter's business).

        A session holds one turn at a time (ACP's updates name the session, not the turn), so
        parallel steps of one job on a shared chain take turns on their session."""
        async with self._turn_locks.setdefault(session_id, asyncio.Lock()):
            chunks: list[str] = []
            self._chunks[session_id] = chunks
            try:
                request_id, answer = self._send_request(
                    "session/prompt", {"sessionId": session_id, "prompt": [{"type": "text", "text": text}]})
                on_sent()
                try:
                    result = await answer
                except asyncio.CancelledError:
                    self.notify("session/cancel", {"sessionId": session_id})
                    raise
                finally:
                    self._pending.pop(request_id, None)
            finally:
                del self._chunks[session_id]
        stop = result.get("stopReason") if isinstance(result, dict) else None
        return "".join(chunks), str(stop)


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    text = str(error.get("message", "error"))
    data = error.get("data")
    if isinstance(data, str) and data:
        text += f": {data}"
    elif isinstance(data, dict) and isinstance(data.get("details"), str):
        text += f": {data['details']}"
    return text


# --------------------------------------------------------------------------------------------
# The ACP process pool: adapter chains shared by jobs with equal agent configs, counted by job.

STARTING, READY, KILLING, DEAD = "starting", "ready", "killing", "dead"


class AdapterError(Exception):
    pass


class Chain:
    """One adapter chain: its root (leader of its own process group) and everything under it."""

    def __init__(self, key: tuple, tag: str, profile: str, child: Child, starttime: int, pid_file: str,
                 client: AcpConnection, first_job: str):
        self.key = key
        self.tag = tag
        self.profile = profile
        self.child = child
        self.pid = child.pid
        self.starttime = starttime
        self.pid_file = pid_file
        self.client = client
        self.refs: dict[str, None] = {first_job: None}   # an ordered set of job ids
        self.sessions: dict[str, asyncio.Task] = {}      # job id -> its session/new
        self.state = STARTING
        self.ready: asyncio.Task | None = None           # the initialize handshake
        self.reaping: asyncio.Task | None = None         # set once, by whoever starts the end
        self.died_alone = False

    def snapshot(self) -> dict:
        return {"pid": self.pid, "pgid": self.pid, "starttime": self.starttime, "profile": self.profile,
                "refs": list(self.refs), "state": self.state, "pidFile": self.pid_file}


def _consume(task: asyncio.Task) -> None:
    """Marks a background task's exception as seen: whoever needed it awaited it already."""
    if not task.cancelled():
        task.exception()


class AcpProcessPool:
    name = "acp-pool"

    def __init__(self, *, state_dir: str, tag_prefix: str, profiles: dict, faults: frozenset,
                 kill_grace_s: float, handshake_timeout_s: float, emit: Callable[[dict], None]):
        self.state_dir = state_dir
        self.pid_dir = os.path.join(state_dir, "pids")
        self.tag_prefix = tag_prefix
        self.profiles = profiles
        self.faults = faults
        self.kill_grace_s = kill_grace_s
        self.handshake_timeout_s = handshake_timeout_s
        self.emit = emit
        self.released_jobs: list[str] = []
        self._released: set[str] = set()
        self.entries: list[Chain] = []
        self._spawned = itertools.count(1)
        os.makedirs(self.pid_dir, exist_ok=True)

    # -- leasing --------------------------------------------------------------------------

    async def acquire(self, job_id: str, spec: AgentSpec, cwd: str) -> tuple[Chain, str]:
        """A job's lease on a chain with this config (shared if one is up, spawned if not) and
        the job's session on it."""
        if job_id in self._released:
            raise AdapterError(f"job {job_id} was already released")
        key = spec.pool_key()
        chain = next((c for c in self.entries if c.key == key and c.state in (STARTING, READY)), None)
        shared = chain is not None
        if chain is None:
            chain = self._spawn(job_id, spec)
        else:
            chain.refs[job_id] = None
            self._write_pid_file(chain)
        self.emit({"event": "adapter.leased", "jobId": job_id, "pid": chain.pid, "pgid": chain.pid, "shared": shared})
        handshaken = False
        try:
            await asyncio.shield(chain.ready)
            handshaken = True
            session = chain.sessions.get(job_id)
            if session is None:
                session = asyncio.get_running_loop().create_task(chain.client.new_session(cwd, self.handshake_timeout_s))
                session.add_done_callback(_consume)
                chain.sessions[job_id] = session
            try:
                session_id = await asyncio.shield(session)
            except Exception:
                if chain.sessions.get(job_id) is session:
                    del chain.sessions[job_id]
                raise
            if job_id in self._released:
                raise AdapterError(f"job {job_id} was released while its adapter started")
            return chain, session_id
        except AdapterError:
            await self._drop(chain, job_id)
            raise
        except asyncio.CancelledError:
            raise  # the job is ending: its release drops the ref
        except Exception as error:
            # A chain that failed its handshake is of no use to anyone. One that only refused
            # this job's session/new may still serve the jobs sharing it: this job lets go.
            if not handshaken or len(chain.refs) <= 1:
                await self._discard(chain, str(error))
            else:
                await self._drop(chain, job_id)
            raise AdapterError(f"adapter {chain.pid}: {error}") from None

    def _spawn(self, job_id: str, spec: AgentSpec) -> Chain:
        """Starts a chain and registers it before anything is awaited, so a second job asking for
        the same config while this one starts shares it instead of spawning a twin."""
        launch = self.profiles.get(spec.profile)
        if launch is None:
            raise AdapterError(f'no adapter profile "{spec.profile}"')
        tag = f"{self.tag_prefix}/acp-{next(self._spawned)}"
        env = {**os.environ, **launch["env"], **spec.knob_env(), JOB_TAG: job_id, OWN_TAG: tag}
        try:
            popen = subprocess.Popen([launch["command"], *launch["args"]], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=None, env=env,
                                     start_new_session=True)  # setsid(): a group of its own, led by the root
        except OSError as error:
            raise AdapterError(f'cannot start adapter "{launch["command"]}": {error}') from None
        loop = asyncio.get_running_loop()
        child = Child(popen, loop)
        stat = read_stat(popen.pid)
        chain = Chain(spec.pool_key(), tag, spec.profile, child, stat.starttime if stat else 0,
                      os.path.join(self.pid_dir, f"acp-{popen.pid}.json"), AcpConnection(popen, loop), job_id)
        self.entries.append(chain)
        self._write_pid_file(chain)
        self.emit({"event": "adapter.spawned", "jobId": job_id, "pid": chain.pid, "pgid": chain.pid,
                   "starttime": chain.starttime, "profile": spec.profile})
        chain.ready = loop.create_task(self._handshake(chain))
        chain.ready.add_done_callback(_consume)
        loop.create_task(self._watch(chain))
        return chain

    async def _handshake(self, chain: Chain) -> None:
        await chain.client.initialize(self.handshake_timeout_s)
        if chain.state == STARTING:
            chain.state = READY

    # -- release ----------------------------------------------------------------------------

    async def release_for_job(self, job_id: str) -> None:
        self.released_jobs.append(job_id)
        self._released.add(job_id)
        held = [c for c in self.entries if job_id in c.refs]
        await asyncio.gather(*(self._drop(c, job_id) for c in held))

    async def release_all(self) -> None:
        await asyncio.gather(*(self.kill(c) for c in list(self.entries)))

    async def _drop(self, chain: Chain, job_id: str) -> None:
        chain.refs.pop(job_id, None)
        session = chain.sessions.pop(job_id, None)
        if session is not None and not session.done():
            session.cancel()
        # `refcount-ignored`: the chain dies with the first job to let go, live sharers or not.
        if not chain.refs or "refcount-ignored" in self.faults:
            await self.kill(chain)
        else:
            self._write_pid_file(chain)

    async def _discard(self, chain: Chain, reason: str) -> None:
        if chain.reaping is None:
            self.emit({"event": "adapter.discarded", "pid": chain.pid, "reason": reason})
            chain.refs.clear()
        await self.kill(chain)

    # -- ending a chain ---------------------------------------------------------------------

    async def kill(self, chain: Chain) -> None:
        """The pool ends a chain. Whoever comes second waits for the first."""
        if chain.reaping is None and chain.client.hung_up and not chain.child.exited.done():
            # The adapter hung up on us (its turn failed, its job is being released): its root is
            # most likely on its way out, its exit not yet seen. Give that a moment, so that a
            # chain that died on its own is ended, and reported, as one.
            try:
                await asyncio.wait_for(asyncio.shield(chain.child.exited), HANGUP_WAIT_S)
            except TimeoutError:
                pass
        if chain.reaping is None:
            if chain.child.exited.done():
                self._died_on_its_own(chain)
            else:
                chain.state = KILLING
                self.emit({"event": "adapter.killing", "pid": chain.pid, "holders": list(chain.refs)})
                chain.reaping = asyncio.get_running_loop().create_task(self._reap(chain))
        await asyncio.shield(chain.reaping)

    async def _watch(self, chain: Chain) -> None:
        await chain.child.exited
        if chain.reaping is None:
            self._died_on_its_own(chain)
        # else the pool is killing it, and _reap says when the root is gone

    def _died_on_its_own(self, chain: Chain) -> None:
        """A root that dies without the pool asking: fail its turn, reap the rest of its group."""
        code, sig = chain.child.exited.result()
        chain.died_alone = True
        chain.state = DEAD
        self.emit({"event": "adapter.exited", "pid": chain.pid, "code": code, "signal": sig, "killedByPool": False})
        chain.client.close(f"the adapter exited on its own ({_describe_exit(code, sig)})")
        chain.reaping = asyncio.get_running_loop().create_task(self._reap(chain))

    async def _reap(self, chain: Chain) -> None:
        gone = await self._kill_group_of(chain)
        if gone:
            try:
                code, sig = await asyncio.wait_for(asyncio.shield(chain.child.exited), SIGKILL_WAIT_S)
            except TimeoutError:
                gone = False
            else:
                chain.child.reap()
                if not chain.died_alone:
                    self.emit({"event": "adapter.exited", "pid": chain.pid, "code": code, "signal": sig, "killedByPool": True})
        chain.state = DEAD
        chain.client.close("the adapter was killed")
        if chain in self.entries:
            self.entries.remove(chain)
        # A survivor keeps its pid file: it is what lets a restarted engine find it.
        # `pidfile-left-behind`: the path for a chain that died on its own forgets the file (the
        # cleanup lived only in the kill path, as it often does).
        if gone and not (chain.died_alone and "pidfile-left-behind" in self.faults):
            self._remove_pid_file(chain)

    async def _kill_group_of(self, chain: Chain) -> bool:
        """Kills the chain's group (every member, tagged or not), then what left the group: its
        descendants outside it, read by parent links before the kill (an environment may be
        cleared or unreadable), and whatever carries its tag (a double fork's orphan). True when
        the root is gone."""
        sweep = "kill-ignores-escapes" not in self.faults
        departed = [p for p in live_descendants(chain.pid) if p.pgid != chain.pid] if sweep else []
        result = await kill_group(
            chain.pid,
            grace_s=self.kill_grace_s,
            escalate="no-sigkill-escalation" not in self.faults,
            leader_only="kill-pid-not-group" in self.faults,
            owns=led_by(chain.pid, chain.starttime),
        )
        survivors = list(result.survivors)
        if sweep:
            tagged = [p for p in live_with_env(OWN_TAG, lambda v: v == chain.tag) if p.pgid != chain.pid]
            known = {(p.pid, p.starttime) for p in departed}
            escaped = departed + [p for p in tagged if (p.pid, p.starttime) not in known]
            survivors += await kill_processes(escaped)
        if survivors:
            self.emit({"event": "adapter.kill_failed", "pid": chain.pid, "survivors": survivors})
        return chain.pid not in survivors

    # -- pid files --------------------------------------------------------------------------

    def _write_pid_file(self, chain: Chain) -> None:
        """Kept current as refs change; written through a rename, so no reader sees half a file."""
        if chain.state == DEAD or chain.starttime == 0:
            return
        record = {"pid": chain.pid, "pgid": chain.pid, "starttime": chain.starttime,
                  "agent": chain.profile, "jobs": list(chain.refs)}
        tmp = os.path.join(self.state_dir, f".acp-{chain.pid}.json.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(record, f)
            os.replace(tmp, chain.pid_file)
        except OSError as error:
            log(f"cannot write {chain.pid_file}: {error}")

    def _remove_pid_file(self, chain: Chain) -> None:
        try:
            os.remove(chain.pid_file)
        except FileNotFoundError:
            pass

    def snapshot(self) -> list[dict]:
        return [c.snapshot() for c in self.entries]


def _describe_exit(code: int | None, sig: str | None) -> str:
    return f"signal {sig}" if sig else f"code {code}"


# --------------------------------------------------------------------------------------------

PID_FILE_RE = re.compile(r"^acp-\d+\.json$")


async def boot_sweep(state_dir: str, faults: frozenset, kill_grace_s: float) -> dict:
    """A restarted engine ends what its crashed predecessor left.

    Per pid file: the recorded group is killed whole (tagged members or not) only while its pid
    still has the recorded starttime AND carries our tag for this state folder; a recycled pid
    that is not ours is never signalled (reapcheck plants exactly such a decoy). A group whose
    root is gone is killed when members carrying our tag still live in it. Then every process
    still carrying our tag (escapees, scripts of the last life) is SIGKILLed by identity."""
    report = {"killedGroups": [], "survivors": [], "staleFiles": 0, "notOurs": []}
    if "no-boot-sweep" in faults:
        return report
    prefix = state_dir.rstrip("/") + "/"

    def ours(value: str | None) -> bool:
        return value is not None and value.startswith(prefix)

    # `sweep-ignores-identity`: trusts the pid file, as a sweep that skips the starttime and tag
    # checks does; the pid named there may belong to someone else by now.
    trusting = "sweep-ignores-identity" in faults
    pid_dir = os.path.join(state_dir, "pids")
    try:
        names = sorted(n for n in os.listdir(pid_dir) if PID_FILE_RE.match(n))
    except FileNotFoundError:
        names = []
    for name in names:
        path = os.path.join(pid_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                record = json.load(f)
            pid, pgid, starttime = int(record["pid"]), int(record["pgid"]), int(record["starttime"])
        except (OSError, ValueError, KeyError, TypeError):
            pid = pgid = starttime = 0
        if pgid > 1:
            now = read_stat(pid)
            owns: Callable[[list[Proc]], bool] | None = None
            if now is not None and ((now.starttime == starttime and ours(read_env_var(pid, OWN_TAG))) or trusting):
                owns = (lambda members: True) if trusting else led_by(pid, starttime)
            elif now is not None:
                report["notOurs"].append(pid)
            elif any(ours(read_env_var(m.pid, OWN_TAG)) for m in live_group_members(pgid)):
                # The root is gone but its group lives on (its number cannot have been reused
                # while it has members), and members with our tag prove whose it is: kill it
                # whole, untagged members too.
                owns = led_by(pid, starttime)
            if owns is not None:
                result = await kill_group(pgid, grace_s=kill_grace_s, owns=owns)
                if result.gone and result.signal is not None:
                    report["killedGroups"].append(pgid)
                report["survivors"] += result.survivors
        report["staleFiles"] += 1
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    # Chain members with no pid file (children whose root died, descendants that left the group)
    # and scripts of the last life.
    report["survivors"] += await kill_processes(live_with_env(OWN_TAG, ours))
    for name in os.listdir(state_dir):
        if name.endswith(".tmp"):
            try:
                os.remove(os.path.join(state_dir, name))
            except OSError:
                pass
    return report


# --------------------------------------------------------------------------------------------
# The engine.

class UsageError(Exception):
    """A command the engine refuses: answered with ok:false."""


class SubJobFailed(Exception):
    def __init__(self, sub_job: str):
        super().__init__(f"sub-job {sub_job} failed")
        self.sub_job = sub_job


@dataclass
class Run:
    id: str
    step: str
    iteration: int
    status: str = "running"
    output: str | None = None
    error: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "step": self.step, "iteration": self.iteration, "status": self.status,
                "output": self.output, "error": self.error}


@dataclass
class Job:
    id: str
    flow: Flow | None            # None for a job restored from the journal only to be ended
    parent: str | None
    ended: asyncio.Future
    state: dict = field(default_factory=lambda: {"kind": "running"})
    runs: list[Run] = field(default_factory=list)
    done: set[str] = field(default_factory=set)      # steps whose latest run completed and advanced
    failed: set[str] = field(default_factory=set)    # steps that failed under on_error: continue
    tasks: dict[str, asyncio.Task] = field(default_factory=dict)
    loops: dict[str, int] = field(default_factory=dict)
    workspace: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state["kind"] == "terminal"


@dataclass
class Config:
    state_dir: str
    profiles: dict
    faults: frozenset
    kill_grace_s: float
    handshake_timeout_s: float


class Engine:
    def __init__(self, config: Config, emit: Callable[[dict], None]):
        self.config = config
        self.faults = config.faults
        self.emit = emit
        self.jobs: dict[str, Job] = {}
        self.journal = Journal(os.path.join(config.state_dir, "journal.jsonl"))
        self.tag_prefix = f"{config.state_dir}/{os.getpid()}-{secrets.token_hex(3)}"
        self.acp = AcpProcessPool(state_dir=config.state_dir, tag_prefix=self.tag_prefix, profiles=config.profiles,
                                  faults=config.faults, kill_grace_s=config.kill_grace_s,
                                  handshake_timeout_s=config.handshake_timeout_s, emit=emit)
        self.workspaces = WorkspacePool(os.path.join(config.state_dir, "workspaces"))
        self.managers = [self.acp, self.workspaces]
        self._releasing: set[asyncio.Task] = set()
        # The job each release under way releases, for the snapshot's `releasing`.
        self._releasing_jobs: dict[asyncio.Task, str] = {}
        self._run_ids = itertools.count(1)
        self._script_ids = itertools.count(1)
        # The clean-ups of cancelled scripts: shutdown waits for them, so nothing SIGKILLed is
        # still dying, or unreaped, when the engine exits.
        self._script_cleanups: set[asyncio.Task] = set()
        self._stopping: asyncio.Task | None = None

    # -- commands ---------------------------------------------------------------------------

    async def recover(self) -> None:
        """Boot: sweep what a crashed predecessor left, then end the jobs it stranded through the
        same choke point as every other end, so they are released too."""
        stranded, unreleased = self.journal.unfinished()
        self.workspaces.sweep_orphans(keep={entry["jobId"] for entry in stranded + unreleased})
        sweep = await boot_sweep(self.config.state_dir, self.faults, self.config.kill_grace_s)
        loop = asyncio.get_running_loop()
        for entry in stranded:
            job = Job(entry["jobId"], None, entry.get("parent"), loop.create_future())
            self.jobs[job.id] = job
            self.workspaces.adopt(job.id)
            self.emit({"event": "job.started", "jobId": job.id, "parent": job.parent})
            self.finish_job(job, {"kind": "engine_restarted"})
        # A job whose end was journaled but whose release was cut short by the crash: its
        # job.terminal was said in the last life; what is left is the release.
        for entry in unreleased:
            outcome = entry["outcome"]
            job = Job(entry["jobId"], None, entry.get("parent"), loop.create_future())
            job.state = {"kind": "terminal", "status": status_of(outcome), "outcome": outcome}
            job.ended.set_result(outcome)
            self.jobs[job.id] = job
            self.workspaces.adopt(job.id)
            if release_fault_for(outcome) not in self.faults:
                self._start_release(job)
        await self.settled()
        self.emit({"event": "engine.recovered", "sweep": sweep, "stranded": [e["jobId"] for e in stranded],
                   "unreleased": [e["jobId"] for e in unreleased]})

    def submit(self, job_id: str, document: Any) -> None:
        if self._stopping is not None:
            raise UsageError("the engine is shutting down")
        if job_id in self.jobs:
            raise UsageError(f"job {job_id} exists already")
        flow = parse_flow(document)
        self._tick(self._create_job(job_id, flow, None, document))

    def cancel(self, job_id: str) -> None:
        job = self._job(job_id)
        if not job.terminal:
            self.finish_job(job, {"kind": "cancelled"})

    def resume(self, job_id: str) -> None:
        job = self._job(job_id)
        if job.state["kind"] != "paused":
            raise UsageError(f"job {job_id} is not paused")
        job.state = {"kind": "running"}
        job.loops.clear()
        self.emit({"event": "job.resumed", "jobId": job_id})
        self._tick(job)

    def shutdown(self) -> asyncio.Task:
        """Ends every live job through the choke point, then releases whatever is left."""
        if self._stopping is None:
            self._stopping = asyncio.get_running_loop().create_task(self._stop())
        return self._stopping

    async def _stop(self) -> None:
        for job in list(self.jobs.values()):
            if not job.terminal:
                self.finish_job(job, {"kind": "shutdown"})
        await self.settled()
        # `shutdown-skips-release`: the per-job releases were skipped by finish_job's table; the
        # sweep of what is left goes too, so the adapters outlive the engine.
        if "shutdown-skips-release" not in self.faults:
            for manager in self.managers:
                await manager.release_all()
        while self._script_cleanups:
            await asyncio.gather(*self._script_cleanups, return_exceptions=True)

    async def settled(self) -> None:
        while self._releasing:
            await asyncio.gather(*self._releasing, return_exceptions=True)

    def snapshot(self) -> dict:
        return {
            "releasesInFlight": len(self._releasing),
            "releasing": sorted(set(self._releasing_jobs.values())),
            "jobs": [{"id": j.id, "state": j.state, "runs": [r.to_json() for r in j.runs]} for j in self.jobs.values()],
            "ledgers": [{"manager": m.name, "releasedJobs": list(m.released_jobs)} for m in self.managers],
            "pool": self.acp.snapshot(),
            "workspaces": self.workspaces.snapshot(),
        }

    def _job(self, job_id: Any) -> Job:
        job = self.jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise UsageError(f"no job {job_id}")
        return job

    def _create_job(self, job_id: str, flow: Flow, parent: str | None, document: Any) -> Job:
        job = Job(job_id, flow, parent, asyncio.get_running_loop().create_future())
        job.workspace = self.workspaces.acquire(job_id)
        self.jobs[job_id] = job
        self.journal.append({"type": "submitted", "jobId": job_id, "parent": parent, "flow": document})
        self.emit({"event": "job.started", "jobId": job_id, "parent": parent})
        return job

    # -- the choke point --------------------------------------------------------------------

    def finish_job(self, job: Job, outcome: dict) -> None:
        """The one way a job ends: mark it, stop its in-flight runs, journal it, say so, then
        release it from every resource manager. Every terminal path calls this; none cleans up
        on its own. (The engine of the bug report released in some paths and not in others.)"""
        if job.terminal:
            return
        job.state = {"kind": "terminal", "status": status_of(outcome), "outcome": outcome}
        # `abandon-leaves-inflight-runs`: an abandon that forgets the siblings still running.
        if not (outcome["kind"] == "abandoned" and "abandon-leaves-inflight-runs" in self.faults):
            self._cancel_inflight(job)
        self.journal.append({"type": "terminal", "jobId": job.id, "outcome": outcome})
        self.emit({"event": "job.terminal", "jobId": job.id, "status": job.state["status"], "outcome": outcome})
        if not job.ended.done():
            job.ended.set_result(outcome)
        # The `*-skips-release` faults: one lookup, the bug of the report being one row of it.
        if release_fault_for(outcome) in self.faults:
            return
        self._start_release(job)

    def _start_release(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self._release(job))
        self._releasing.add(task)
        self._releasing_jobs[task] = job.id
        task.add_done_callback(self._releasing.discard)
        task.add_done_callback(lambda t: self._releasing_jobs.pop(t, None))

    async def _release(self, job: Job) -> None:
        # `double-release`: a second path releasing what the first already did.
        for _ in range(2 if "double-release" in self.faults else 1):
            for manager in self.managers:
                # One manager's failure must not cost the others their release, nor the engine its life.
                try:
                    await manager.release_for_job(job.id)
                    self.emit({"event": "resource.released", "manager": manager.name, "jobId": job.id})
                except Exception as error:
                    self.emit({"event": "resource.release_failed", "manager": manager.name, "jobId": job.id,
                               "error": str(error) or type(error).__name__})
        self.journal.append({"type": "released", "jobId": job.id})

    def _cancel_inflight(self, job: Job) -> None:
        for run in job.runs:
            if run.status != "running":
                continue
            run.status = "cancelled"
            task = job.tasks.pop(run.id, None)
            if task is not None:
                task.cancel()
            self.emit({"event": "step.settled", "jobId": job.id, "step": run.step, "runId": run.id, "status": "cancelled"})

    # -- scheduling -------------------------------------------------------------------------

    def _running(self, job: Job, step: str) -> bool:
        return any(r.step == step and r.status == "running" for r in job.runs)

    def _tick(self, job: Job) -> None:
        if job.state["kind"] != "running" or job.flow is None:
            return
        if all(name in job.done for name in job.flow.leaves()):
            self.finish_job(job, {"kind": "completed"})
            return
        ready = [s for s in job.flow.steps
                 if s.name not in job.done and s.name not in job.failed and not self._running(job, s.name)
                 and all(dep in job.done for dep in s.after)]
        if not ready and not any(r.status == "running" for r in job.runs):
            self.finish_job(job, {"kind": "no_terminal_reached"})
            return
        for step in ready:
            self._start_run(job, step)

    def _start_run(self, job: Job, step: Step) -> None:
        iteration = sum(1 for r in job.runs if r.step == step.name) + 1
        run = Run(f"{job.id}/{step.name}/{next(self._run_ids)}", step.name, iteration)
        job.runs.append(run)
        self.emit({"event": "step.started", "jobId": job.id, "step": step.name, "runId": run.id, "iteration": iteration})
        job.tasks[run.id] = asyncio.get_running_loop().create_task(self._run(job, step, run))

    async def _run(self, job: Job, step: Step, run: Run) -> None:
        try:
            if step.timeout_ms is None:
                output = await self._execute(job, step, run)
            else:
                async with asyncio.timeout(step.timeout_ms / 1000) as deadline:
                    output = await self._execute(job, step, run)
            result = ("completed", output)
        except asyncio.CancelledError:
            return  # finish_job cancelled it and marked the run already
        except TimeoutError:
            if step.timeout_ms is None or not deadline.expired():
                result = ("failed", "timed out")
            else:
                result = ("timeout", None)
        except SubJobFailed as error:
            result = ("sub_job_failed", error.sub_job)
        except Exception as error:
            result = ("failed", str(error) or type(error).__name__)
        self._on_run_settled(job, step, run, result)

    async def _execute(self, job: Job, step: Step, run: Run) -> str:
        if step.kind == "agent":
            chain, session_id = await self.acp.acquire(job.id, step.agent, job.workspace)
            def sent() -> None:
                self.emit({"event": "agent.prompt_sent", "jobId": job.id, "step": step.name, "runId": run.id, "pid": chain.pid})
            text, stop = await chain.client.prompt(session_id, step.agent.prompt, sent)
            if stop != "end_turn":
                raise AcpError(f"turn stopped: {stop}")
            return text
        if step.kind == "script":
            return await self._run_script(job, run, step.script)
        if step.kind == "sleep":
            await asyncio.sleep(step.sleep_ms / 1000)
            return ""
        return await self._run_sub_job(job, run, step.sub_flow)

    async def _run_script(self, job: Job, run: Run, command: str) -> str:
        """`sh -c` in the job's workspace, in a group of its own, tagged with the job. Whatever it
        leaves running (in its group, or tagged outside it) dies with the run."""
        tag = f"{self.tag_prefix}/script-{next(self._script_ids)}"
        env = {**os.environ, JOB_TAG: job.id, OWN_TAG: tag}
        popen = subprocess.Popen(["sh", "-c", command], cwd=job.workspace, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        loop = asyncio.get_running_loop()
        child = Child(popen, loop)
        stat = read_stat(popen.pid)
        self.emit({"event": "script.spawned", "jobId": job.id, "runId": run.id, "pid": popen.pid, "pgid": popen.pid,
                   "starttime": stat.starttime if stat else None})
        out = loop.create_task(read_to_end(popen.stdout))
        err = loop.create_task(read_to_end(popen.stderr))

        async def end_group() -> None:
            # The leader is unreaped until child.reap(): its group id cannot have been reused.
            _send(-child.pid, signal.SIGKILL)
            await kill_processes(live_with_env(OWN_TAG, lambda v: v == tag))
            await asyncio.shield(child.exited)
            child.reap()

        try:
            code, sig = await asyncio.shield(child.exited)
        except asyncio.CancelledError:
            _send(-child.pid, signal.SIGKILL)  # now, not when the clean-up task gets its turn
            cleanup = loop.create_task(end_group())
            self._script_cleanups.add(cleanup)
            cleanup.add_done_callback(self._script_cleanups.discard)
            cleanup.add_done_callback(_consume)
            out.cancel()
            err.cancel()
            raise
        await end_group()
        try:
            stdout, stderr = await asyncio.wait_for(asyncio.gather(out, err), SIGKILL_WAIT_S)
        except TimeoutError:
            raise RuntimeError("the script's output did not close") from None
        if code != 0:
            why = f"killed by {sig}" if sig else f"exited {code}"
            raise RuntimeError(f"script {why}: {stderr.decode('utf-8', 'replace').strip()[:200]}")
        return stdout.decode("utf-8", "replace")

    async def _run_sub_job(self, parent: Job, run: Run, flow: Flow) -> str:
        """A sub-job is a job of its own, with its own resources; cancelling the run cancels it."""
        child_id = f"{parent.id}.{run.step}-{run.iteration}"
        if child_id in self.jobs:
            raise RuntimeError(f"job {child_id} exists already")
        child = self._create_job(child_id, flow, parent.id, None)
        self._tick(child)
        try:
            outcome = await asyncio.shield(child.ended)
        except asyncio.CancelledError:
            self.finish_job(child, {"kind": "cancelled"})
            raise
        if outcome["kind"] != "completed":
            raise SubJobFailed(child.id)
        return ""

    def _on_run_settled(self, job: Job, step: Step, run: Run, result: tuple[str, Any]) -> None:
        job.tasks.pop(run.id, None)
        # A run cancelled by finish_job, or left behind under a terminal job, stays as it is.
        if run.status != "running" or job.terminal:
            return
        kind, value = result
        if kind == "completed":
            run.status, run.output = "completed", value
            self._emit_settled(job, run)
            self._apply_exit_rules(job, step, value)
        elif kind == "failed":
            run.status, run.error = "failed", value
            self._emit_settled(job, run)
            self._route_failure(job, step, value)
        elif kind == "timeout":
            run.status, run.error = "failed", f"timed out after {step.timeout_ms} ms"
            self._emit_settled(job, run)
            self.finish_job(job, {"kind": "timeout", "step": step.name})
        else:
            run.status, run.error = "failed", f"sub-job {value} failed"
            self._emit_settled(job, run)
            self.finish_job(job, {"kind": "sub_job_failed", "step": step.name, "subJob": value})
        self._tick(job)

    def _emit_settled(self, job: Job, run: Run) -> None:
        self.emit({"event": "step.settled", "jobId": job.id, "step": run.step, "runId": run.id, "status": run.status})

    def _apply_exit_rules(self, job: Job, step: Step, output: str) -> None:
        rule = next((r for r in step.exit_rules if r.matches(output)), None)
        if rule is None or rule.action == "advance":
            job.done.add(step.name)
        elif rule.action == "escalate":
            job.done.add(step.name)
            self._pause(job, {"kind": "escalated", "step": step.name, "rule": rule.name})
        elif rule.action == "abandon":
            self.finish_job(job, {"kind": "abandoned", "via": "exit_rule", "step": step.name, "rule": rule.name})
        else:  # loop
            key = f"{step.name}/{rule.name}"
            job.loops[key] = job.loops.get(key, 0) + 1
            if rule.max_iterations is not None and job.loops[key] > rule.max_iterations:
                job.done.add(step.name)
                self._pause(job, {"kind": "loop_limit", "step": step.name, "rule": rule.name})
                return
            job.done.difference_update(job.flow.downstream_of(rule.target))

    def _route_failure(self, job: Job, step: Step, error: str) -> None:
        if step.on_error == "fail":
            self.finish_job(job, {"kind": "step_failed", "step": step.name, "error": error})
        elif step.on_error == "abandon":
            self.finish_job(job, {"kind": "abandoned", "via": "failure_routing", "step": step.name, "error": error})
        else:  # continue: the step is settled; what waits on it never becomes ready
            job.failed.add(step.name)

    def _pause(self, job: Job, reason: dict) -> None:
        job.state = {"kind": "paused", "reason": reason}
        self.emit({"event": "job.paused", "jobId": job.id, "reason": reason})


# --------------------------------------------------------------------------------------------
# The protocol: commands on stdin, replies and events on stdout, one JSON object per line.

class Output:
    """stdout, written only while someone reads it: once a write fails (EPIPE, the driver gone),
    everything after is dropped instead of killing the engine mid-release."""

    def __init__(self) -> None:
        self.broken = False

    def send(self, message: dict) -> None:
        if self.broken:
            return
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        try:
            while data:
                data = data[os.write(1, data):]
        except OSError:
            self.broken = True
            try:  # so that nothing at exit tries the dead pipe again
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.close(devnull)
            except OSError:
                pass


def _safe_job_id(value: Any) -> bool:
    return isinstance(value, str) and value not in ("", ".", "..") and "/" not in value and "\0" not in value


class Server:
    def __init__(self, out: Output):
        self.out = out
        self.engine: Engine | None = None
        self.hello = "none"             # none | pending | done
        self.done = asyncio.Event()
        self._hello_task: asyncio.Task | None = None
        self._stopping: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()

    def reply(self, request_id: Any, **fields: Any) -> None:
        self.out.send({"id": request_id, "ok": True, **fields})

    def fail(self, request_id: Any, error: str, **fields: Any) -> None:
        self.out.send({"id": request_id, "ok": False, "error": error, **fields})

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def handle_line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        try:
            message = json.loads(text)
        except ValueError:
            return self.fail(None, f"not a JSON command: {text[:80]}")
        if not isinstance(message, dict):
            return self.fail(None, f"not a JSON object: {text[:80]}")
        request_id = message.get("id")
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            return self.fail(None, "a command needs an integer id")
        cmd = message.get("cmd")
        handler = {"hello": self._hello, "submit": self._submit, "cancel": self._cancel, "resume": self._resume,
                   "state": self._state, "shutdown": self._shutdown}.get(cmd) if isinstance(cmd, str) else None
        if handler is None:
            return self.fail(request_id, f"unknown command {cmd!r}")
        if cmd != "hello" and self.hello != "done":
            return self.fail(request_id, "hello first" if self.hello == "none" else "hello is still being answered")
        try:
            handler(request_id, message)
        except (UsageError, FlowError) as error:
            self.fail(request_id, str(error))
        except Exception as error:  # a bug of ours must not end the engine with its jobs unreleased
            log(f"{cmd} failed: {error!r}")
            self.fail(request_id, f"{type(error).__name__}: {error}")

    # -- commands ---------------------------------------------------------------------------

    def _hello(self, request_id: int, message: dict) -> None:
        if self.hello != "none":
            raise UsageError("hello was sent already")
        if message.get("protocol") != PROTOCOL_VERSION:
            return self.fail(request_id, f"this engine speaks protocol {PROTOCOL_VERSION}, not {message.get('protocol')!r}",
                             protocol=PROTOCOL_VERSION)
        config = _config_from_hello(message)
        self.hello = "pending"
        self._hello_task = asyncio.get_running_loop().create_task(self._start(request_id, config))

    async def _start(self, request_id: int, config: Config) -> None:
        try:
            os.makedirs(config.state_dir, exist_ok=True)
            self.engine = Engine(config, self.out.send)
            await self.engine.recover()
        except Exception as error:
            log(f"hello failed: {error!r}")
            self.engine = None
            self.hello = "none"
            return self.fail(request_id, f"cannot start: {error}")
        self.hello = "done"
        self.reply(request_id, protocol=PROTOCOL_VERSION, engine=ENGINE_INFO, capabilities=CAPABILITIES)

    def _submit(self, request_id: int, message: dict) -> None:
        job_id = message.get("jobId")
        if not _safe_job_id(job_id):
            raise UsageError(f"bad jobId {job_id!r}: a non-empty string without '/'")
        self.engine.submit(job_id, message.get("flow"))
        self.reply(request_id)

    def _cancel(self, request_id: int, message: dict) -> None:
        self.engine.cancel(message.get("jobId"))
        self.reply(request_id)

    def _resume(self, request_id: int, message: dict) -> None:
        self.engine.resume(message.get("jobId"))
        self.reply(request_id)

    def _state(self, request_id: int, message: dict) -> None:
        self.reply(request_id, state=self.engine.snapshot())

    def _shutdown(self, request_id: int, message: dict) -> None:
        async def shutdown() -> None:
            await self.engine.shutdown()
            self.reply(request_id, state=self.engine.snapshot())
            self.done.set()
        self._spawn(shutdown())

    def stop(self) -> None:
        """The driver went away (stdin closed) or we were signalled: shut down as for `shutdown`."""
        async def stop() -> None:
            if self._hello_task is not None:
                await asyncio.gather(self._hello_task, return_exceptions=True)
            if self.engine is not None:
                await self.engine.shutdown()
            self.done.set()
        if self._stopping is None:
            self._stopping = asyncio.get_running_loop().create_task(stop())


def _config_from_hello(message: dict) -> Config:
    state_dir = message.get("stateDir")
    if not isinstance(state_dir, str) or not state_dir:
        raise UsageError("hello needs a stateDir")
    profiles = {}
    raw_profiles = message.get("profiles") or {}
    if not isinstance(raw_profiles, dict):
        raise UsageError("profiles: expected an object")
    for name, launch in raw_profiles.items():
        if not isinstance(launch, dict) or not isinstance(launch.get("command"), str):
            raise UsageError(f"profiles.{name}: expected {{command, args, env}}")
        args = launch.get("args") or []
        env = launch.get("env") or {}
        if not isinstance(args, list) or not isinstance(env, dict):
            raise UsageError(f"profiles.{name}: args must be a list and env an object")
        profiles[name] = {"command": launch["command"], "args": [str(a) for a in args],
                          "env": {str(k): str(v) for k, v in env.items()}}
    faults = message.get("faults") or []
    if not isinstance(faults, list):
        raise UsageError("faults: expected a list")
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise UsageError(f"unknown fault(s) {', '.join(map(str, unknown))}; this engine implements: {', '.join(FAULTS)}")

    def millis(key: str, default: int) -> float:
        value = message.get(key, default)
        if value is None:
            value = default
        if not _is_int(value) or value < 0:
            raise UsageError(f"{key}: expected a number of milliseconds")
        return value / 1000

    return Config(os.path.abspath(state_dir), profiles, frozenset(faults),
                  millis("killGraceMs", 1000), millis("handshakeTimeoutMs", 10000))


def _read_stdin(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """A thread on the raw fd (no buffered-reader lock left held at exit): lines to the loop,
    then None at end of file."""
    def post(item: bytes | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
            return True
        except RuntimeError:
            return False

    pending = b""
    while True:
        try:
            chunk = os.read(0, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if not post(line):
                return
    if pending.strip():
        post(pending)
    post(None)


async def main() -> None:
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a dead reader is an EPIPE to handle, not a death
    loop = asyncio.get_running_loop()
    server = Server(Output())
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, server.stop)
    lines: asyncio.Queue = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, lines), daemon=True).start()

    async def serve() -> None:
        while True:
            line = await lines.get()
            if line is None:
                server.stop()
                return
            server.handle_line(line)

    serving = loop.create_task(serve())
    await server.done.wait()
    serving.cancel()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stderr.flush()
    # Nothing is left to do; a daemon thread may still sit in read(0): leave without waiting for it.
    os._exit(0)
