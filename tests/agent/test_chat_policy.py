"""ChatPolicy against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from agent.chat_policy import SYSTEM_PROMPT, ChatPolicy
from agent.errors import ChatEndpointError
from agent.loop import run_episode
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from cli.main import main


class FakeChatServer(ThreadingHTTPServer):
    """Answers chat completions from a script; records every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[str | tuple[int, str]] = []
        self.requests: list[tuple[dict[str, str], dict]] = []  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeChatServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((dict(self.headers), body))
        reply = self.server.replies.pop(0) if self.server.replies else "answer I do not know."
        status, text = reply if isinstance(reply, tuple) else (200, json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": reply}}]}))  # fmt: skip
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    server = FakeChatServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_chat_policy_browses_with_the_browser_grammar(
    server: FakeChatServer, tiny_corpus: CorpusBackend
) -> None:
    server_answer = "answer Dots of colour [1]."
    server.replies = ["search pointillism", "Hm.\nclick 0", "quote lines 1-1", server_answer]
    with httpx.Client(timeout=5) as client:
        policy = ChatPolicy(client, base_url=server.url, model="m", api_key="k")
        episode = run_episode("what is pointillism", policy, BrowserEnv(tiny_corpus))
    actions = [step.action for step in episode.steps]
    assert actions == ["search pointillism", "click 0", "quote lines 1-1", server_answer]
    assert policy.unparsable == 0  # the reply's command line was found after "Hm."
    headers, body = server.requests[0]
    assert headers["Authorization"] == "Bearer k"
    assert body["model"] == "m" and body["messages"][0]["content"] == SYSTEM_PROMPT
    assert "quote lines <a>-<b>" in SYSTEM_PROMPT
    assert body["messages"][1]["content"].startswith("Question: what is pointillism")


def test_unparsable_replies_are_resampled_then_reported(
    server: FakeChatServer, tiny_corpus: CorpusBackend
) -> None:
    server.replies = ["I think", "maybe", "hmm"]
    with httpx.Client(timeout=5) as client:
        policy = ChatPolicy(client, base_url=server.url, model="m", retries=2)
        command = policy.act(BrowserEnv(tiny_corpus).reset("q"))
    assert command == "hmm" and policy.unparsable == 1
    assert [body["temperature"] for _, body in server.requests] == [0.0, 0.7, 0.7]


@pytest.mark.parametrize(
    ("reply", "message"),
    [((500, "boom"), "HTTP 500"), ((200, "{}"), "not a chat completion"),
     ((429, "slow down"), "HTTP 429")],
)  # fmt: skip
def test_endpoint_failures_raise_a_clear_error(
    server: FakeChatServer, tiny_corpus: CorpusBackend, reply: tuple[int, str], message: str
) -> None:
    server.replies = [reply]
    with httpx.Client(timeout=5) as client, pytest.raises(ChatEndpointError, match=message):
        ChatPolicy(client, base_url=server.url, model="m").act(BrowserEnv(tiny_corpus).reset("q"))


def test_cli_ask_with_a_chat_policy(
    server: FakeChatServer, tiny_corpus: CorpusBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    server.replies = ["search pointillism", "click 0", "quote lines 1-1", "answer Dots [1]."]
    argv = ["ask", "--json", "--corpus", str(tiny_corpus.path), "--policy", "chat",
            "--chat-url", server.url, "--chat-model", "m", "what is pointillism"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answer"] == "Dots [1]." and len(result["references"]) == 1
    assert main(["ask", "--policy", "chat", "q"]) == 2
    assert "needs --chat-url and --chat-model" in capsys.readouterr().err


def test_best_of_n_chat_samples_each_get_their_own_seed(
    server: FakeChatServer, tiny_corpus: CorpusBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ask", "--json", "--corpus", str(tiny_corpus.path), "--policy", "chat",
            "--chat-url", server.url, "--chat-model", "m", "--best-of", "4",
            "what is dots"]  # fmt: skip
    assert main(argv) == 0
    assert len(json.loads(capsys.readouterr().out)["best_of"]) == 4
    seeds = [body["seed"] for _, body in server.requests]
    assert len(seeds) == 4 and len(set(seeds)) == 4  # one request per sample, four streams
    assert main(argv) == 0  # the same run seed draws the same four seeds again
    assert [body["seed"] for _, body in server.requests[4:]] == seeds
