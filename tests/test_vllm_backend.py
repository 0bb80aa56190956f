"""The vLLM backend up to the engine call: requests, finish reasons, token-shared times, resumption, and the
dispatch by eval.backend. The engine is a stand-in with vLLM's generate signature and output shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import small_data
from specocr.data.generate import build_benchmark
from specocr.data.schema import STRUCTURED_OCR_PROMPT
from specocr.evaluate.vllm_backend import output_rows, predict_with_vllm, vllm_requests


@dataclass
class Completion:  # vllm.CompletionOutput's fields that specocr reads
    text: str
    token_ids: list[int]
    finish_reason: str


@dataclass
class RequestOutput:  # vllm.RequestOutput
    outputs: list[Completion]


class StandInEngine:
    """Answers each request with a fixed text; the third request of every chunk runs to the cap."""

    def __init__(self) -> None:
        self.calls: list[list[dict]] = []

    def generate(self, requests: list[dict], sampling, use_tqdm: bool = True) -> list[RequestOutput]:
        self.calls.append(requests)
        return [RequestOutput([Completion("loop " * 8, list(range(8)), "length") if i == 2 else
                               Completion('{"text": "ok"}', [1, 2], "stop")]) for i in range(len(requests))]


@pytest.fixture(scope="module")
def documents(default_params):
    return build_benchmark(small_data(default_params.data, train=0, val=0, test=5, workers=1))["test"]


@pytest.fixture(scope="module")
def processor(default_params):
    from specocr.models.zoo import build_processor

    return build_processor(default_params.zoo.patch_size)


def test_a_request_is_the_chat_templated_prompt_with_the_page_as_its_image(documents, processor) -> None:
    requests = vllm_requests(processor, [documents[0]["image"]], "Leia o documento.")
    assert requests[0]["prompt"] == ("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Leia o "
                                     "documento.<|im_end|>\n<|im_start|>assistant\n")
    assert requests[0]["multi_modal_data"]["image"].size == documents[0]["image"].size


def test_the_finish_reason_length_is_a_token_cap_hit_and_time_is_shared_by_tokens() -> None:
    rows = output_rows([RequestOutput([Completion("a", [1, 2, 3], "length")]),
                        RequestOutput([Completion("b", [1], "stop")])], seconds=2.0)
    assert [(r["prediction"], r["hit_token_limit"], r["tokens"]) for r in rows] == [("a", True, 3), ("b", False, 1)]
    assert [r["seconds"] for r in rows] == [1.5, 0.5]


def test_predictions_are_appended_by_chunk_and_a_killed_run_resumes(documents, processor, tmp_path: Path) -> None:
    engine = StandInEngine()
    path = predict_with_vllm(engine, processor, documents, tmp_path, 16, chunk_size=3, sampling="greedy")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [len(call) for call in engine.calls] == [3, 2] and len(rows) == 5
    assert [row["hit_token_limit"] for row in rows] == [False, False, True, False, False]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2]) + lines[2][:10], encoding="utf-8")  # killed while writing the third
    again = StandInEngine()
    predict_with_vllm(again, processor, documents, tmp_path, 16, chunk_size=3, sampling="greedy")
    assert [len(call) for call in again.calls] == [3]  # only the three documents not written yet
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [str(i) for i in documents["id"][:2]] + \
        [str(i) for i in documents["id"][2:]]


def test_read_and_time_dispatches_by_backend_and_refuses_int8_on_vllm(default_params, documents, tmp_path,
                                                                      monkeypatch) -> None:
    import specocr.evaluate.vllm_backend as backend
    from specocr.evaluate.read import read_and_time
    from specocr.models.zoo import build_model, save_base

    folder = save_base(*build_model("S", default_params.zoo, seed=0), tmp_path / "model", "# random\n")
    engine = StandInEngine()
    spread_over: list[int] = []
    monkeypatch.setattr(backend, "load_engine",
                        lambda folder, max_model_len, tensor_parallel: spread_over.append(tensor_parallel) or engine)
    monkeypatch.setattr(backend, "greedy", lambda max_new_tokens: f"greedy to {max_new_tokens}")
    eval_params = default_params.eval.model_copy(update={
        "backend": "vllm", "batch_size": 4, "vllm_tensor_parallel": 2,
        "timing": default_params.eval.timing.model_copy(update={"documents": 2, "passes": 1})})
    timing = read_and_time(folder, documents, tmp_path / "vllm", eval_params, "random")
    assert [len(call) for call in engine.calls] == [4, 1, 1, 2]  # chunks of 4, the warm-up, the timed pass
    assert {call[0]["prompt"].count(STRUCTURED_OCR_PROMPT) for call in engine.calls} == {1}
    assert timing.documents == 2 and (tmp_path / "vllm" / "timing.json").is_file()
    assert spread_over and set(spread_over) == {2}  # eval.vllm_tensor_parallel reaches the engine
    (folder / "quantization.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="int8_dynamic model runs on the CPU only"):
        read_and_time(folder, documents, tmp_path / "int8", eval_params, "int8")
