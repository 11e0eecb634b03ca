"""What the README promises the package roots export."""

from __future__ import annotations

import subprocess
import sys


def test_the_library_names_import_from_the_package_roots() -> None:
    from agent import ChatPolicy, LMPolicy, RewardModel, TeacherPolicy, best_of_n, run_episode
    from browser import BrowserEnv, CitedAnswer, CorpusBackend, check_backend

    assert LMPolicy.__name__ == "LMPolicy" and RewardModel.__name__ == "RewardModel"
    assert callable(best_of_n) and callable(run_episode) and callable(check_backend)
    assert ChatPolicy and TeacherPolicy and BrowserEnv and CitedAnswer and CorpusBackend


def test_importing_the_agent_does_not_load_torch() -> None:
    code = "import agent, sys; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
