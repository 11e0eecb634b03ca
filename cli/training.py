"""The CLI's data and training commands: questions, demonstrations, comparisons, BC, RM.

Each handler imports its heavy modules (torch, transformers) when it runs, so building the
parser, and ``webgpt ask`` with the teacher, never pays for them.
"""

from __future__ import annotations

import getpass
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from rich.console import Console

from agent.shipped import DEFAULT_POLICY, DEFAULT_RANKER
from browser.models import ExistingFiles, Value
from cli.flags import UsageError
from cli.options import (
    BrowserOptions,
    make_browser,
    make_chat_policy,
    quiet_loading,
)
from training.bc_config import BCConfig
from training.iterate_config import IterateConfig
from training.questions import GeneratedQuestion
from training.ranker_config import RankerConfig
from training.reader_config import ReaderConfig
from training.rm_config import RMConfig

if TYPE_CHECKING:
    from agent.episode import Episode
    from browser.corpus import CorpusBackend

Split = Literal["train", "heldout", "all"]


class QuestionsConfig(Value):
    """``webgpt questions generate``: questions with gold answers, split by article."""

    out: Path = Field(description="the questions JSONL to write")
    corpus: Path | None = Field(None, description="an index (default: the embedded corpus)")
    seed: int = Field(0, description="seed of the question templates")


class QuestionRun(Value):
    """A run over generated questions that appends to ``out`` and resumes."""

    questions: Path = Field(description="questions JSONL")
    out: Path = Field(description="the JSONL appended to (a rerun resumes)")
    split: Split = Field("train", description="which questions")
    limit: int | None = Field(None, ge=1, description="use only the first N questions")
    browser: BrowserOptions = Field(default_factory=BrowserOptions)

    def selected(self) -> list[GeneratedQuestion]:
        """The questions of ``split``, the first ``limit`` of them."""
        from training.questions import read_questions

        chosen = [q for q in read_questions(self.questions) if self.split in ("all", q.split)]
        return chosen[: self.limit] if self.limit else chosen


class DemosConfig(QuestionRun):
    """``webgpt demos generate``: a teacher answers questions; correct episodes are kept."""

    teacher: Literal["reading", "lexical"] = Field(
        "reading", description="the scripted teacher: reading with the shipped reader, or the "
        "lexical one the LM policy was cloned from",
    )  # fmt: skip
    teacher_url: str | None = Field(None, description="an OpenAI-compatible API root (…/v1)")
    teacher_model: str | None = Field(None, description="the teacher model's name at that endpoint")
    keep_failures: bool = Field(False, description="keep wrong episodes too")
    quote_style: Literal["text", "lines"] = Field(
        "lines", description="how the lexical teacher quotes (the LM build uses lines)"
    )

    @model_validator(mode="after")
    def _teacher_pair(self) -> DemosConfig:
        if bool(self.teacher_url) != bool(self.teacher_model):
            raise ValueError("--teacher-url and --teacher-model go together")
        return self


class ExportConfig(Value):
    """``webgpt demos export``: episodes as {prompt, completion} JSONL for TRL / HF trainers."""

    episodes: list[Path] = Field(
        min_length=1, description="episode JSONL files", json_schema_extra={"positional": True}
    )
    out: Path = Field(description="the prompt/completion JSONL to write")
    with_grammar: bool = Field(False, description="prepend the command reference")


class TrainBCConfig(BCConfig):
    """``webgpt train bc``: behaviour cloning; without --demos, build the embedded default."""

    demos: list[Path] = Field(
        default_factory=list,
        description="episode JSONL files",
        json_schema_extra={"metavar": "FILE"},
    )
    work: Path | None = Field(None, description="questions and demos of a default build (OUT/work)")

    @model_validator(mode="after")
    def _default_build_from_scratch(self) -> TrainBCConfig:
        if not self.demos and self.model is not None:
            raise ValueError("--model needs --demos (the default build trains from scratch)")
        return self


class TrainRMConfig(RMConfig):
    """``webgpt train rm``: a reward model on comparisons; without --comparisons, build the
    embedded default from the default policy's samples."""

    work: Path | None = Field(None, description="questions and comparisons of a default build")
    policy_temperature: float = Field(
        1.0, gt=0, description="default build: the default policy's sampling temperature"
    )
    written: ExistingFiles = Field(
        default_factory=list,
        description="default build: files of questions people wrote (JSONL: question, answers, "
        "title); the training questions are drawn from their training-article ones",
        json_schema_extra={"metavar": "FILE"},
    )
    questions: int = Field(400, ge=1, description="default build: training questions sampled on")


class TrainReaderConfig(ReaderConfig):
    """``webgpt train reader``: the MiniLM reader (relevance and answer spans), from
    questions generated on the corpus's training articles."""

    work: Path | None = Field(None, description="the generated questions (default OUT/work)")


class TrainRankerConfig(RankerConfig):
    """``webgpt train ranker``: the ranking policy's head, cloned from the reading teacher;
    without --demos, from demonstrations made here (the embedded default)."""

    demos: list[Path] = Field(
        default_factory=list, description="episode JSONL files (the teacher's)",
        json_schema_extra={"metavar": "FILE"},
    )  # fmt: skip
    work: Path | None = Field(None, description="questions and demonstrations of a default build")


class TrainAbstentionConfig(Value):
    """``webgpt train abstention``: place the ranking policy's abstain bias on questions kept
    apart, the smallest that abstains on ``target`` of those the corpus cannot answer."""

    questions: list[Path] = Field(
        min_length=1, json_schema_extra={"positional": True},
        description="question files (JSONL): with answers, the corpus can answer them; "
        "with none (answers: []), it cannot",
    )  # fmt: skip
    policy: Path = Field(description="the ranking policy whose settings get the bias")
    out: Path = Field(description="a folder: confidences.jsonl (a rerun resumes), table, plot")
    target: float = Field(0.5, gt=0, le=1, description="share of unanswerable ones to abstain on")


class TrainIterateConfig(IterateConfig):
    """``webgpt train iterate``: the default policy improves on its own best answers
    (expert iteration or GRPO against the reward model and the gold answers)."""

    demos: list[Path] = Field(
        default_factory=list, description="the teacher's demonstrations (default: those of "
        "the start's build, agent/checkpoints/ranker-default/work or bc-default/work)",
        json_schema_extra={"metavar": "FILE"},
    )  # fmt: skip
    start: Path | None = Field(
        None, description="the ranking policy to start from (default: the shipped one)"
    )
    model: str | None = Field(
        None, description="--policy lm: the LM policy to start from, a folder or hub id "
        "(default: the shipped one)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _start_of_the_policy(self) -> TrainIterateConfig:
        if self.start is not None and self.policy != "ranker":
            raise ValueError("--start goes with --policy ranker; --policy lm starts from --model")
        if self.model is not None and self.policy != "lm":
            raise ValueError("--model goes with --policy lm; --policy ranker starts from --start")
        local = self.model is not None and self.model.startswith(("/", ".", "~"))
        if local and not Path(str(self.model)).expanduser().is_dir():
            raise ValueError(f"--model: no model directory at {self.model}")
        return self


class SynthesizeConfig(QuestionRun):
    """``webgpt comparisons synthesize``: sampled answers, ranked by a reference judge."""

    model: str | None = Field(None, description="the LM policy (default: the embedded one)")
    temperature: float = Field(0.8, gt=0, description="sampling temperature")
    n_samples: int = Field(4, ge=2, description="answers per question")
    seed: int = Field(0, description="the run's seed: samples and A/B order derive from it")
    no_ties: bool = Field(False, description="drop pairs the judge ties")


class CompareConfig(Value):
    """``webgpt compare``: label which of two answers is better."""

    pairs: Path = Field(
        description="comparisons JSONL to label", json_schema_extra={"positional": True}
    )
    out: Path = Field(description="labels are appended here")
    labeler: str = Field(default_factory=getpass.getuser, description="who is labelling")


def run_questions(config: QuestionsConfig) -> int:
    from browser.corpus import CorpusBackend
    from training.questions import generate_questions, write_questions

    backend = CorpusBackend(config.corpus) if config.corpus else CorpusBackend.open_default()
    with backend:
        count = write_questions(config.out, generate_questions(backend.pages(), seed=config.seed))
    Console(stderr=True).print(f"Wrote {count} questions to {config.out}")
    return 0


def run_demos(config: DemosConfig) -> int:
    from rich.progress import Progress

    from agent.policy import Policy
    from training.demos import generate_demos

    questions = config.selected()
    policy: Policy
    if config.teacher_url and config.teacher_model:
        policy = make_chat_policy(config.teacher_url, config.teacher_model, 0.0, 0)
    elif config.teacher == "lexical":
        from agent.teacher import TeacherPolicy

        policy = TeacherPolicy(quote_style=config.quote_style)
    else:
        from agent.reader import Reader
        from agent.reading_teacher import ReadingTeacher

        policy = ReadingTeacher.from_reader(Reader.load())
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    with make_browser(config.browser, err) as browser, Progress(console=err) as progress:
        task = progress.add_task("demonstrations", total=len(questions))
        counts = generate_demos(
            questions, policy, browser, config.out, keep_failures=config.keep_failures,
            on_progress=lambda done, total: progress.update(task, completed=done),
        )  # fmt: skip
    err.print(f"Demonstrations in {config.out}: " + json.dumps(counts))
    return 0


def run_export(config: ExportConfig) -> int:
    from training.demos import export_prompt_completions

    rows = export_prompt_completions(config.episodes, config.out, with_grammar=config.with_grammar)
    Console(stderr=True).print(f"Wrote {rows} prompt/completion pairs to {config.out}")
    return 0


def run_train_bc(config: TrainBCConfig) -> int:
    from agent.episode import read_episodes

    _log_to_stderr()
    bc = BCConfig.model_validate(config.model_dump(exclude={"demos", "work"}))
    if config.demos:
        from training.bc import train_bc

        episodes = [episode for path in config.demos for episode in read_episodes(path)]
        summary = train_bc(bc, episodes)
    else:
        from training.default_policy import build_default_policy

        summary = build_default_policy(bc, config.work or bc.out / "work")
    Console(stderr=True).print(f"Saved the policy to {bc.out}: " + json.dumps(summary))
    return 0


def run_train_rm(config: TrainRMConfig) -> int:
    _log_to_stderr()
    rm = RMConfig.model_validate(
        config.model_dump(exclude={"work", "policy_temperature", "written", "questions"})
    )
    if rm.comparisons:
        from training.reward_training import train_reward_model

        summary = train_reward_model(rm)
    else:
        from agent.ranker_policy import RankerPolicy
        from training.default_reward_model import HELDOUT_QUESTIONS, build_default_reward_model

        quiet_loading()
        policy = RankerPolicy.load(temperature=config.policy_temperature)
        summary = build_default_reward_model(
            rm, config.work or rm.out / "work", policy, written=config.written,
            questions_per_split=(config.questions, HELDOUT_QUESTIONS),
        )  # fmt: skip
    Console(stderr=True).print(f"Saved the reward model to {rm.out}: " + json.dumps(summary))
    return 0


def run_train_reader(config: TrainReaderConfig) -> int:
    from training.reader import build_default_reader

    _log_to_stderr()
    reader = ReaderConfig.model_validate(config.model_dump(exclude={"work"}))
    summary = build_default_reader(reader, config.work or reader.out / "work")
    Console(stderr=True).print(f"Saved the reader to {reader.out}: " + json.dumps(summary))
    return 0


def run_train_ranker(config: TrainRankerConfig) -> int:
    _log_to_stderr()
    ranker = RankerConfig.model_validate(config.model_dump(exclude={"demos", "work"}))
    if config.demos:
        from agent.episode import read_episodes
        from agent.ranker_policy import PolicyHead, RankerPolicy
        from agent.reader import Reader
        from browser.corpus import CorpusBackend
        from browser.env import BrowserEnv
        from training.ranker import train_ranker

        reader = Reader.load()
        episodes = [episode for path in config.demos for episode in read_episodes(path)]

        def policy(head: PolicyHead) -> RankerPolicy:
            return RankerPolicy(read=reader.read, head=head)

        browser = BrowserEnv(CorpusBackend.open_default())
        summary = train_ranker(ranker, episodes, browser, policy)
    else:
        from training.default_ranker import build_default_ranker

        summary = build_default_ranker(ranker, config.work or ranker.out / "work")
    Console(stderr=True).print(f"Saved the policy to {ranker.out}: " + json.dumps(summary))
    return 0


def run_train_abstention(config: TrainAbstentionConfig) -> int:
    from agent.ranker_policy import RankerPolicy
    from browser.corpus import CorpusBackend
    from browser.records import write_atomic
    from training.abstention import (
        measure_confidences,
        place_abstain_bias,
        plot_tradeoff,
        save_abstain_bias,
        tradeoff,
    )
    from training.evaluation.datasets import load_dataset
    from training.progress import logged_progress

    _log_to_stderr()
    quiet_loading()
    items = [item for path in config.questions for item in load_dataset(path)]
    if len({item.id for item in items}) < len(items):
        raise UsageError("two questions share an id across the files; give them distinct ids")
    if not any(item.answers for item in items) or all(item.answers for item in items):
        raise UsageError("need questions with answers and questions without (answers: [])")
    policy = RankerPolicy.load(config.policy)
    config.out.mkdir(parents=True, exist_ok=True)
    confidences = measure_confidences(
        policy, items, CorpusBackend.open_default(), out=config.out / "confidences.jsonl",
        on_progress=logged_progress("confidences"),
    )  # fmt: skip
    placed = place_abstain_bias(confidences, target=config.target) | {"target": config.target}
    rows = tradeoff(confidences, [step / 20 for step in range(1, 20)])
    table = json.dumps({"placed": placed, "tradeoff": rows}, indent=2)
    write_atomic(config.out / "abstention.json", table + "\n")
    plot_tradeoff(rows, placed, config.out / "abstention.png")
    save_abstain_bias(config.policy, placed, config.questions)
    Console(stderr=True).print(f"Placed in {config.policy}: " + json.dumps(placed))
    return 0


def run_train_iterate(config: TrainIterateConfig) -> int:
    from agent.episode import read_episodes
    from browser.corpus import CorpusBackend
    from training.rounds import plot_rounds

    _log_to_stderr()
    quiet_loading()
    build = (
        DEFAULT_POLICY / "work/demos.jsonl"
        if config.policy == "lm"
        else DEFAULT_RANKER / "work/demos-train.jsonl"
    )
    demos = config.demos or [path for path in [build] if path.is_file()]
    if not demos:
        raise UsageError("no demonstrations: pass --demos FILE (the teacher's episodes)")
    settings = IterateConfig.model_validate(config.model_dump(exclude={"demos", "start", "model"}))
    episodes = [episode for path in demos for episode in read_episodes(path)]
    corpus = CorpusBackend.open_default()
    report = True
    if settings.policy == "lm":
        from accelerate import PartialState  # type: ignore[import-untyped]

        from training.iterate_lm import iterate_on_corpus

        rows = iterate_on_corpus(settings, episodes, corpus, config.model or DEFAULT_POLICY)
        report = PartialState().is_main_process  # under accelerate launch, one process reports
    else:
        rows = _iterate_ranker(settings, episodes, corpus, config.start or DEFAULT_RANKER)
    if report:
        plot_rounds(rows, settings.out / "rounds.png")
        Console(stderr=True).print(f"Rounds in {settings.out}: " + json.dumps(rows[-1]))
    return 0


def _iterate_ranker(
    settings: IterateConfig, demos: list[Episode], corpus: CorpusBackend, start: Path
) -> list[dict[str, float]]:
    from agent.ranker_policy import HEAD_FILE, PolicyHead, RankerPolicy
    from agent.reader import CachedRead, Reader
    from agent.reward_model import RewardModel
    from browser.env import BrowserEnv
    from training.iterate import iterate
    from training.real_questions import real_questions_in

    read = CachedRead(Reader.load().read, size=20_000)

    def policy(head: PolicyHead, temperature: float) -> RankerPolicy:
        return RankerPolicy(read=read, head=head, temperature=temperature)

    questions = real_questions_in(settings.out, corpus.pages)  # kept with the rounds
    head = PolicyHead.load(start / HEAD_FILE)
    reward = RewardModel.from_pretrained().score
    return iterate(settings, questions, demos, BrowserEnv(corpus), policy, head, reward)


def run_synthesize(config: SynthesizeConfig) -> int:
    from rich.progress import Progress

    from agent.best_of_n import sample_episodes
    from agent.lm_policy import LMPolicy
    from training.judge import ReferenceJudge
    from training.synthetic import synthesize_comparisons

    questions = config.selected()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    quiet_loading()
    policy = LMPolicy.from_pretrained(
        config.model or DEFAULT_POLICY, temperature=config.temperature
    )
    seed = config.seed
    with make_browser(config.browser, err) as browser, Progress(console=err) as progress:
        task = progress.add_task("comparisons", total=len(questions))
        counts = synthesize_comparisons(
            questions,
            lambda question, n: sample_episodes(question, policy, browser, n, seed=seed),
            ReferenceJudge(),
            config.out,
            n_samples=config.n_samples,
            seed=seed,
            keep_ties=not config.no_ties,
            on_progress=lambda done, total: progress.update(task, completed=done),
        )
    err.print(f"Comparisons in {config.out}: " + json.dumps(counts))
    return 0


def run_compare(config: CompareConfig) -> int:
    from training.compare_ui import run_compare_session

    if not config.pairs.is_file():
        raise UsageError(f"no such file: {config.pairs}")
    counts = run_compare_session(
        config.pairs, config.out, console=Console(highlight=False), labeler=config.labeler
    )
    Console(stderr=True).print(f"Labels in {config.out}: " + json.dumps(counts))
    return 0


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
