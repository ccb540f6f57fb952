"""Worker processes that fit one (model, fold) at a time, so a Cancel can stop any fit within a poll.

scikit-learn cannot be interrupted inside a fit (a forest or a solver runs in
compiled code), so fits never run in the calling process: each worker gets
the rows once when it starts, then receives small tasks (a pipeline and the
row positions of one fold) and sends back the fold's scores and predictions.
The caller polls the workers every `POLL` seconds and checks its cancel flag
and the time budget between polls; stopping kills the workers outright.

Workers start from a fork server that has scikit-learn already imported (a
fork of a threaded process such as Streamlit's is unsafe; a plain spawn would
import scikit-learn again for every leaderboard). Several workers take the
tasks side by side (MODEL_LIMITS.workers); each caps its BLAS and OpenMP
threads and lowers its priority, so the pages stay responsive.

A worker starts from library modules alone: multiprocessing would re-import
the caller's main module in every child, and under Streamlit that module is
the app script (Streamlit installs it as `__main__`), so each worker would draw
the sidebar and open the workspace. `_LibraryPopen` sends the child everything
but the main module; the workers never open the workspace (they are sent their
rows), and a worker that dies reaches the caller as a plain sentence
(WorkbenchError), never a BrokenPipeError.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from multiprocessing import context as mp_context
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import wait
from typing import Any

from workbench.errors import Cancelled, WorkbenchError
from workbench.settings import MODEL_LIMITS

POLL = 0.1  # seconds between checks of the cancel flag and the time budget
DIED = "its worker process stopped before answering (out of memory, or killed)"
_PRELOAD = ["workbench.model.worker", "workbench.model.pipeline", "sklearn.model_selection", "sklearn.ensemble"]
_CONTEXT: Any = None


def context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        _CONTEXT = ctx
    return _CONTEXT


_MAIN_KEYS = ("init_main_from_name", "init_main_from_path")  # what makes a child re-import the caller's main


class _LibraryPopen(popen_forkserver.Popen):
    """The fork server's launch (CPython's `popen_forkserver.Popen._launch`, unchanged from 3.11 to 3.14) without
    the caller's main module in the preparation data, so the child imports only what the pickled target needs."""

    def _launch(self, process_obj):
        prep_data = {k: v for k, v in spawn.get_preparation_data(process_obj._name).items() if k not in _MAIN_KEYS}
        buf = io.BytesIO()
        mp_context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            mp_context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)  # the parent's end of the data pipe, a sentinel the child watches
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(mp_context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _LibraryPopen(process_obj)


def _process(target, args=()) -> Any:
    context()  # the fork server's preload is set before its first start
    return _Process(target=target, args=args, daemon=True, name="workbench-model")


def warm_up(wait: bool = False) -> None:
    """Start the fork server now (it imports scikit-learn once, a few seconds), so the first leaderboard need not.
    It imports in the background; `wait` returns only once it is ready to start workers."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()
    if wait:  # the fork server answers its first request only after its imports
        ready = _process(int)
        ready.start()
        ready.join()


# -- inside the worker -------------------------------------------------------------------------


def _serve(conn, X, y, threads: int) -> None:
    from threadpoolctl import threadpool_limits

    os.nice(MODEL_LIMITS.worker_nice)
    threadpool_limits(threads)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            reply = ("ok", run_task(task, X, y))
        except Exception as exc:  # a failed fit is a result to show, not a crash
            reply = ("error", plain(exc))
        conn.send(reply)


# scikit-learn's wording of the failures small tables cause -> the same in the user's words
_PLAIN = [
    (re.compile(r"n_neighbors = (\d+), n_samples_fit = (\d+)"),
     "it compares each row with its {0} nearest training rows, and this fold has only {1} to learn from"),
    (re.compile(r"Number of classes in y_true not equal to the number of columns in 'y_score'"),
     "this fold's training rows lack a class, so its probabilities cannot be scored: too few rows per class"),
    (re.compile(r"Only one class (?:is )?present in y_true"),
     "this fold's test rows hold a single class, so ROC AUC cannot be measured: too few rows per class"),
]  # fmt: skip


def plain(exc: BaseException) -> str:
    """Why a fit failed, in words: the known failures of small tables rephrased, else scikit-learn's message."""
    text = str(exc).strip()
    for pattern, words in _PLAIN:
        found = pattern.search(text)
        if found:
            return words.format(*found.groups())
    return text or f"{type(exc).__name__} (scikit-learn gave no reason)"


def run_task(task: tuple, X, y) -> Any:
    """("fold", pipeline, train, test, score) -> scores and predictions, `score(actual, predicted, proba,
    decision)` giving the fold's metrics; ("fit", pipeline) -> fitted pipeline; ("importance", pipeline, train,
    test, scorer, repeats, seed) -> the drop in score when each feature is shuffled on the test rows, after
    fitting on the train rows (features x repeats)."""
    kind = task[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "fold":
            _, pipe, train, test, score = task
            started = time.perf_counter()
            X_train, X_test = X.iloc[train], X.iloc[test]
            if pipe.steps[0][0] == "clean":  # the cleaning refitted in the fold: once per fold, whatever the model
                X_train, X_test = _cleaned(pipe.steps[0][1], X, train, test)
                pipe = pipe[1:]
            pipe.fit(X_train, y[train])
            fit_time = time.perf_counter() - started
            predicted, proba, decision = predictions(pipe, X_test)
            return {
                "scores": score(y[test], predicted, proba, decision),
                "fit_time": fit_time,
                "predicted": predicted,
                "proba": proba,
                "classes": getattr(pipe, "classes_", None),
            }
        if kind == "fit":
            _, pipe = task
            started = time.perf_counter()
            pipe.fit(X, y)
            return pipe, time.perf_counter() - started
        if kind == "importance":
            from sklearn.inspection import permutation_importance

            _, pipe, train, test, scorer, repeats, seed = task
            pipe.fit(X.iloc[train], y[train])
            found = permutation_importance(pipe, X.iloc[test], y[test], scoring=scorer, n_repeats=repeats,
                                           random_state=seed)  # fmt: skip
            return found.importances
    raise ValueError(f"unknown task {kind!r}")


_CLEANED: dict[tuple, tuple] = {}  # (steps, fold) -> the fold's cleaned training and validation rows


def _cleaned(cleaning, X, train, test) -> tuple[Any, Any]:
    """The cleaning step fitted on the fold's training rows and applied to both sides, kept for the next model on
    the same fold: the steps are deterministic, so every model of a fold sees the same cleaned rows."""
    import hashlib

    key = (repr(cleaning.get_params()), hashlib.sha1(train.tobytes()).hexdigest(),
           hashlib.sha1(test.tobytes()).hexdigest())  # fmt: skip
    if key not in _CLEANED:
        if len(_CLEANED) >= 2 * MODEL_LIMITS.folds + 2:
            _CLEANED.pop(next(iter(_CLEANED)))
        fitted = cleaning.fit(X.iloc[train])
        _CLEANED[key] = (fitted.transform(X.iloc[train]), fitted.transform(X.iloc[test]))
    return _CLEANED[key]


def predictions(pipe, X) -> tuple[Any, Any, Any]:
    """A fitted pipeline's labels, class probabilities and decision function (None where it has none) on `X`,
    from one pass of its preprocessing and one call per kind of answer. The labels are derived as the models'
    own `predict` derives them (the sign or argmax of the decision function, else the most probable class),
    which spares a second pass that costs a forest or k-NN as much as the probabilities."""
    from sklearn.base import is_classifier

    final, features = pipe[-1], pipe[:-1].transform(X)
    if not is_classifier(final):
        return final.predict(features), None, None
    proba = final.predict_proba(features) if hasattr(final, "predict_proba") else None
    decision = final.decision_function(features) if hasattr(final, "decision_function") else None
    if decision is not None:
        predicted = final.classes_[(decision > 0).astype(int) if decision.ndim == 1 else decision.argmax(axis=1)]
    elif proba is not None:
        predicted = final.classes_[proba.argmax(axis=1)]
    else:
        predicted = final.predict(features)
    return predicted, proba, decision


# -- in the caller -----------------------------------------------------------------------------


class Pool:
    """`workers` processes holding the same rows; `run` hands them tasks until done, cancelled or out of time."""

    def __init__(self, X, y, *, workers: int = MODEL_LIMITS.workers,
                 threads: int = MODEL_LIMITS.worker_threads):  # fmt: skip
        self.args = (X, y, threads)
        self.size = max(1, workers)
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.deaths = 0

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _spawn(self) -> tuple[Any, Any]:
        parent, child = multiprocessing.Pipe()
        proc = _process(_serve, (child, *self.args))
        try:
            proc.start()
        except (OSError, EOFError) as exc:
            raise WorkbenchError(f"Could not start a process to fit the models in ({exc}).") from None
        finally:
            child.close()
        return proc, parent

    def _start(self) -> None:
        while len(self.procs) < self.size:
            proc, parent = self._spawn()
            self.procs.append(proc)
            self.conns.append(parent)

    def run(
        self,
        tasks: Sequence[tuple],
        on_result: Callable[[int, str, Any], None],
        *,
        cancel: threading.Event | None = None,
        deadline: float | None = None,
        affinity: Sequence[int] | None = None,
    ) -> bool:
        """Run every task; `on_result(index, "ok" | "error", value)` as each ends (in this thread).

        `affinity[i]` (optional) sends task i to worker `affinity[i] % workers` while that worker has tasks left:
        the folds of a refitted cleaning then each clean once per board, not once per worker.
        Returns False when the deadline (a `time.monotonic()` value) stopped it first;
        raises Cancelled when `cancel` was set. Either way the workers are killed at once.
        """
        self.size = min(self.size, max(1, len(tasks)))  # no idle worker holding a copy of the rows
        self._start()
        pending = list(enumerate(tasks))
        busy: dict[int, int] = {}  # worker -> task index
        try:
            while pending or busy:
                for w in range(self.size):
                    if w not in busy and pending:
                        # a task goes to the worker its affinity names (the fold whose cleaning that worker keeps),
                        # else, when none is left for it, the first one waiting
                        at = next((i for i, (index, _) in enumerate(pending)
                                   if affinity is None or affinity[index] % self.size == w), 0)  # fmt: skip
                        index, task = pending.pop(at)
                        try:
                            self.conns[w].send(task)
                        except OSError:  # the worker died before its task (BrokenPipeError)
                            self._died(w)
                            on_result(index, "error", DIED)
                            continue
                        busy[w] = index
                ready = wait([self.conns[w] for w in busy], timeout=POLL)
                for conn in ready:
                    w = self.conns.index(conn)
                    index = busy.pop(w)
                    try:
                        status, value = conn.recv()
                    except (EOFError, OSError):
                        self._died(w)
                        status, value = "error", DIED
                    on_result(index, status, value)
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                if deadline is not None and time.monotonic() > deadline and (pending or busy):
                    self.kill()
                    return False
            return True
        except BaseException:
            self.kill()
            raise

    def _died(self, w: int) -> None:
        """Worker `w` is gone: a second death in one run stops it with a plain sentence, else `w` is replaced."""
        self.deaths += 1
        if self.deaths >= 2:
            raise WorkbenchError("The processes fitting the models keep stopping before they answer: out of "
                                 "memory, or killed. Fit on fewer rows or fewer models.")  # fmt: skip
        self.procs[w].kill()
        self.procs[w].join()
        self.conns[w].close()
        self.procs[w], self.conns[w] = self._spawn()

    def kill(self) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.join(5)
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(2)
        self.kill()
