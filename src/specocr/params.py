"""The typed parameter tree: ``params.yaml`` (or any file under ``params/``) validated before any compute.

The files under ``params/`` are overlays: ``overlay_of: ../params.yaml`` (a path relative to the file) and only
the keys that differ. Mappings merge key by key; a mapping tagged ``!replace`` (``bases: !replace``) and any
list or scalar replace the base's value. ``specocr compose-params FILE`` writes the whole tree.

Every key is required and no key has a default here, so the YAML file is the single source of truth and
DVC sees every value a stage depends on. Unknown keys and wrong types are rejected (strict mode: ``"5"`` is
not an integer) with an error that names the key path, e.g. ``sft.learning_rate: Input should be a valid
number``.

    >>> params = load_params("params.yaml")
    >>> params.data.splits.test
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Probability = Annotated[float, Field(gt=0, lt=1)]
Strength = Annotated[float, Field(ge=0, le=2)]
Stage = Literal["vanilla", "sft", "dpo", "quant"]


class ParamsError(ValueError):
    """A params file that cannot be used: unreadable, not a mapping, unknown keys or wrong types."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- data -------------------------------------------------------------------------------------------


class SplitSizes(_Strict):
    train: NonNegativeInt
    val: NonNegativeInt
    test: NonNegativeInt


class BlockLayout(_Strict):
    """A small document of a few short lines, sized for the tiny models' input geometry."""

    width: PositiveInt = Field(description="image width in px")
    max_lines: PositiveInt = Field(description="lines of text per document, at most")
    line_height: PositiveInt = Field(description="px per text line")
    font_size: PositiveInt = Field(
        description="font size in px of the reference face, DejaVu Sans (about 7.8 px per character at 17)")
    side_padding: NonNegativeInt = Field(
        description="blank px left and right of the text; lines fill the height exactly, so with 16 px lines "
                    "and 8 px vision patches every text line is exactly two patch rows")


class PageLayout(_Strict):
    """An A4-like page, for paper scale and the classical OCR baselines."""

    width: PositiveInt
    height: PositiveInt
    font_size: PositiveInt
    margin: NonNegativeInt


class StrengthLevels(_Strict):
    """Degradation strength, 0 (clean) to 2 (hard)."""

    train_max: Strength = Field(description="train/val documents draw a strength uniformly in [0, train_max]")
    test: list[Strength] = Field(min_length=1, description="test documents cycle through these levels")


class TestSource(_Strict):
    """Where the test documents come from when they are not ``data.source``'s own: the paper's benchmark (which
    has a test split only), a parquet in its schema, or a folder."""

    source: Literal["hub", "local", "folder"]
    location: str = Field(description="Hub dataset id (hub), parquet file/folder (local), or folder (folder)")
    revision: str | None = Field(default=None, description="pinned Hub revision (hub only)")


class DataParams(_Strict):
    source: Literal["synthetic", "hub", "local", "folder"] = Field(
        description="where the documents come from: train and val always, test too unless test_source is set")
    location: str | None = Field(description="Hub dataset id (hub), parquet file/folder (local), or a folder of "
                                             "images with train/val/test.jsonl (folder)")
    revision: str | None = Field(description="pinned Hub revision (hub only)")
    domain: str = Field(description="registered content domain for synthetic documents")
    seed: int
    splits: SplitSizes
    categories: dict[str, Annotated[float, Field(gt=0)]] = Field(
        min_length=1, description="category name -> relative share of documents"
    )
    free_form_share: Annotated[float, Field(ge=0, le=1)] = Field(
        description="share of the synthetic training split drawn from the domain's generators without templates "
                    "(Domain.free_form); val and test come from its templates")
    styled_share: Annotated[float, Field(ge=0, le=1)] = Field(
        description="share of the synthetic training split drawn in styles from a wide pool (faces, widths, "
                    "placement, inks, papers: specocr.data.styles) instead of the pipeline's renderer; block "
                    "layout only; val and test keep the pipeline's renderer")
    layout: Literal["block", "page"]
    block: BlockLayout
    page: PageLayout
    strength: StrengthLevels
    workers: PositiveInt = Field(description="processes generating documents")
    test_source: TestSource | None = Field(
        default=None, description="the test split from another source (train on documents made here, test on "
                                  "the Hub benchmark); null: data.source's own test split")

    @model_validator(mode="after")
    def _location_matches_source(self) -> DataParams:
        if self.source in ("hub", "local", "folder") and not self.location:
            raise ValueError(f"data.location is required when data.source is {self.source!r}")
        return self

    @model_validator(mode="after")
    def _training_documents_exist(self) -> DataParams:
        if self.source == "hub":  # the pipeline's SFT and DPO need train and val splits
            raise ValueError("data.source 'hub': the released benchmark has a test split only, and every base "
                             "is fine-tuned on train and val; make them here (data.source: synthetic) or bring a "
                             "folder, and read the benchmark as data.test_source: {source: hub, location: ...}")
        return self

    @model_validator(mode="after")
    def _domain_is_registered(self) -> DataParams:
        from specocr.domains import get_domain  # imported here: domains import the data package

        try:
            domain = get_domain(self.domain)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        if self.source == "synthetic" and set(self.categories) - set(domain.categories):
            raise ValueError(f"data.categories {sorted(self.categories)} must be categories of domain "
                             f"{domain.name!r}: {domain.categories}")
        if self.styled_share > 0 and self.layout != "block":
            raise ValueError(f"data.styled_share is {self.styled_share:g} but data.layout is {self.layout!r}: the "
                             "styled renderer draws the block layout only; set it to 0 for pages")
        if self.source == "synthetic" and self.free_form_share > 0 and not domain.free_form:
            raise ValueError(f"data.free_form_share is {self.free_form_share:g} but domain {domain.name!r} has no "
                             "free-form generators (Domain.free_form): set it to 0 or give the domain some")
        return self


# --- base models ------------------------------------------------------------------------------------


class ProcessorSource(_Strict):
    """Where a base's processor (image processor, tokenizer, chat template) comes from when it is not the
    base's own folder: olmOCR-2's card loads Qwen2.5-VL-7B-Instruct's."""

    source: Literal["hub", "local"]
    location: str = Field(description="Hub model id (hub) or a folder holding the processor's files (local)")
    revision: str | None = Field(default=None, description="pinned Hub revision (hub only)")


class BaseSpec(_Strict):
    """One base model: where it comes from, where it stands on the specialization ladder, and the conventions
    it is read with (prompt, image-size cap, processor), which the bases stage writes into its folder so that
    every later stage and every model trained from it keeps them."""

    source: Literal["zoo", "hub", "local", "stand_in"] = Field(
        description="stand_in: a random-weight miniature of the Hub model named by location, built here "
                    "(specocr.models.stand_ins), to rehearse the paper-scale path on a CPU")
    location: str = Field(description="zoo folder name, Hub model id (hub, stand_in), or local folder")
    revision: str | None
    level: Literal[1, 2] = Field(description="1 generalist, 2 general-OCR specialist")
    size: str = Field(description="size label, e.g. S/M here, 3B/7B at paper scale")
    analogue_of: str | None = Field(description="the paper's model this one stands for")
    strip_width: PositiveInt | None = Field(
        default=None, description="a zoo or local base of specocr's tiny models: read every document as a band "
                                  "strip this many px wide (its data.block.line_height bands side by side, "
                                  "specocr.models.processing_charocr.band_strip), whatever its own processor does; "
                                  "null: its processor as saved. The same value for every base of a ladder, so "
                                  "that the bases differ in their training only")
    prompt: str | None = Field(
        default=None, description="the instruction sent with every page to this base and the models trained from "
                                  "it (vanilla, SFT, DPO, evaluation); null: the pipeline's structured-OCR prompt "
                                  "(specocr.data.schema.STRUCTURED_OCR_PROMPT)")
    min_pixels: PositiveInt | None = Field(
        default=None, description="a Qwen2-VL-family image processor's lower bound on an image's pixels (it "
                                  "resizes to multiples of its patch x merge size within the bounds); null: the "
                                  "processor's own (Qwen2.5-VL: 3,136 = 56 x 56)")
    max_pixels: PositiveInt | None = Field(
        default=None, description="its upper bound; null: the processor's own (Qwen2.5-VL: 12,845,056 = "
                                  "28 x 28 x 16,384)")
    processor: ProcessorSource | None = Field(
        default=None, description="take the processor's files from here instead of the base's folder; null: the "
                                  "base's own")

    @model_validator(mode="after")
    def _strips_are_for_tiny_models(self) -> BaseSpec:
        if self.strip_width is not None and self.source in ("hub", "stand_in"):
            raise ValueError("strip_width is a layout of specocr's tiny models' processor; a Hub base and its "
                             "stand-in keep Qwen2.5-VL's")
        return self

    @model_validator(mode="after")
    def _zoo_processors_are_fixed(self) -> BaseSpec:
        fixed = [key for key in ("min_pixels", "max_pixels", "processor") if getattr(self, key) is not None]
        if fixed and self.source == "zoo":
            raise ValueError(f"{', '.join(fixed)}: a zoo base's processor has the zoo's fixed geometry "
                             "(strip_width sets its document layout)")
        if self.min_pixels is not None and self.max_pixels is not None and self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels {self.min_pixels} is above max_pixels {self.max_pixels}")
        return self


# --- the model zoo ----------------------------------------------------------------------------------


class ZooSize(_Strict):
    """One size of the tiny Qwen2.5-VL. Attention heads are 64 wide: the M-RoPE sections must sum to 32."""

    text_hidden: PositiveInt
    text_layers: PositiveInt
    text_heads: PositiveInt
    text_mlp: PositiveInt
    vision_hidden: PositiveInt
    vision_depth: PositiveInt
    vision_heads: PositiveInt
    vision_mlp: PositiveInt

    @model_validator(mode="after")
    def _heads_are_64_wide(self) -> ZooSize:
        if self.text_hidden != 64 * self.text_heads:
            raise ValueError(f"text_hidden ({self.text_hidden}) must be 64 x text_heads ({self.text_heads})")
        if self.vision_hidden % self.vision_heads:
            raise ValueError(f"vision_hidden ({self.vision_hidden}) must be a multiple of vision_heads")
        return self


ExampleKind = Literal["easy", "clean24", "mono", "printed", "short", "lines", "blocks", "documents",
                      "handwritten_documents", "varied_documents", "styled_documents", "long_documents", "shapes", "places", "scenes"]


class CurriculumPhase(_Strict):
    """One phase of a pretraining curriculum (kinds: ``specocr.models.pretraining_data.EXAMPLE_KINDS``)."""

    main: ExampleKind = Field(description="the kind of example this phase teaches")
    review: list[ExampleKind] = Field(description="earlier kinds mixed in (a batch of one of them, uniformly, "
                                                  "with chance review_share) so that they are not forgotten")
    steps: PositiveInt | None = Field(
        description="a fixed length in steps; null: the phase lasts until the moving average of its main "
                    "kind's loss falls below advance_below (the last phase: until the level's steps)")
    sizes: list[str] | None = Field(
        default=None, description="the zoo sizes that run this phase (null: every size), for a phase that one size "
                                  "needs and another does not")
    learning_rate: PositiveFloat | None = Field(
        default=None, description="AdamW's rate during this phase, instead of the level's rate for the size")
    batch_size: PositiveInt | None = Field(
        default=None, description="examples per step during this phase, at most the level's batch_size (null: "
                                  "the level's): long documents learn from more, smaller steps")
    strip_width: PositiveInt | None = Field(
        default=None, description="from this phase on, the model reads every image as a band strip this many px "
                                  "wide: the image's data.block.line_height bands, each cropped to its ink, side "
                                  "by side (specocr.models.processing_charocr.band_strip); null: images as they are")
    band_stretch: Annotated[float, Field(ge=1)] | None = Field(
        default=None, description="with strip_width: every band widened by this factor before it is cut into "
                                  "patches, so that glyphs narrower than a patch (the handwriting faces draw 4-6 px "
                                  "per character, the printed ones ~8) get a patch each; null: 1")
    review_share: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        default=None, description="this phase's chance of a review batch, instead of the level's review_share")
    spread_slack: NonNegativeInt = Field(
        default=0, description="with strip_width, while training only: up to this many patches of each strip's "
                               "padding go before its first band and after its separators, at random, so that "
                               "the model finds where each line starts by looking (band_strip's spread_slack)")


class PretrainingStage(_Strict):
    """One level of foundation pretraining (level 2 continues from level 1): a curriculum of phases."""

    steps: dict[str, PositiveInt] = Field(
        description="at most this many steps per zoo size (a level also ends when its last fixed-length phase does)")
    batch_size: PositiveInt
    learning_rate: dict[str, PositiveFloat] = Field(
        description="AdamW's learning rate per zoo size (in one run at S's level-1 rate, M's loss stayed at the "
                    "image-blind ~2.6 nats/char: experiments/README.md)")
    warmup_steps: NonNegativeInt = Field(description="linear warmup, then a constant learning rate (a phase's "
                                                     "length is not known in advance, so no decay schedule)")
    phases: list[CurriculumPhase] = Field(min_length=1)
    review_share: Annotated[float, Field(ge=0, lt=1)]
    advance_below: Annotated[float, Field(gt=0)] = Field(
        description="a phase without fixed steps ends when the moving average of its main kind's loss "
                    "(nats per answer character) falls below this")
    ema_decay: Probability = Field(description="weight of the old value in that moving average")
    time_budget_minutes: Annotated[float, Field(gt=0)] = Field(description="stop (and save) after this long")

    @model_validator(mode="after")
    def _no_phase_reviews_itself(self) -> PretrainingStage:
        for index, phase in enumerate(self.phases):
            if phase.main in phase.review:
                raise ValueError(f"phases[{index}] reviews its own main kind {phase.main!r}")
            if phase.batch_size is not None and phase.batch_size > self.batch_size:
                raise ValueError(f"phases[{index}].batch_size {phase.batch_size} exceeds the level's {self.batch_size}")
        return self

    def for_size(self, size: str) -> PretrainingStage:
        """This level as zoo size ``size`` runs it: without the phases restricted to other sizes."""
        return self.model_copy(update={"phases": [phase for phase in self.phases
                                                  if phase.sizes is None or size in phase.sizes]})


class ZooParams(_Strict):
    folder: str = Field(description="where the shipped checkpoints live, one folder per base")
    seed: int
    threads: PositiveInt
    checkpoint_every: PositiveInt = Field(description="steps between resumable checkpoints")
    eval_every: PositiveInt
    eval_examples: PositiveInt = Field(description="held-out examples per evaluation set")
    level1: PretrainingStage
    level2: PretrainingStage
    sizes: dict[str, ZooSize] = Field(min_length=1)
    patch_size: PositiveInt = Field(description="vision patch in px; 8 = one patch per character column")
    rope_theta: Annotated[float, Field(gt=0)]
    mrope_section: list[PositiveInt] = Field(min_length=3, max_length=3, description="[time, height, width]")
    max_positions: PositiveInt

    @model_validator(mode="after")
    def _sections_fill_the_head(self) -> ZooParams:
        if sum(self.mrope_section) != 32:
            raise ValueError(f"zoo.mrope_section must sum to 32 (half of a 64-wide head), got {sum(self.mrope_section)}")
        for level in ("level1", "level2"):
            for field in ("steps", "learning_rate"):
                per_size = getattr(getattr(self, level), field)
                if set(per_size) != set(self.sizes):
                    raise ValueError(f"zoo.{level}.{field} must name every zoo size {sorted(self.sizes)}, "
                                     f"got {sorted(per_size)}")
            for index, phase in enumerate(getattr(self, level).phases):
                unknown = set(phase.sizes or ()) - set(self.sizes)
                if unknown:
                    raise ValueError(f"zoo.{level}.phases[{index}].sizes names {sorted(unknown)}, which are not zoo "
                                     f"sizes {sorted(self.sizes)}")
            for size in self.sizes:
                if not getattr(self, level).for_size(size).phases:
                    raise ValueError(f"zoo.{level}.phases: none is run by size {size}")
        return self


# --- specialization ---------------------------------------------------------------------------------


class LoraParams(_Strict):
    r: PositiveInt
    alpha: PositiveInt
    dropout: Annotated[float, Field(ge=0, lt=1)]
    target_modules: list[str] = Field(min_length=1)


class DistributedParams(_Strict):
    processes: PositiveInt = Field(description="training processes (one per GPU; batch_size is per process, so "
                                               "each step sees processes x batch_size examples); 1: this process")
    accelerate_config: str | None = Field(
        description="with processes > 1: an accelerate config file (envs/accelerate/fsdp.yaml: FSDP, the model's "
                    "weights, gradients and optimizer state sharded over the GPUs), launched with `accelerate "
                    "launch`; null: torchrun, data-parallel (every process holds the whole model)")


#: Why a run would pick each: ``bf16-mixed`` needs a CPU with AVX512-BF16 or AMX, or a GPU; ``bf16`` is for a 7B
#: base, whose float32 AdamW state does not fit one 80-141 GB GPU.
Precision = Literal["fp32", "bf16-mixed", "bf16", "auto"]
PRECISION_HELP = ("fp32 (float32 throughout) | bf16-mixed (float32 weights and optimizer, bf16 matrix products under "
                  "autocast) | bf16 (bfloat16 weights, saved so, with bf16 autocast) | auto (bf16-mixed where the "
                  "hardware computes bf16 natively: a bf16 GPU, a CPU with AVX512-BF16 or AMX; fp32 elsewhere)")


class SftParams(_Strict):
    method: Literal["full", "lora"]
    max_steps: PositiveInt
    batch_size: PositiveInt
    gradient_accumulation_steps: PositiveInt
    learning_rate: Annotated[float, Field(gt=0)]
    warmup_steps: NonNegativeInt
    eval_steps: PositiveInt
    val_documents: NonNegativeInt = Field(description="validation documents scored during training")
    lora: LoraParams
    precision: Precision = Field(description=PRECISION_HELP)
    activation_checkpointing: bool = Field(description="recompute activations in the backward pass: less memory, "
                                                       "~20% slower (3B/7B bases on a GPU)")
    freeze_vision_encoder: bool = Field(description="keep the vision encoder's patch embedding and blocks as in the "
                                                    "base (its merger, the projection into the language model, trains)")
    threads: PositiveInt
    distributed: DistributedParams


class DpoParams(_Strict):
    documents: PositiveInt = Field(description="training documents the SFT model samples on to find its failures")
    samples_per_document: PositiveInt
    temperature: Annotated[float, Field(gt=0)]
    max_new_tokens: PositiveInt
    chosen_min_score: Annotated[float, Field(ge=0, le=1)] = Field(
        description="a sample above this score may be chosen instead of the ground truth"
    )
    min_score_gap: Annotated[float, Field(ge=0, le=1)] = Field(description="keep pairs whose chosen-rejected gap is at least this")
    beta: Annotated[float, Field(gt=0)]
    loss_type: list[str] = Field(min_length=1)
    loss_weights: list[float] = Field(min_length=1)
    max_steps: PositiveInt
    batch_size: PositiveInt
    gradient_accumulation_steps: PositiveInt
    learning_rate: Annotated[float, Field(gt=0)]
    method: Literal["full", "lora"] = Field(description="lora: adapters on the SFT model, and the reference is the "
                                                        "same model with its adapters disabled (no second copy)")
    lora: LoraParams
    max_length: PositiveInt | None = Field(
        description="prompt + answer tokens kept per pair, the answer's end cut first (a looping rejected sample can "
                    "run to max_new_tokens); at least the longest prompt, whose image tokens are never cut; null: "
                    "no cut")
    precision: Precision = Field(description="as sft.precision")
    activation_checkpointing: bool = Field(description="as sft.activation_checkpointing")
    threads: PositiveInt
    distributed: DistributedParams

    @model_validator(mode="after")
    def _one_weight_per_loss(self) -> DpoParams:
        if len(self.loss_type) != len(self.loss_weights):
            raise ValueError(
                f"dpo.loss_weights has {len(self.loss_weights)} entries for {len(self.loss_type)} loss_type entries"
            )
        return self


class AwqParams(_Strict):
    """AWQ with llm-compressor (specocr.train.awq), in its own environment (make setup-awq)."""
    group_size: PositiveInt = Field(description="input columns per weight scale; must divide every quantized "
                                                "layer's input width (128 for the Hub models)")
    calibration_documents: PositiveInt = Field(description="training pages AWQ calibrates on")
    max_seq_length: PositiveInt = Field(description="tokens of the longest calibration page (image, prompt and "
                                                    "answer); a longer page is an error, not a cut")


class QuantParams(_Strict):
    method: Literal["int8_dynamic", "awq"] = Field(description="int8_dynamic: int8 for the CPU; awq: W4A16 with "
                                                               "llm-compressor, served by vLLM")
    awq: AwqParams
    bases: list[str] = Field(description="the bases whose SFT+DPO model the quant stage quantizes (one quant@<base> "
                                         "stage each); every base when eval.stages has quant")


# --- evaluation and baselines -----------------------------------------------------------------------


class DegenerationParams(_Strict):
    tail_chars: PositiveInt
    min_repeats: PositiveInt


class TimingParams(_Strict):
    """The timing pass whose median rate the cost model uses (specocr.evaluate.timing)."""

    documents: PositiveInt = Field(description="the first this many test documents, read again in every pass")
    passes: PositiveInt = Field(description="timed passes after a warm-up; their median is the rate")


class EvalParams(_Strict):
    stages: list[Stage] = Field(min_length=1)
    backend: Literal["hf", "vllm"] = Field(description="hf: Hugging Face generate in batches (CPU, any GPU); vllm: "
                                                        "vLLM requests in chunks of batch_size (a CUDA GPU, the "
                                                        "paper's serving engine)")
    vllm_max_model_len: PositiveInt = Field(description="vllm: the longest prompt + answer a request may hold")
    vllm_tensor_parallel: PositiveInt = Field(description="vllm: GPUs that one engine spreads each model over")
    max_new_tokens: PositiveInt
    batch_size: PositiveInt
    threads: PositiveInt
    bootstrap_resamples: PositiveInt
    confidence: Probability
    degeneration: DegenerationParams
    timing: TimingParams


class TesseractParams(_Strict):
    lang: str
    psm: Annotated[int, Field(ge=0, le=13)]
    tessdata: str | None = Field(description="tessdata folder; null finds Debian's")


class ImportedSystem(_Strict):
    """Predictions made elsewhere (an API, a GPU run) scored like every other system."""

    name: str
    predictions: str = Field(description="JSONL with id, prediction, optional hit_token_limit")
    pages_per_second: Annotated[float, Field(gt=0)] | None


class BaselineParams(_Strict):
    engines: list[Literal["tesseract", "rapidocr"]]
    threads: PositiveInt
    tesseract: TesseractParams
    imported: list[ImportedSystem]


# --- cost and report --------------------------------------------------------------------------------


class Price(_Strict):
    source: str
    date: str


class HardwarePrice(Price):
    usd_per_hour: Annotated[float, Field(gt=0)]


class ApiPrice(Price):
    """Either a per-page price or per-token prices with stated tokens per page."""

    usd_per_1000_pages: Annotated[float, Field(gt=0)] | None
    usd_per_million_input_tokens: Annotated[float, Field(gt=0)] | None
    usd_per_million_output_tokens: Annotated[float, Field(gt=0)] | None
    input_tokens_per_page: PositiveInt | None
    output_tokens_per_page: PositiveInt | None

    @model_validator(mode="after")
    def _one_pricing_model(self) -> ApiPrice:
        token_fields = (
            self.usd_per_million_input_tokens,
            self.usd_per_million_output_tokens,
            self.input_tokens_per_page,
            self.output_tokens_per_page,
        )
        per_token = all(v is not None for v in token_fields)
        if (self.usd_per_1000_pages is not None) == per_token:
            raise ValueError("give either usd_per_1000_pages or all four per-token fields, not both or neither")
        return self


class CostParams(_Strict):
    measured_on: str = Field(description="key of `hardware` that prices the runs measured here")
    hardware: dict[str, HardwarePrice] = Field(min_length=1)
    apis: dict[str, ApiPrice] = Field(description="system name as in paper/reported.yaml -> price")

    @model_validator(mode="after")
    def _measured_on_is_priced(self) -> CostParams:
        if self.measured_on not in self.hardware:
            raise ValueError(f"cost.measured_on {self.measured_on!r} is not one of cost.hardware: {sorted(self.hardware)}")
        return self


class ReportParams(_Strict):
    reported: str = Field(description="YAML of the paper's reported numbers")
    figure_formats: list[Literal["png", "pdf", "svg"]] = Field(min_length=1)
    min_degenerate_outputs: PositiveInt = Field(
        description="C3/C4 compare a family's degeneration rates only with at least this many degenerate outputs "
                    "over its two stages; fewer make the claim inconclusive, not decided")
    cost_tolerance: Annotated[float, Field(ge=0, lt=1)] = Field(
        description="C5/C6: costs per page within this relative difference are equal (pages/s vary between "
                    "machines and runs), so they decide no verdict")
    score_tolerance: Annotated[float, Field(ge=0, lt=1)] = Field(
        description="C1/C2: a score difference whose confidence interval reaches within this of zero decides no "
                    "verdict (scores move between machines: CPU kernels sum in another order, greedy decoding "
                    "then diverges)")


# --- the whole tree ---------------------------------------------------------------------------------


class PreviewParams(_Strict):
    """What the ``bases`` stage shows of each base model before any training on the domain."""

    held_out_examples: PositiveInt = Field(description="general lines, blocks and scenes per set (zoo seeds)")
    benchmark_documents: PositiveInt = Field(description="test documents each base reads, vanilla")


class Params(_Strict):
    seed: int
    data: DataParams
    bases: dict[str, BaseSpec] = Field(min_length=1)
    preview: PreviewParams
    zoo: ZooParams
    sft: SftParams
    dpo: DpoParams
    quant: QuantParams
    eval: EvalParams
    baselines: BaselineParams
    cost: CostParams
    report: ReportParams

    @model_validator(mode="after")
    def _zoo_bases_have_a_size(self) -> Params:
        for name, base in self.bases.items():
            if base.source == "zoo" and base.size not in self.zoo.sizes:
                raise ValueError(f"bases.{name}.size {base.size!r} is not one of zoo.sizes {sorted(self.zoo.sizes)}")
        return self

    @model_validator(mode="after")
    def _quantized_bases_exist(self) -> Params:
        unknown = [name for name in self.quant.bases if name not in self.bases]
        if unknown:
            raise ValueError(f"quant.bases {unknown} are not in bases {sorted(self.bases)}")
        missing = [name for name in self.bases if name not in self.quant.bases]
        if "quant" in self.eval.stages and missing:
            raise ValueError(f"eval.stages has quant, so quant.bases must name every base; it lacks {missing}")
        return self


# --- overlays ---------------------------------------------------------------------------------------

#: The first line of a file that ``specocr compose-params`` wrote: never a base for another overlay.
COMPOSED_MARK = "# Composed by `specocr compose-params"


class Replace(dict):
    """A mapping tagged ``!replace`` in an overlay: it replaces the base's mapping instead of merging into it."""


class _OverlayLoader(yaml.SafeLoader):
    pass


_OverlayLoader.add_constructor("!replace", lambda loader, node: Replace(loader.construct_mapping(node, deep=True)))


def merge_trees(base: object, overlay: object) -> object:
    """``overlay`` on ``base``: mappings merge key by key (recursively), unless tagged ``!replace``; any other
    value (a list, a scalar, null) replaces the base's."""
    if isinstance(overlay, Replace):
        return dict(overlay)
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge_trees(base[key], value) if key in base else _plain(value)
        return merged
    return _plain(overlay)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def read_tree(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """The parameter tree of a params file: its own keys, on top of the file its ``overlay_of`` names
    (relative to it), recursively. Not validated (:func:`parse_params` does that)."""
    path = Path(path)
    if path.resolve() in _seen:
        raise ParamsError(f"{path}: overlay_of loops back to itself ({' -> '.join(map(str, _seen))})")
    try:
        text = path.read_text(encoding="utf-8")
        tree = yaml.load(text, Loader=_OverlayLoader)  # noqa: S506 (a SafeLoader with one added tag)
    except OSError as error:
        raise ParamsError(f"{path}: cannot read params file ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML\n{error}") from None
    if not isinstance(tree, dict):
        raise ParamsError(f"{path}: the top level must be a mapping, got {type(tree).__name__}")
    if _seen and text.startswith(COMPOSED_MARK):
        raise ParamsError(f"{path} was written by `specocr compose-params` (it holds an overlay already), so it "
                          f"cannot be the base of {_seen[-1]}: restore it (`git checkout {path.name}`) first")
    parent = tree.pop("overlay_of", None)
    if parent is None:
        return _plain(tree)
    if not isinstance(parent, str):
        raise ParamsError(f"{path}: overlay_of must be a path (relative to {path.parent}), got {parent!r}")
    return merge_trees(read_tree(path.parent / parent, (*_seen, path.resolve())), tree)


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"  {path}: unknown key")
        elif item["type"] == "missing":
            lines.append(f"  {path}: missing key")
        else:
            lines.append(f"  {path}: {item['msg']} (got {item['input']!r})")
    return "\n".join(lines)


def parse_params(tree: object, origin: str = "<params>") -> Params:
    """Validate an already-parsed tree; raise :class:`ParamsError` naming every bad key path."""
    if not isinstance(tree, dict):
        raise ParamsError(f"{origin}: the top level must be a mapping, got {type(tree).__name__}")
    try:
        return Params.model_validate(tree)
    except ValidationError as error:
        raise ParamsError(f"{origin}: invalid parameters\n{_describe(error)}") from None


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read (an overlay on top of its base) and validate a params file; raise :class:`ParamsError` before any
    compute if it is wrong."""
    return parse_params(read_tree(path), origin=str(path))
