"""The feedback app's HTTP side: pages rendered by the server, forms posted back.

    app = create_app(FeedbackStore(path), backend, require_tokens=False)
    uvicorn.run(app, host="127.0.0.1", port=8765)

Who may label: on 127.0.0.1 anyone at this machine, under the name they choose; bound to
any other address every request needs a labeler token (``webgpt app --token NAME``
issues one), signed in once and kept in an HttpOnly cookie. Every form that changes state
carries a CSRF token that must match the cookie it was issued with. Every value is
escaped by Jinja2's autoescape and the Content-Security-Policy runs only the app's own
script file, so a ``<script>`` in a page or an answer shows as text and never runs.

Demonstrate: the task's commands so far are stored (a draft); each request replays them in
a fresh browser to the current observation, applies the new command and stores it, so a
restarted server resumes every demonstration where it was. The answer ends the task: the
episode, in the demonstration format, is the submission. Compare: one comparison,
labelled, in the comparison format.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from agent.episode import Episode
from agent.loop import run_episode
from browser.backend import Backend
from browser.env import BrowserConfig, BrowserEnv
from browser.observation import Observation
from training.comparisons import Comparison
from training.feedback.store import FeedbackStore, Task
from training.feedback.views import lines_command, support_check, window_lines

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SCALE = (
    ("1", "A much better"),
    ("0.5", "A better"),
    ("0", "About the same"),
    ("-0.5", "B better"),
    ("-1", "B much better"),
)
CRITERIA = (
    ("factual", "factual accuracy"),
    ("coherence", "coherence"),
    ("citations", "citation quality"),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class _Replay:
    """Replays stored commands, then the one just given (a policy for the episode loop)."""

    name = "human"

    def __init__(self, commands: Sequence[str]) -> None:
        self.commands = list(commands)
        self._next = 0

    def reset(self, *, seed: int = 0) -> None:
        self._next = 0

    def act(self, observation: Observation) -> str:
        command = self.commands[self._next]
        self._next += 1
        return command


def create_app(
    store: FeedbackStore,
    backend: Backend,
    *,
    require_tokens: bool,
    browser_config: BrowserConfig | None = None,
) -> FastAPI:
    """The app over ``store`` and ``backend`` (see the module doc)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    config = browser_config or BrowserConfig()

    def page(request: Request, name: str, **values: Any) -> HTMLResponse:
        csrf = request.cookies.get("csrf") or secrets.token_urlsafe(16)
        values.setdefault("notice", request.query_params.get("notice"))
        body = templates.get_template(name).render(csrf=csrf, labeler=_labeler(request), **values)
        response = HTMLResponse(body)
        _secure(response)
        response.set_cookie("csrf", csrf, httponly=True, samesite="strict")
        return response

    def _labeler(request: Request) -> str | None:
        if require_tokens:
            token = request.cookies.get("token")
            return store.labeler_for(token) if token else None
        name = request.cookies.get("labeler") or "local"
        return name[:40]

    def who(request: Request) -> str:
        labeler = _labeler(request)
        if labeler is None:
            raise HTTPException(status_code=401, detail="sign in with your labeler token")
        return labeler

    def checked(request: Request, csrf: str) -> str:
        """The labeler of a state-changing request whose CSRF token matches its cookie."""
        labeler = who(request)
        cookie = request.cookies.get("csrf") or ""
        if not cookie or not hmac.compare_digest(cookie, csrf):
            raise HTTPException(status_code=403, detail="the form's CSRF token does not match")
        return labeler

    def back_to(path: str) -> RedirectResponse:
        response = RedirectResponse(path, status_code=303)
        _secure(response)
        return response

    @app.exception_handler(HTTPException)
    def refused(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and request.method == "GET":
            response = page(request, "login.html", title="sign in")
            response.status_code = 401
            return response
        response = HTMLResponse(
            f"<p>{exc.status_code}: {_escape(str(exc.detail))}</p>", exc.status_code
        )
        _secure(response)
        return response

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        who(request)
        progress = store.progress()
        tasks = progress.pop("_tasks")
        return page(
            request,
            "home.html",
            title="home",
            tasks=tasks,
            people=sorted(progress.items()),
            local=not require_tokens,
        )

    @app.post("/login")
    def login(
        request: Request, token: Annotated[str, Form()], csrf: Annotated[str, Form()]
    ) -> Response:
        if not hmac.compare_digest(request.cookies.get("csrf") or "", csrf):
            raise HTTPException(status_code=403, detail="the form's CSRF token does not match")
        if store.labeler_for(token) is None:
            raise HTTPException(status_code=403, detail="unknown token")
        response = back_to("/")
        response.set_cookie("token", token, httponly=True, samesite="strict")
        return response

    @app.post("/name")
    def name(
        request: Request, name: Annotated[str, Form()], csrf: Annotated[str, Form()]
    ) -> Response:
        checked(request, csrf)
        if require_tokens:
            raise HTTPException(status_code=403, detail="names come from tokens here")
        response = back_to("/")
        response.set_cookie("labeler", name.strip()[:40] or "local", samesite="strict")
        return response

    # -- demonstrate ----------------------------------------------------------------------

    def replay(task: Task, commands: Sequence[str]) -> tuple[BrowserEnv, Observation, bool]:
        browser = BrowserEnv(backend, config)
        observation = browser.reset(task.payload["question"])
        ended = False
        for command in commands:
            result = browser.step(command)
            observation, ended = result.observation, result.terminated or result.truncated
            if ended:
                break
        return browser, observation, ended

    @app.get("/demonstrate", response_class=HTMLResponse)
    def demonstrate(request: Request) -> HTMLResponse:
        labeler = who(request)
        task = store.claim("demonstrate", labeler)
        if task is None:
            return page(request, "empty.html", title="done", mode="demonstration")
        _, observation, _ = replay(task, store.draft(task.id))
        return page(
            request,
            "demonstrate.html",
            title="demonstrate",
            task=task.id,
            obs=observation,
            lines=window_lines(observation),
        )

    @app.post("/demonstrate/{task_id}/act")
    def act(
        request: Request,
        task_id: int,
        csrf: Annotated[str, Form()],
        command: Annotated[str, Form()],
        argument: Annotated[str, Form()] = "",
        selection: Annotated[str, Form()] = "",
        line: Annotated[list[int] | None, Form()] = None,
    ) -> Response:
        labeler = checked(request, csrf)
        task = store.holds(task_id, labeler)
        if task is None:
            raise HTTPException(status_code=409, detail="this task is not yours any more")
        text = _command(command, argument, selection, line or [])
        if text is None:
            return back_to(
                "/demonstrate?notice=" + _quote_param("nothing to do: fill in the field first")
            )
        commands = [*store.draft(task.id), text]
        _, _, ended = replay(task, commands)
        if not ended:
            store.save_draft(task.id, labeler, commands)
            return back_to("/demonstrate")
        episode = run_episode(
            task.payload["question"], _Replay(commands), BrowserEnv(backend, config)
        )
        record = episode.model_copy(update={"policy": f"human:{labeler}"}).model_dump(mode="json")
        if not store.submit(task.id, labeler, record):
            raise HTTPException(status_code=409, detail="this task is not yours any more")
        return back_to("/demonstrate?notice=" + _quote_param("Saved. Here is the next question."))

    @app.post("/demonstrate/{task_id}/skip")
    def skip_demonstration(
        request: Request, task_id: int, csrf: Annotated[str, Form()], reason: Annotated[str, Form()]
    ) -> Response:
        store.skip(task_id, checked(request, csrf), reason.strip()[:300])
        return back_to("/demonstrate")

    # -- compare --------------------------------------------------------------------------

    @app.get("/compare", response_class=HTMLResponse)
    def compare(request: Request) -> HTMLResponse:
        labeler = who(request)
        task = store.claim("compare", labeler)
        if task is None:
            return page(request, "empty.html", title="done", mode="comparison")
        pair = Comparison.model_validate(task.payload)
        sides = [
            {"name": name, "checks": support_check(answer), "quotes": answer.quotes}
            for name, answer in (("A", pair.answer_a), ("B", pair.answer_b))
        ]
        return page(
            request,
            "compare.html",
            title="compare",
            task=task.id,
            question=pair.question,
            sides=sides,
            scale=SCALE,
            criteria=CRITERIA,
        )

    @app.post("/compare/{task_id}")
    async def judge(request: Request, task_id: int) -> Response:
        form = await request.form()
        labeler = checked(request, str(form.get("csrf", "")))
        task = store.holds(task_id, labeler)
        if task is None:
            raise HTTPException(status_code=409, detail="this task is not yours any more")
        preference = _preference(str(form.get("preference", "")))
        ratings = _ratings({key: str(value) for key, value in form.items()})
        pair = Comparison.model_validate(task.payload)
        labelled = pair.model_copy(
            update={
                "preference": preference,
                "ratings": ratings,
                "judge": f"human:{labeler}",
                "labeler": labeler,
            }
        )
        Comparison.model_validate(labelled.model_dump())  # the record must read back
        if not store.submit(task.id, labeler, labelled.model_dump(mode="json")):
            raise HTTPException(status_code=409, detail="this task is not yours any more")
        return back_to("/compare?notice=" + _quote_param("Saved. Here is the next pair."))

    @app.post("/compare/{task_id}/skip")
    def skip_comparison(
        request: Request, task_id: int, csrf: Annotated[str, Form()], reason: Annotated[str, Form()]
    ) -> Response:
        store.skip(task_id, checked(request, csrf), reason.strip()[:300])
        return back_to("/compare")

    return app


def _command(command: str, argument: str, selection: str, lines: list[int]) -> str | None:
    """The browser command a form asked for (None when its field was left empty)."""
    argument = " ".join(argument.split())
    if command in ("search", "find", "answer"):
        return f"{command} {argument}" if argument else None
    if command == "quote-lines":
        return lines_command(lines) if lines else None
    if command == "quote-selection":
        text = " ".join(selection.split())
        return f"quote {text}" if text else None
    if command in ("scroll up", "scroll down", "top", "back") or command.startswith("click "):
        return command
    raise HTTPException(status_code=400, detail=f"unknown command {command[:40]!r}")


def _preference(value: str) -> float | str:
    allowed = {v for v, _ in SCALE}
    if value not in allowed:
        raise HTTPException(status_code=400, detail="choose which answer is better")
    return "tie" if value == "0" else float(value)


def _ratings(form: dict[str, str]) -> dict[str, float]:
    found = {}
    for side in ("a", "b"):
        for key, _ in CRITERIA:
            value = form.get(f"{side}.{key}", "").strip()
            if value:
                if not (value.isdigit() and 1 <= int(value) <= 7):
                    raise HTTPException(
                        status_code=400, detail=f"{side}.{key}: a rating from 1 to 7"
                    )
                found[f"{side}.{key}"] = float(value)
    return found


def _secure(response: Response) -> None:
    response.headers.update(SECURITY_HEADERS)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def _quote_param(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def export(store: FeedbackStore, out: Path) -> dict[str, int]:
    """Write ``demonstrations.jsonl`` (episodes) and ``comparisons.jsonl`` into ``out``,
    each atomically, and return their counts."""
    from browser.records import write_records

    episodes = [Episode.model_validate(r) for r in store.submissions("demonstrate")]
    comparisons = [Comparison.model_validate(r) for r in store.submissions("compare")]
    return {
        "demonstrations": write_records(out / "demonstrations.jsonl", episodes),
        "comparisons": write_records(out / "comparisons.jsonl", comparisons),
    }
